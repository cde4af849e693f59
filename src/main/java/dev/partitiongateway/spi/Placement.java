package dev.partitiongateway.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where one partition lives on its backend, and whose data a call may touch there.
 *
 * <p>{@code name} is chosen by the gateway and is safe as a Milvus partition, a Pinecone namespace,
 * a Qdrant payload value or collection suffix, and a directory name: 1-200 of lower-case letters,
 * digits and '_', starting with a letter.
 *
 * <p>{@code tenant} is the tenant scope of the call. An adapter stores it with every record it
 * writes and restricts every read, count, scan and delete to it, so that placements shared by
 * several tenants stay isolated; a record's id is unique per (placement, tenant).
 */
public record Placement(CollectionSpec collection, String name, String tenant) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,199}");

    public Placement {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(tenant, "tenant");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid placement name: " + name);
        }
    }
}
