package dev.partitiongateway.adapter.qdrant.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qdrant.client.grpc.Common;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A Qdrant {@code Filter}, evaluated against one point as the server does
 * ({@code lib/segment/src/payload_storage/query_checker.rs} and {@code condition_checker.rs}):
 * <ul>
 *   <li>a field condition on a key the point lacks is false (so {@code must_not} keeps such points),
 *       except {@code is_empty}, which is true there, and {@code is_null}, which is false;</li>
 *   <li>when the key holds an array, match and range conditions hold if any element matches;</li>
 *   <li>{@code keyword} matches strings only, {@code integer} matches numbers stored as integers only
 *       (a stored {@code 1.0} is not the integer {@code 1}), {@code boolean} matches booleans only, and a
 *       range matches numbers only, integers and doubles alike;</li>
 *   <li>{@code except} is false on a missing key and on null, and true on values of another type;</li>
 *   <li>{@code IsEmpty} holds when every value at the key is null or an empty array (or there is none);
 *       {@code IsNull} when some value at the key is an explicit null;</li>
 *   <li>an empty list of {@code should} conditions is no condition at all.</li>
 * </ul>
 * It also lists the payload keys the filter uses with the index kinds that would serve them, for
 * strict mode ({@code lib/collection/src/problems/unindexed_field.rs}).
 */
final class PointFilter {

    /** What a payload index can do (Qdrant's {@code FieldIndexType}). */
    enum IndexCapability { INT_MATCH, INT_RANGE, KEYWORD_MATCH, FLOAT_RANGE, TEXT, BOOL_MATCH, UUID_MATCH, DATETIME_RANGE, GEO }

    private final Predicate<StoredPoint> predicate;
    private final Map<PayloadPath, Set<IndexCapability>> requiredIndexes = new LinkedHashMap<>();

    private PointFilter(Common.Filter filter) {
        this.predicate = compile(filter, null);
    }

    /** The filter, or INVALID_ARGUMENT for a malformed key or a condition the fake does not implement. */
    static PointFilter of(Common.Filter filter) {
        return new PointFilter(filter);
    }

    static PointFilter none() {
        return new PointFilter(Common.Filter.getDefaultInstance());
    }

    boolean test(StoredPoint point) {
        return predicate.test(point);
    }

    /** Keys the filter reads, each with the index kinds of which any one would serve it. */
    Map<PayloadPath, Set<IndexCapability>> requiredIndexes() {
        return requiredIndexes;
    }

    private Predicate<StoredPoint> compile(Common.Filter filter, String nestedPrefix) {
        List<Predicate<StoredPoint>> should = conditions(filter.getShouldList(), nestedPrefix);
        List<Predicate<StoredPoint>> must = conditions(filter.getMustList(), nestedPrefix);
        List<Predicate<StoredPoint>> mustNot = conditions(filter.getMustNotList(), nestedPrefix);
        List<Predicate<StoredPoint>> minShould = filter.hasMinShould() ? conditions(filter.getMinShould().getConditionsList(), nestedPrefix) : null;
        long minCount = filter.hasMinShould() ? filter.getMinShould().getMinCount() : 0;
        return point -> (should.isEmpty() || should.stream().anyMatch(c -> c.test(point)))
                && (minShould == null || minShould.stream().filter(c -> c.test(point)).limit(minCount).count() == minCount)
                && must.stream().allMatch(c -> c.test(point))
                && mustNot.stream().noneMatch(c -> c.test(point));
    }

    private List<Predicate<StoredPoint>> conditions(List<Common.Condition> conditions, String nestedPrefix) {
        List<Predicate<StoredPoint>> compiled = new ArrayList<>();
        for (Common.Condition condition : conditions) {
            Predicate<StoredPoint> one = condition(condition, nestedPrefix);
            if (one != null) {
                compiled.add(one);
            }
        }
        return compiled;
    }

    private Predicate<StoredPoint> condition(Common.Condition condition, String nestedPrefix) {
        return switch (condition.getConditionOneOfCase()) {
            case FIELD -> field(condition.getField(), nestedPrefix);
            case IS_EMPTY -> {
                PayloadPath key = key(condition.getIsEmpty().getKey(), nestedPrefix, EnumSet.allOf(IndexCapability.class));
                yield point -> key.values(point.payload()).stream().allMatch(v -> v.isNull() || (v.isArray() && v.isEmpty()));
            }
            case IS_NULL -> {
                PayloadPath key = key(condition.getIsNull().getKey(), nestedPrefix, EnumSet.allOf(IndexCapability.class));
                yield point -> key.values(point.payload()).stream().anyMatch(JsonNode::isNull);
            }
            case HAS_ID -> {
                Set<PointId> ids = new HashSet<>();
                condition.getHasId().getHasIdList().forEach(id -> ids.add(PointId.of(id)));
                yield point -> point.id() != null && ids.contains(point.id());
            }
            case FILTER -> compile(condition.getFilter(), nestedPrefix);
            case NESTED -> nested(condition.getNested(), nestedPrefix);
            case HAS_VECTOR -> {
                String name = condition.getHasVector().getHasVector();
                yield point -> name.isEmpty() && point.vector() != null;
            }
            case CONDITIONONEOF_NOT_SET -> null;
        };
    }

    private Predicate<StoredPoint> nested(Common.NestedCondition nested, String nestedPrefix) {
        // Inside a nested filter each object is the payload; strict mode still names keys from the root.
        PayloadPath objects = PayloadPath.parse(nested.getKey() + "[]");
        String fullArrayKey = (nestedPrefix == null ? "" : nestedPrefix + ".") + nested.getKey() + "[]";
        Predicate<StoredPoint> inner = compile(nested.getFilter(), fullArrayKey);
        return point -> objects.values(point.payload()).stream().filter(JsonNode::isObject)
                .anyMatch(object -> inner.test(new StoredPoint(null, null, (ObjectNode) object)));
    }

    private PayloadPath key(String key, String nestedPrefix, Set<IndexCapability> servedBy) {
        PayloadPath local = PayloadPath.parse(key);
        PayloadPath full = nestedPrefix == null ? local : PayloadPath.parse(nestedPrefix + "." + key);
        requiredIndexes.computeIfAbsent(full, k -> EnumSet.noneOf(IndexCapability.class)).addAll(servedBy);
        return local;
    }

    private Predicate<StoredPoint> field(Common.FieldCondition field, String nestedPrefix) {
        if (field.hasGeoBoundingBox() || field.hasGeoRadius() || field.hasGeoPolygon() || field.hasDatetimeRange() || field.hasValuesCount()) {
            throw QdrantStatus.invalidArgument("the fake Qdrant does not implement geo, datetime or values_count conditions");
        }
        if (!field.hasMatch() && !field.hasRange() && !field.hasIsEmpty() && !field.hasIsNull()) {
            throw QdrantStatus.validation("match", "At least one field condition must be specified");
        }
        Set<IndexCapability> servedBy = EnumSet.noneOf(IndexCapability.class);
        Predicate<JsonNode> match = field.hasMatch() ? match(field.getMatch(), servedBy) : v -> false;
        Predicate<JsonNode> range = field.hasRange() ? range(field.getRange(), servedBy) : v -> false;
        if (field.hasIsEmpty() || field.hasIsNull()) {
            servedBy.addAll(EnumSet.allOf(IndexCapability.class));
        }
        PayloadPath key = key(field.getKey(), nestedPrefix, servedBy);
        Predicate<JsonNode> scalar = match.or(range);
        return point -> {
            List<JsonNode> values = key.values(point.payload());
            if (values.isEmpty()) {
                if (field.hasIsEmpty()) {
                    return field.getIsEmpty();
                }
                return field.hasIsNull() && !field.getIsNull();
            }
            for (JsonNode value : values) {
                boolean holds;
                if (field.hasIsEmpty()) {
                    holds = value.isNull() ? field.getIsEmpty() : value.isArray() ? value.isEmpty() == field.getIsEmpty() : !field.getIsEmpty();
                } else if (field.hasIsNull()) {
                    boolean isNull = value.isArray() ? anyElement(value, JsonNode::isNull) : value.isNull();
                    holds = isNull == field.getIsNull();
                } else {
                    holds = value.isArray() ? anyElement(value, scalar) : scalar.test(value);
                }
                if (holds) {
                    return true;
                }
            }
            return false;
        };
    }

    private static boolean anyElement(JsonNode array, Predicate<JsonNode> test) {
        for (JsonNode element : array) {
            if (test.test(element)) {
                return true;
            }
        }
        return false;
    }

    private static Predicate<JsonNode> match(Common.Match match, Set<IndexCapability> servedBy) {
        switch (match.getMatchValueCase()) {
            case KEYWORD -> {
                String keyword = match.getKeyword();
                servedBy.addAll(keywordIndexes(List.of(keyword)));
                return v -> v.isTextual() && v.textValue().equals(keyword);
            }
            case INTEGER -> {
                long integer = match.getInteger();
                servedBy.add(IndexCapability.INT_MATCH);
                return v -> isStoredInteger(v) && v.longValue() == integer;
            }
            case BOOLEAN -> {
                boolean bool = match.getBoolean();
                servedBy.add(IndexCapability.BOOL_MATCH);
                return v -> v.isBoolean() && v.booleanValue() == bool;
            }
            case TEXT, PHRASE -> {
                String text = match.getMatchValueCase() == Common.Match.MatchValueCase.TEXT ? match.getText() : match.getPhrase();
                servedBy.add(IndexCapability.TEXT);
                return v -> v.isTextual() && v.textValue().contains(text);
            }
            case TEXT_ANY -> {
                List<String> tokens = List.of(match.getTextAny().trim().split("\\s+"));
                servedBy.add(IndexCapability.TEXT);
                return v -> v.isTextual() && tokens.stream().anyMatch(t -> !t.isEmpty() && v.textValue().contains(t));
            }
            case KEYWORDS -> {
                List<String> any = match.getKeywords().getStringsList();
                if (!any.isEmpty()) {
                    servedBy.addAll(keywordIndexes(any));
                }
                return v -> v.isTextual() && any.contains(v.textValue());
            }
            case INTEGERS -> {
                List<Long> any = match.getIntegers().getIntegersList();
                if (!any.isEmpty()) {
                    servedBy.add(IndexCapability.INT_MATCH);
                }
                return v -> isStoredInteger(v) && any.contains(v.longValue());
            }
            case EXCEPT_KEYWORDS -> {
                List<String> except = match.getExceptKeywords().getStringsList();
                if (!except.isEmpty()) {
                    servedBy.addAll(keywordIndexes(except));
                }
                return v -> !v.isNull() && !(v.isTextual() && except.contains(v.textValue()));
            }
            case EXCEPT_INTEGERS -> {
                List<Long> except = match.getExceptIntegers().getIntegersList();
                if (!except.isEmpty()) {
                    servedBy.add(IndexCapability.INT_MATCH);
                }
                return v -> !v.isNull() && !(isStoredInteger(v) && except.contains(v.longValue()));
            }
            case MATCHVALUE_NOT_SET -> {
                return v -> false;
            }
        }
        throw new IllegalStateException("unhandled match " + match.getMatchValueCase());
    }

    private static Set<IndexCapability> keywordIndexes(List<String> values) {
        boolean allUuids = values.stream().allMatch(PointFilter::isUuid);
        return allUuids ? EnumSet.of(IndexCapability.UUID_MATCH, IndexCapability.KEYWORD_MATCH) : EnumSet.of(IndexCapability.KEYWORD_MATCH);
    }

    private static boolean isUuid(String value) {
        try {
            UUID.fromString(value);
            return value.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** serde_json's {@code as_i64}: only numbers that were stored as integers. */
    private static boolean isStoredInteger(JsonNode value) {
        return value.isIntegralNumber() && value.canConvertToLong();
    }

    private static Predicate<JsonNode> range(Common.Range range, Set<IndexCapability> servedBy) {
        servedBy.add(IndexCapability.FLOAT_RANGE);
        servedBy.add(IndexCapability.INT_RANGE);
        return v -> {
            if (!v.isNumber()) {
                return false;
            }
            double d = v.doubleValue();
            return (!range.hasGt() || d > range.getGt())
                    && (!range.hasGte() || d >= range.getGte())
                    && (!range.hasLt() || d < range.getLt())
                    && (!range.hasLte() || d <= range.getLte());
        };
    }
}
