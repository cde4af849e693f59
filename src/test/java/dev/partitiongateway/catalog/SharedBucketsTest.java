package dev.partitiongateway.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bucket of a tenant is murmur3_32(utf8(id), seed 0), unsigned, mod N: pinned so that it can never move. */
class SharedBucketsTest {

    @Test
    void should_compute_murmur3_x86_32_as_the_reference_implementation_does() {
        // Published test vectors of MurmurHash3_x86_32 with seed 0.
        assertThat(SharedBuckets.murmur3("")).isEqualTo(0);
        assertThat(Integer.toHexString(SharedBuckets.murmur3("hello"))).isEqualTo("248bfa47");
        assertThat(Integer.toHexString(SharedBuckets.murmur3("The quick brown fox jumps over the lazy dog"))).isEqualTo("2e4ff723");
    }

    @Test
    void should_hash_the_utf8_bytes_of_non_ascii_ids() {
        // Guava's murmur3_32 (unfixed) hashed some non-BMP strings wrongly; hashing UTF-8 bytes is what the design pins.
        int viaBytes = SharedBuckets.murmur3("tenant-ü-\uD83D\uDE00");
        assertThat(viaBytes).isEqualTo(com.google.common.hash.Hashing.murmur3_32_fixed(0)
                .hashBytes("tenant-ü-\uD83D\uDE00".getBytes(java.nio.charset.StandardCharsets.UTF_8)).asInt());
    }

    @Test
    void should_place_known_tenants_in_known_buckets() {
        // Frozen (computed with an independent implementation of MurmurHash3): changing any of these would
        // move tenants away from the buckets that hold their data.
        assertThat(Integer.toHexString(SharedBuckets.murmur3("acme"))).isEqualTo("a4392cd0");
        assertThat(SharedBuckets.bucketOf("acme", 16)).isEqualTo(0);
        assertThat(SharedBuckets.bucketOf("globex", 16)).isEqualTo(10);
        assertThat(SharedBuckets.bucketOf("initech", 16)).isEqualTo(4);
        assertThat(SharedBuckets.bucketOf("t-0001", 16)).isEqualTo(6);
        assertThat(SharedBuckets.bucketOf("umbrella", 16)).isEqualTo(0);
        assertThat(SharedBuckets.bucketOf("initech", 1024)).isEqualTo(468);
        assertThat(SharedBuckets.bucketOf("hello", 1024)).isEqualTo(583);
    }

    @Test
    void should_read_the_hash_as_unsigned() {
        // A hash with the top bit set must not give a negative bucket.
        String negative = null;
        for (int i = 0; negative == null; i++) {
            if (SharedBuckets.murmur3("t" + i) < 0) {
                negative = "t" + i;
            }
        }
        assertThat(SharedBuckets.bucketOf(negative, 7)).isBetween(0, 6)
                .isEqualTo((int) (Integer.toUnsignedLong(SharedBuckets.murmur3(negative)) % 7));
    }

    @Test
    void should_spread_many_tenants_over_every_bucket() {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < 16_000; i++) {
            counts.merge(SharedBuckets.bucketOf("tenant-" + i, 16), 1, Integer::sum);
        }
        assertThat(counts).hasSize(16);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
    }
}
