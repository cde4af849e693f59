package dev.partitiongateway.adapter.qdrant;

import static io.qdrant.client.ConditionFactory.filter;
import static io.qdrant.client.ConditionFactory.hasId;
import static io.qdrant.client.ConditionFactory.match;
import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.matchKeywords;
import static io.qdrant.client.ConditionFactory.range;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.filter.Filter;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Range;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Translates the SPI {@link Filter} tree into one Qdrant {@link Condition} over the typed keys that
 * {@link PointPayload} writes, and lists the payload indexes the condition reads (so that strict mode
 * accepts it).
 *
 * <ul>
 *   <li>{@code $and}, {@code $or} and {@code $not} become nested filters with {@code must},
 *       {@code should} and {@code must_not};</li>
 *   <li>equality picks the typed key by the value's type: a keyword match on {@code m_str.<path>}, a
 *       boolean match on {@code m_bool.<path>}, and for numbers the range {@code [v, v]} on
 *       {@code m_num.<path>} (Qdrant's integer match would miss a stored 1.0, and stored numbers are
 *       doubles anyway);</li>
 *   <li>{@code $in} is a match-any on the strings, one {@code [v, v]} range per number and a boolean
 *       match per boolean, any of which may hold;</li>
 *   <li>{@code $ne}, {@code $nin} and {@code $not} are {@code must_not} of the positive form. Qdrant's
 *       conditions are false on a missing key, so records without the field match the negation, and an
 *       array matches the negation only when no element matches the positive form. Qdrant's
 *       {@code except} is not used: it is false on a missing key;</li>
 *   <li>ranges read {@code m_num} only, so they never match strings;</li>
 *   <li>{@code $exists} is a keyword match on the list of paths {@code m_keys};</li>
 *   <li>the record time range is a range on the integer {@code timestamp}, which records without a time lack.</li>
 * </ul>
 * A dotted field is a path into nested objects; each segment is quoted when Qdrant's path syntax
 * needs it. A segment Qdrant cannot address (with {@code "} or {@code \}) is refused.
 *
 * <p>A field that no record of the collection holds ({@link Translation#without}) is translated without
 * touching its typed keys: a comparison or {@code $in} on it becomes a condition no point meets (an
 * empty {@code has_id}), which is exactly what Qdrant would answer for a key no point has, so its
 * negation still matches every record; and strict mode, which refuses a filter on a key without an
 * index, has no key to refuse.
 */
final class QdrantFilterMapper {

    /**
     * The condition, the payload indexes it needs (key to schema) and the filter field each metadata key
     * comes from (typed key to field).
     */
    record Translation(Condition condition, Map<String, PayloadSchemaType> indexes, Map<String, String> fields, Filter source,
                       Set<String> absentFields) {

        /** The same filter, knowing that no record holds any of {@code absent} (fields as the filter names them). */
        Translation without(Set<String> absent) {
            Set<String> all = new LinkedHashSet<>(absentFields);
            all.addAll(absent);
            return translate(source, all);
        }
    }

    /** A condition no point meets. */
    static final Condition NOTHING = hasId(List.of());

    private static final Pattern RAW_SEGMENT = Pattern.compile("[A-Za-z0-9_-]+");

    private final Set<String> absent;
    private final Map<String, PayloadSchemaType> indexes = new LinkedHashMap<>();
    private final Map<String, String> fields = new LinkedHashMap<>();

    private QdrantFilterMapper(Set<String> absent) {
        this.absent = absent;
    }

    static Translation translate(Filter filter) {
        return translate(filter, Set.of());
    }

    private static Translation translate(Filter filter, Set<String> absentFields) {
        QdrantFilterMapper mapper = new QdrantFilterMapper(absentFields);
        Condition condition = mapper.toCondition(filter);
        return new Translation(condition, Map.copyOf(mapper.indexes), Map.copyOf(mapper.fields), filter, Set.copyOf(absentFields));
    }

    /** The Qdrant key of a metadata path under one of the typed prefixes. */
    static String typedKey(String prefix, String field) {
        StringBuilder key = new StringBuilder(prefix);
        for (String segment : field.split("\\.", -1)) {
            if (segment.isEmpty()) {
                throw new BackendException.Rejected("filter field '" + field + "' has an empty path segment");
            }
            if (segment.indexOf('"') >= 0 || segment.indexOf('\\') >= 0) {
                throw new BackendException.Rejected("filter field '" + field + "' has a segment Qdrant cannot address (\" or \\)");
            }
            key.append('.').append(RAW_SEGMENT.matcher(segment).matches() ? segment : "\"" + segment + "\"");
        }
        return key.toString();
    }

    private Condition toCondition(Filter filter) {
        if (filter instanceof Filter.And and) {
            io.qdrant.client.grpc.Common.Filter.Builder all = io.qdrant.client.grpc.Common.Filter.newBuilder();
            and.operands().forEach(operand -> all.addMust(toCondition(operand)));
            return filter(all.build());
        }
        if (filter instanceof Filter.Or or) {
            io.qdrant.client.grpc.Common.Filter.Builder any = io.qdrant.client.grpc.Common.Filter.newBuilder();
            or.operands().forEach(operand -> any.addShould(toCondition(operand)));
            return filter(any.build());
        }
        if (filter instanceof Filter.Not not) {
            return negate(toCondition(not.operand()));
        }
        if (filter instanceof Filter.Compare compare) {
            return compare(compare);
        }
        if (filter instanceof Filter.In in) {
            Condition any = in(in.field(), in.values());
            return in.negated() ? negate(any) : any;
        }
        if (filter instanceof Filter.Exists exists) {
            indexes.put(PointPayload.KEYS, PayloadSchemaType.Keyword);
            Condition present = matchKeyword(PointPayload.KEYS, exists.field());
            return exists.exists() ? present : negate(present);
        }
        if (filter instanceof Filter.TimeRange time) {
            indexes.put(PointPayload.TIMESTAMP, PayloadSchemaType.Integer);
            Range.Builder bounds = Range.newBuilder();
            if (time.from() != null) {
                bounds.setGte(time.from().toEpochMilli());
            }
            if (time.to() != null) {
                bounds.setLt(time.to().toEpochMilli());
            }
            return range(PointPayload.TIMESTAMP, bounds.build());
        }
        throw new BackendException.Rejected("unsupported filter node " + filter.getClass().getSimpleName());
    }

    private Condition compare(Filter.Compare compare) {
        return switch (compare.op()) {
            case EQ -> equalTo(compare.field(), compare.value());
            case NE -> negate(equalTo(compare.field(), compare.value()));
            case GT -> numberRange(compare.field(), Range.newBuilder().setGt(number(compare.value())));
            case GTE -> numberRange(compare.field(), Range.newBuilder().setGte(number(compare.value())));
            case LT -> numberRange(compare.field(), Range.newBuilder().setLt(number(compare.value())));
            case LTE -> numberRange(compare.field(), Range.newBuilder().setLte(number(compare.value())));
            default -> throw new BackendException.Rejected("unsupported comparison " + compare.op().token());
        };
    }

    private Condition equalTo(String field, Object value) {
        if (value instanceof String string) {
            return leaf(field, matchKeyword(typedKey(PointPayload.STRINGS, field), string), PayloadSchemaType.Keyword);
        }
        if (value instanceof Boolean bool) {
            return leaf(field, match(typedKey(PointPayload.BOOLEANS, field), bool), PayloadSchemaType.Bool);
        }
        if (value instanceof Double number) {
            double v = number(number);
            return numberRange(field, Range.newBuilder().setGte(v).setLte(v));
        }
        throw new BackendException.Rejected("unsupported filter value " + value);
    }

    private Condition in(String field, List<Object> values) {
        Set<String> strings = new LinkedHashSet<>();
        List<Condition> any = new ArrayList<>();
        for (Object value : values) {
            if (value instanceof String string) {
                strings.add(string);
            } else {
                any.add(equalTo(field, value));
            }
        }
        if (!strings.isEmpty()) {
            String key = typedKey(PointPayload.STRINGS, field);
            any.add(0, leaf(field, strings.size() == 1 ? matchKeyword(key, strings.iterator().next()) : matchKeywords(key, List.copyOf(strings)),
                    PayloadSchemaType.Keyword));
        }
        if (any.size() == 1) {
            return any.get(0);
        }
        io.qdrant.client.grpc.Common.Filter.Builder either = io.qdrant.client.grpc.Common.Filter.newBuilder();
        any.forEach(either::addShould);
        return filter(either.build());
    }

    private Condition numberRange(String field, Range.Builder bounds) {
        return leaf(field, range(typedKey(PointPayload.NUMBERS, field), bounds.build()), PayloadSchemaType.Float);
    }

    /**
     * A condition on one typed key of {@code field}, noting the index it needs; {@link #NOTHING} when no
     * record holds the field (built all the same first, so that a bad path or value is refused either way).
     */
    private Condition leaf(String field, Condition condition, PayloadSchemaType schema) {
        if (absent.contains(field)) {
            return NOTHING;
        }
        String key = condition.getField().getKey();
        indexes.put(key, schema);
        fields.put(key, field);
        return condition;
    }

    private static double number(Object value) {
        if (!(value instanceof Double d) || !Double.isFinite(d)) {
            throw new BackendException.Rejected("a numeric filter takes a finite number, not " + value);
        }
        return d + 0.0;
    }

    private static Condition negate(Condition positive) {
        return filter(io.qdrant.client.grpc.Common.Filter.newBuilder().addMustNot(positive).build());
    }
}
