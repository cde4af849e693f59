package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.filter.Filter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Translates the SPI {@link Filter} tree into a Milvus boolean expression over the
 * {@link FilterableMetadata} field, with every request value as a template placeholder.
 *
 * <p>Field paths are the only request data in the text: each dotted segment is checked against the
 * core's key rule ({@code [A-Za-z0-9_-]{1,64}}, at most 8 levels) and refused otherwise, so it can
 * never close the string literal it sits in.
 *
 * <p>Every leaf is {@code exists k and <test on k>} where {@code k} holds a non-empty array (or a
 * number) of the tested type exactly when the record has such a value: it is TRUE or FALSE under
 * both missing-key behaviours of Milvus, so {@code not (...)} is an exact negation and {@code $ne},
 * {@code $nin}, {@code $not} and {@code $exists: false} match records without the field. The Milvus
 * grammar binds {@code not} tighter than comparisons, so every operand is parenthesised.
 */
final class MilvusFilterMapper {

    static final int MAX_PATH_SEGMENTS = 8;

    private final MilvusExpression.Builder builder;

    private MilvusFilterMapper(MilvusExpression.Builder builder) {
        this.builder = builder;
    }

    /** The expression for {@code filter} alone. */
    static MilvusExpression map(Filter filter) {
        MilvusExpression.Builder builder = new MilvusExpression.Builder();
        return builder.build(new MilvusFilterMapper(builder).toText(filter));
    }

    /** A restriction on primary keys: exactly these ({@code in}), or those after one ({@code after}), or none. */
    record KeyRestriction(List<String> in, String after) {
        static KeyRestriction in(List<String> keys) {
            return new KeyRestriction(List.copyOf(keys), null);
        }

        static KeyRestriction after(String key) {
            return key == null ? null : new KeyRestriction(null, key);
        }
    }

    static MilvusExpression scoped(String tenant, List<String> placements, Filter filter) {
        return scoped(tenant, placements, filter, null);
    }

    /**
     * Every read, count, scan and delete goes through here: the tenant restriction, the placement
     * restriction of shared buckets ({@code placements} null for a dedicated Milvus partition, where
     * the partition name restricts), an optional key restriction, then the caller's filter, if any.
     */
    static MilvusExpression scoped(String tenant, List<String> placements, Filter filter, KeyRestriction keys) {
        if (tenant == null || tenant.isEmpty()) {
            // Placement already refuses this; an empty tenant must never become "no tenant restriction".
            throw new IllegalArgumentException("a tenant scope is required");
        }
        MilvusExpression.Builder builder = new MilvusExpression.Builder();
        StringBuilder text = new StringBuilder(MilvusSchema.TENANT).append(" == ").append(builder.bind(tenant));
        if (placements != null) {
            if (placements.isEmpty()) {
                throw new IllegalArgumentException("a shared scope needs at least one placement");
            }
            if (placements.size() == 1) {
                text.append(" and ").append(MilvusSchema.PLACEMENT).append(" == ").append(builder.bind(placements.get(0)));
            } else {
                text.append(" and ").append(MilvusSchema.PLACEMENT).append(" in ").append(builder.bind(List.copyOf(placements)));
            }
        }
        if (keys != null && keys.in() != null) {
            text.append(" and ").append(MilvusSchema.PRIMARY_KEY).append(" in ").append(builder.bind(keys.in()));
        }
        if (keys != null && keys.after() != null) {
            text.append(" and ").append(MilvusSchema.PRIMARY_KEY).append(" > ").append(builder.bind(keys.after()));
        }
        if (filter != null) {
            text.append(" and (").append(new MilvusFilterMapper(builder).toText(filter)).append(")");
        }
        return builder.build(text.toString());
    }

    /** Exactly these primary keys and nothing else: Milvus reports such a delete as a count of keys sent. */
    static MilvusExpression keys(List<String> keys) {
        MilvusExpression.Builder builder = new MilvusExpression.Builder();
        return builder.build(MilvusSchema.PRIMARY_KEY + " in " + builder.bind(List.copyOf(keys)));
    }

    private String toText(Filter filter) {
        if (filter instanceof Filter.And and) {
            return join(and.operands(), " and ");
        }
        if (filter instanceof Filter.Or or) {
            return join(or.operands(), " or ");
        }
        if (filter instanceof Filter.Not not) {
            return "not (" + toText(not.operand()) + ")";
        }
        if (filter instanceof Filter.Compare compare) {
            return compare(compare);
        }
        if (filter instanceof Filter.In in) {
            String any = in(in.field(), in.values());
            return in.negated() ? "not " + any : any;
        }
        if (filter instanceof Filter.Exists exists) {
            String present = "(exists " + index(FilterableMetadata.PATHS) + " and json_contains(" + index(FilterableMetadata.PATHS)
                    + ", " + builder.bind(validPath(exists.field())) + "))";
            return exists.exists() ? present : "not " + present;
        }
        if (filter instanceof Filter.TimeRange range) {
            return timeRange(range);
        }
        throw new BackendException.Rejected("unsupported filter node " + filter.getClass().getSimpleName());
    }

    private String join(List<Filter> operands, String operator) {
        StringJoiner joined = new StringJoiner(operator, "(", ")");
        operands.forEach(operand -> joined.add(toText(operand)));
        return joined.toString();
    }

    private String compare(Filter.Compare compare) {
        String path = validPath(compare.field());
        return switch (compare.op()) {
            case EQ -> equalTo(path, compare.value());
            case NE -> "not " + equalTo(path, compare.value());
            // A range matches when any number at the path is in range: for > and >= that is the largest one.
            case GT -> range(FilterableMetadata.MAX, path, ">", compare.value());
            case GTE -> range(FilterableMetadata.MAX, path, ">=", compare.value());
            case LT -> range(FilterableMetadata.MIN, path, "<", compare.value());
            case LTE -> range(FilterableMetadata.MIN, path, "<=", compare.value());
            default -> throw new BackendException.Rejected("unsupported comparison " + compare.op().token());
        };
    }

    private String equalTo(String path, Object value) {
        String key = index(bucket(value), path);
        return "(exists " + key + " and json_contains(" + key + ", " + builder.bind(value) + "))";
    }

    private String range(String bound, String path, String operator, Object value) {
        if (!(value instanceof Double)) {
            throw new BackendException.Rejected("range filters take numbers, not " + value);
        }
        String key = index(bound, path);
        return "(exists " + key + " and " + key + " " + operator + " " + builder.bind(value) + ")";
    }

    /** One {@code json_contains_any} per value type: template lists must be homogeneous. */
    private String in(String field, List<Object> values) {
        String path = validPath(field);
        Map<String, List<Object>> byBucket = new LinkedHashMap<>();
        for (Object value : values) {
            byBucket.computeIfAbsent(bucket(value), b -> new ArrayList<>()).add(value);
        }
        StringJoiner any = new StringJoiner(" or ", "(", ")");
        byBucket.forEach((bucket, typed) -> {
            String key = index(bucket, path);
            any.add("(exists " + key + " and json_contains_any(" + key + ", " + builder.bind(List.copyOf(typed)) + "))");
        });
        return any.toString();
    }

    private String timeRange(Filter.TimeRange range) {
        // Records without a timestamp have timed == false and never match; ts is never null, so this is never UNKNOWN.
        StringBuilder text = new StringBuilder("(").append(MilvusSchema.TIMED).append(" == true");
        if (range.from() != null) {
            text.append(" and ").append(MilvusSchema.TIMESTAMP).append(" >= ").append(builder.bind(epochMillis(range.from())));
        }
        if (range.to() != null) {
            text.append(" and ").append(MilvusSchema.TIMESTAMP).append(" < ").append(builder.bind(epochMillis(range.to())));
        }
        return text.append(")").toString();
    }

    private static long epochMillis(java.time.Instant instant) {
        try {
            return instant.toEpochMilli();
        } catch (ArithmeticException e) {
            throw new BackendException.Rejected("time range bound out of range: " + instant, e);
        }
    }

    private static String bucket(Object value) {
        if (value instanceof String) {
            return FilterableMetadata.STRINGS;
        }
        if (value instanceof Double) {
            return FilterableMetadata.NUMBERS;
        }
        if (value instanceof Boolean) {
            return FilterableMetadata.BOOLEANS;
        }
        throw new BackendException.Rejected("filter values are strings, numbers or booleans, not " + value);
    }

    private static String index(String bucket) {
        return MilvusSchema.FILTERABLE + "[\"" + bucket + "\"]";
    }

    private static String index(String bucket, String path) {
        return index(bucket) + "[\"" + path + "\"]";
    }

    /** The dotted path, checked segment by segment: it is written into the expression text. */
    static String validPath(String field) {
        String[] segments = field.split("\\.", -1);
        if (segments.length > MAX_PATH_SEGMENTS) {
            throw new BackendException.Rejected("filter field '" + field + "' is nested deeper than " + MAX_PATH_SEGMENTS + " levels");
        }
        for (String segment : segments) {
            if (!FilterableMetadata.SEGMENT.matcher(segment).matches()) {
                throw new BackendException.Rejected("invalid filter field '" + field
                        + "': each dot-separated part is 1-64 of letters, digits, '_' and '-'");
            }
        }
        return field;
    }
}
