package dev.partitiongateway.catalog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Which partition of a tenant (or which shared bucket) a record belongs to, as a strategy decides it;
 * the directory turns a key into a partition and its placement.
 */
public sealed interface PartitionKey {

    /** The placement name: valid on every backend ({@code [a-z][a-z0-9_]*}), unique within the collection. */
    String placementName(String tenantId);

    /** The tenant's one partition ({@code TENANT}). */
    record Dedicated() implements PartitionKey {
        @Override
        public String placementName(String tenantId) {
            return tenantPrefix(tenantId);
        }
    }

    /** The tenant's partition for one calendar window ({@code TENANT_TIME}). */
    record Window(TimeWindow window) implements PartitionKey {
        @Override
        public String placementName(String tenantId) {
            return tenantPrefix(tenantId) + "_" + window.label();
        }
    }

    /**
     * The tenant's partition for one value of the attribute field, or its default partition for
     * records without the field ({@code TENANT_ATTRIBUTE}).
     *
     * @param value the value as canonical JSON ({@code "eu"}, {@code 3.0}, {@code true}), {@code null} for the default
     */
    record Attribute(String value) implements PartitionKey {
        @Override
        public String placementName(String tenantId) {
            return tenantPrefix(tenantId) + "_v" + (value == null ? "none" : sha256Hex(value).substring(0, 12));
        }
    }

    /** One shared bucket ({@code SHARED_HASH}); holds many tenants. */
    record Bucket(int index) implements PartitionKey {
        @Override
        public String placementName(String tenantId) {
            return String.format(Locale.ROOT, "b_%04d", index);
        }
    }

    /**
     * The readable tenant id plus a hash (valid on every backend, unique per tenant: '-' and '_' both
     * map to '_').
     */
    static String tenantPrefix(String tenantId) {
        String readable = tenantId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
        return "t_" + readable + "_" + sha256Hex(tenantId).substring(0, 8);
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
