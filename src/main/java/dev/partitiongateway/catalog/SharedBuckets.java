package dev.partitiongateway.catalog;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * Where a tenant lands in a {@code SHARED_HASH} collection: {@code murmur3_32(utf8(tenantId), seed 0)}
 * (the x86 32-bit variant), read as unsigned, modulo the bucket count. Stable across processes,
 * machines and versions: a tenant's bucket never changes while the bucket count does not.
 */
public final class SharedBuckets {

    private SharedBuckets() {
    }

    public static int bucketOf(String tenantId, int buckets) {
        return (int) (Integer.toUnsignedLong(murmur3(tenantId)) % buckets);
    }

    /** MurmurHash3 x86 32-bit of the UTF-8 bytes, seed 0 (Guava's corrected {@code murmur3_32_fixed}). */
    static int murmur3(String text) {
        return Hashing.murmur3_32_fixed(0).hashBytes(text.getBytes(StandardCharsets.UTF_8)).asInt();
    }
}
