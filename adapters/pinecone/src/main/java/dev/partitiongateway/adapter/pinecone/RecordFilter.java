package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.filter.Filter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The SPI filter evaluated on a record the adapter has read (its original metadata and timestamp),
 * with the semantics of {@link Filter}'s Javadoc. Scans, counts and deletes by filter walk a tenant's
 * ids with {@code list}, {@code fetch} them and keep the records this accepts: exact and independent
 * of Pinecone's approximate search, whereas search uses {@link PineconeFilterMapper} server-side.
 */
final class RecordFilter {

    private RecordFilter() {
    }

    static boolean matches(Filter filter, Map<String, Object> metadata, Instant timestamp) {
        if (filter == null) {
            return true;
        }
        if (filter instanceof Filter.And and) {
            return and.operands().stream().allMatch(f -> matches(f, metadata, timestamp));
        }
        if (filter instanceof Filter.Or or) {
            return or.operands().stream().anyMatch(f -> matches(f, metadata, timestamp));
        }
        if (filter instanceof Filter.Not not) {
            return !matches(not.operand(), metadata, timestamp);
        }
        if (filter instanceof Filter.Compare compare) {
            Lookup found = lookup(metadata, compare.field());
            return switch (compare.op()) {
                case EQ -> anyEquals(found, compare.value());
                case NE -> !anyEquals(found, compare.value());
                case GT -> anyNumber(found, d -> d > (Double) compare.value());
                case GTE -> anyNumber(found, d -> d >= (Double) compare.value());
                case LT -> anyNumber(found, d -> d < (Double) compare.value());
                case LTE -> anyNumber(found, d -> d <= (Double) compare.value());
                default -> throw new BackendException.Rejected("unsupported comparison " + compare.op().token());
            };
        }
        if (filter instanceof Filter.In in) {
            Lookup found = lookup(metadata, in.field());
            boolean any = in.values().stream().anyMatch(v -> anyEquals(found, v));
            return any != in.negated();
        }
        if (filter instanceof Filter.Exists exists) {
            return lookup(metadata, exists.field()).present() == exists.exists();
        }
        if (filter instanceof Filter.TimeRange range) {
            if (timestamp == null) {
                return false;
            }
            long millis = timestamp.toEpochMilli();
            return (range.from() == null || millis >= range.from().toEpochMilli())
                    && (range.to() == null || millis < range.to().toEpochMilli());
        }
        throw new BackendException.Rejected("unsupported filter node " + filter.getClass().getSimpleName());
    }

    /** The value at a dotted path; {@code present} also for null values and objects, as {@code $exists} sees them. */
    private record Lookup(boolean present, Object value) {
    }

    private static Lookup lookup(Map<String, Object> metadata, String path) {
        Object current = metadata;
        String[] keys = path.split("\\.", -1);
        for (int i = 0; i < keys.length; i++) {
            if (!(current instanceof Map<?, ?> object) || !object.containsKey(keys[i])) {
                return new Lookup(false, null);
            }
            current = object.get(keys[i]);
        }
        return new Lookup(true, current);
    }

    private static boolean anyEquals(Lookup found, Object expected) {
        if (!found.present()) {
            return false;
        }
        if (found.value() instanceof List<?> array) {
            return array.stream().anyMatch(element -> scalarEquals(element, expected));
        }
        return scalarEquals(found.value(), expected);
    }

    private static boolean scalarEquals(Object stored, Object expected) {
        if (stored instanceof String s && expected instanceof String e) {
            return s.equals(e);
        }
        if (stored instanceof Boolean s && expected instanceof Boolean e) {
            return s.equals(e);
        }
        if (stored instanceof Number s && expected instanceof Double e) {
            return s.doubleValue() == e;
        }
        return false;
    }

    private interface DoubleTest {
        boolean test(double d);
    }

    private static boolean anyNumber(Lookup found, DoubleTest test) {
        if (!found.present()) {
            return false;
        }
        if (found.value() instanceof List<?> array) {
            return array.stream().anyMatch(e -> e instanceof Number n && test.test(n.doubleValue()));
        }
        return found.value() instanceof Number n && test.test(n.doubleValue());
    }
}
