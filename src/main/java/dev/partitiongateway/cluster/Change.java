package dev.partitiongateway.cluster;

import java.util.Objects;
import java.util.Optional;

/**
 * Something that gateway processes cache changed in PostgreSQL. Every process, including the one
 * that made the change, receives it as a CDI event and drops what it cached about it.
 *
 * @param kind what changed
 * @param key  which one: a key prefix, a tenant id, a collection name, or {@code collection/tenant}
 *             for a directory entry; empty for {@link Kind#EVERYTHING}
 */
public record Change(Kind kind, String key) {

    public enum Kind {
        /** An API key, by prefix: issued, revoked, rotated. */
        KEY,
        /** A tenant, by id: updated, suspended, deleted (with its keys and partitions). */
        TENANT,
        /** A collection, by name: created or deleted (with its partitions). */
        COLLECTION,
        /** The partitions of one tenant in one collection, as {@code collection/tenant}. */
        DIRECTORY,
        /** Anything may have changed (notifications were missed): drop every cached entry. */
        EVERYTHING
    }

    private static final char SEPARATOR = ':';
    /** In a {@link Kind#DIRECTORY} key, instead of a tenant: every tenant of the collection (a shared bucket changed). */
    public static final String ALL_TENANTS = "*";

    public Change {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
    }

    public static Change key(String prefix) {
        return new Change(Kind.KEY, prefix);
    }

    public static Change tenant(String tenantId) {
        return new Change(Kind.TENANT, tenantId);
    }

    public static Change collection(String name) {
        return new Change(Kind.COLLECTION, name);
    }

    public static Change directory(String collection, String tenantId) {
        return new Change(Kind.DIRECTORY, collection + "/" + tenantId);
    }

    public static Change everything() {
        return new Change(Kind.EVERYTHING, "");
    }

    /** For {@link Kind#DIRECTORY}: the collection and the tenant. */
    public String[] directoryKey() {
        return key.split("/", 2);
    }

    /** The NOTIFY payload. Keys never contain ':' (ids, names and prefixes are restricted to [a-z0-9_-]). */
    String wire() {
        return kind.name() + SEPARATOR + key;
    }

    static Optional<Change> fromWire(String payload) {
        int at = payload.indexOf(SEPARATOR);
        if (at < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Change(Kind.valueOf(payload.substring(0, at)), payload.substring(at + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a kind from a newer gateway version: ignored, the TTL still applies
        }
    }
}
