package dev.partitiongateway.adapter.qdrant;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Qdrant accepts only unsigned integers and UUIDs as point ids, so each record gets a name-based
 * UUID (version 5, RFC 9562) derived from everything that makes its id unique: the gateway collection,
 * the placement and the tenant, then the client's id. Re-upserting an id therefore replaces the same
 * point, and fetching by id needs no lookup; the client's id itself is kept in the payload.
 *
 * <p>The placement is part of the name because the same tenant may hold the same id in two placements
 * of one collection (during a move the record sits in its source and its target for a moment).
 */
final class PointIds {

    /** A fixed namespace of this gateway, so that its UUIDs never coincide with other v5 UUIDs. */
    private static final UUID NAMESPACE = UUID.fromString("7b0d2f4e-63c1-4a8e-9d3b-5f2a1c9e8b70");

    private PointIds() {
    }

    static UUID of(String collection, String placement, String tenant, String id) {
        // Length prefixes keep the name unambiguous whatever characters the parts hold.
        String name = collection.length() + ":" + collection + "|" + placement.length() + ":" + placement + "|"
                + tenant.length() + ":" + tenant + "|" + id;
        return nameBased(NAMESPACE, name);
    }

    /**
     * The registry's id for a placement: one point per (collection, placement), whatever the tenant.
     * {@code qdrantCollection} is the collection's Qdrant name, prefix included, so that gateways with
     * different prefixes never share a registration.
     */
    static UUID ofPlacement(String qdrantCollection, String placement) {
        return nameBased(NAMESPACE, "placement|" + qdrantCollection.length() + ":" + qdrantCollection + "|" + placement);
    }

    static UUID nameBased(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
        sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits()).putLong(namespace.getLeastSignificantBits()).array());
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bytes.getLong(), bytes.getLong());
    }
}
