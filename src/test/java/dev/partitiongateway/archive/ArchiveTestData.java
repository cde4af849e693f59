package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.VectorRecord;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/** Records that try to break an archive: awkward ids, tenants, timestamps, floats and metadata. */
final class ArchiveTestData {

    static final int DIMENSION = 128;
    static final CollectionSpec COLLECTION = new CollectionSpec("docs", DIMENSION, Metric.COSINE);

    private ArchiveTestData() {
    }

    /**
     * Parquet checks its loggers for DEBUG and, when enabled, logs every value it writes: ten times
     * slower. Quarkus runs at INFO (see application.properties); plain unit tests have no such
     * configuration, so they set Parquet's level themselves. Keeps the logger: JUL holds it weakly.
     */
    static final java.util.logging.Logger PARQUET_LOG = java.util.logging.Logger.getLogger("org.apache.parquet");

    static void quietParquetLogging() {
        PARQUET_LOG.setLevel(java.util.logging.Level.INFO);
    }

    static ArchiveHeader header(String placement, String tenant) {
        Map<String, Object> strategy = new LinkedHashMap<>();
        strategy.put("strategy", "SHARED_HASH");
        strategy.put("bucket", 7L);
        return new ArchiveHeader(COLLECTION, 42L, placement, strategy, tenant, "lucene");
    }

    /** {@code count} records of three tenants (as in a shared bucket), every one with hostile metadata. */
    static List<ArchivedRecord> records(int count, long seed) {
        Random random = new Random(seed);
        List<ArchivedRecord> records = new ArrayList<>(count);
        String[] tenants = {"acme", "globex-ü", "t_3"};
        for (int i = 0; i < count; i++) {
            records.add(new ArchivedRecord(tenants[i % tenants.length], record(i, random)));
        }
        return records;
    }

    static VectorRecord record(int i, Random random) {
        float[] values = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            values[d] = (float) random.nextGaussian();
        }
        if (i % 97 == 0) {
            values[0] = -0.0f;
            values[1] = Float.MIN_VALUE;
            values[2] = Float.MAX_VALUE;
            values[3] = -Float.MAX_VALUE;
            values[4] = 1.0e-40f; // subnormal
        }
        String id = switch (i % 5) {
            case 0 -> "doc-" + i;
            case 1 -> "ドキュメント-" + i + "-🚀";
            case 2 -> "with space/and/slashes?&=#" + i;
            case 3 -> "\"quoted\" 'single' \\back " + i;
            default -> "x".repeat(200) + i;
        };
        Instant timestamp = switch (i % 6) {
            case 0 -> null;
            case 1 -> Instant.parse("0001-01-01T00:00:00Z");
            case 2 -> Instant.parse("9999-12-31T23:59:59.999Z");
            case 3 -> Instant.ofEpochMilli(1_700_000_000_000L + i);
            case 4 -> Instant.parse("1969-12-31T23:59:59.999999Z");
            default -> Instant.EPOCH;
        };
        return new VectorRecord(id, values, metadata(i, random), timestamp);
    }

    static Map<String, Object> metadata(int i, Random random) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", "naïve café – 日本語 – عربى – 🚀👩‍👩‍👧 #" + i);
        m.put("empty", "");
        m.put("", "an empty key");
        m.put("key.with.dots", "a.b.c");
        m.put("quotes", "\"json\" {\"in\": [\"a\", \"string\"]} \\ \n\t\r\b\f \u0001 \u007f \u2028");
        m.put("long_max", Long.MAX_VALUE);
        m.put("long_min", Long.MIN_VALUE);
        m.put("beyond_long", new BigInteger("123456789012345678901234567890"));
        m.put("double_max", Double.MAX_VALUE);
        m.put("double_min", Double.MIN_VALUE);
        m.put("minus_zero", -0.0d);
        m.put("third", 1.0d / 3);
        m.put("integral_double", 5.0d);
        m.put("random", random.nextDouble());
        m.put("count", (long) i);
        m.put("flag", i % 2 == 0);
        m.put("nothing", null);
        m.put("tags", Arrays.asList("a", "β", "", 1L, 2.5d, true, null));
        m.put("empty_list", List.of());
        m.put("empty_object", new LinkedHashMap<>());
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("z_last_first", "keys keep their order");
        nested.put("a", List.of(new LinkedHashMap<>(Map.of("deep", List.of(List.of(1L, 2L), "x")))));
        Map<String, Object> deepest = nested;
        for (int depth = 0; depth < 8; depth++) {
            Map<String, Object> child = new LinkedHashMap<>();
            child.put("level", (long) depth);
            deepest.put("child", child);
            deepest = child;
        }
        m.put("nested", nested);
        return m;
    }

    /** Every record, id, value bit, metadata value (with its Java type and key order) and timestamp the same. */
    static void assertSameRecords(List<ArchivedRecord> actual, List<ArchivedRecord> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            ArchivedRecord a = actual.get(i);
            ArchivedRecord e = expected.get(i);
            if (same(a, e)) {
                continue; // the quick check; AssertJ below only to describe a difference
            }
            String at = "record " + i + " (" + e.record().id() + ")";
            assertThat(a.tenant()).as(at + " tenant").isEqualTo(e.tenant());
            assertThat(a.record().id()).as(at + " id").isEqualTo(e.record().id());
            assertThat(bits(a.record().values())).as(at + " values").isEqualTo(bits(e.record().values()));
            assertThat(a.record().metadata()).as(at + " metadata").isEqualTo(e.record().metadata());
            assertThat(a.record().timestamp()).as(at + " timestamp").isEqualTo(e.record().timestamp());
            assertThat(a.record().metadata().toString()).as(at + " metadata key order and value types")
                    .isEqualTo(e.record().metadata().toString());
            throw new AssertionError(at + ": metadata value types differ: " + typed(a.record().metadata()) + " vs " + typed(e.record().metadata()));
        }
    }

    private static boolean same(ArchivedRecord a, ArchivedRecord e) {
        return Objects.equals(a.tenant(), e.tenant()) && a.record().id().equals(e.record().id())
                && Arrays.equals(bits(a.record().values()), bits(e.record().values()))
                && Objects.equals(a.record().timestamp(), e.record().timestamp())
                && typed(a.record().metadata()).equals(typed(e.record().metadata()));
    }

    /** The value with every key order and every Java type spelt out, so that equal text means the same metadata. */
    private static String typed(Object value) {
        if (value instanceof Map<?, ?> map) {
            StringBuilder text = new StringBuilder("{");
            map.forEach((k, v) -> text.append(k).append('=').append(typed(v)).append(','));
            return text.append('}').toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder text = new StringBuilder("[");
            list.forEach(v -> text.append(typed(v)).append(','));
            return text.append(']').toString();
        }
        return value == null ? "null" : value.getClass().getSimpleName() + ":" + value;
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
