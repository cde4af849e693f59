package dev.partitiongateway.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.partitiongateway.problem.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a collection is cut into partitions, as the operator declared it in {@code "partitioning"} and as
 * it is stored with the collection. Each strategy's parameters are validated here, once.
 */
public sealed interface Partitioning {

    PartitionStrategy strategy();

    /** The stored (and shown) JSON form. */
    Map<String, Object> toJson();

    /** Maximum shared buckets; also Milvus's cap on partition-key partitions. */
    int MAX_BUCKETS = 1024;
    /** Maximum attribute values per tenant. */
    int MAX_ATTRIBUTE_VALUES = 1024;
    /** The metadata path an attribute strategy partitions by: the filter language's field syntax. */
    Pattern FIELD = Pattern.compile("[A-Za-z0-9_\\-]{1,64}(\\.[A-Za-z0-9_\\-]{1,64}){0,7}");

    /** One dedicated partition per tenant. */
    record Tenant() implements Partitioning {
        @Override
        public PartitionStrategy strategy() {
            return PartitionStrategy.TENANT;
        }

        @Override
        public Map<String, Object> toJson() {
            return Map.of("strategy", strategy().name());
        }
    }

    /** One dedicated partition per tenant and window; windows ending more than {@code retentionDays} ago are dropped. */
    record TenantTime(TimeWindow.Granularity granularity, Integer retentionDays) implements Partitioning {
        @Override
        public PartitionStrategy strategy() {
            return PartitionStrategy.TENANT_TIME;
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("strategy", strategy().name());
            json.put("granularity", granularity.name());
            if (retentionDays != null) {
                json.put("retentionDays", retentionDays);
            }
            return json;
        }
    }

    /** One dedicated partition per tenant and value of {@code field}, plus the tenant's default partition. */
    record TenantAttribute(String field, int maxValues) implements Partitioning {
        @Override
        public PartitionStrategy strategy() {
            return PartitionStrategy.TENANT_ATTRIBUTE;
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>(); // in this order in every answer
            json.put("strategy", strategy().name());
            json.put("field", field);
            json.put("maxValues", maxValues);
            return json;
        }
    }

    /** Tenants spread over {@code buckets} shared placements by a stable hash of their id. */
    record SharedHash(int buckets) implements Partitioning {
        @Override
        public PartitionStrategy strategy() {
            return PartitionStrategy.SHARED_HASH;
        }

        @Override
        public Map<String, Object> toJson() {
            return Map.of("strategy", strategy().name(), "buckets", buckets);
        }
    }

    /** The request's {@code partitioning} object ({@code null}: one partition per tenant); a 400 names what is wrong. */
    static Partitioning parse(JsonNode json) {
        if (json == null || json.isNull()) {
            return new Tenant();
        }
        if (!json.isObject()) {
            throw ApiException.invalid("partitioning", "must be an object such as {\"strategy\":\"TENANT\"}");
        }
        JsonNode strategyNode = json.get("strategy");
        if (strategyNode == null || !strategyNode.isTextual()) {
            throw ApiException.invalid("partitioning.strategy", "is required: TENANT, TENANT_TIME, TENANT_ATTRIBUTE or SHARED_HASH");
        }
        PartitionStrategy strategy;
        try {
            strategy = PartitionStrategy.valueOf(strategyNode.textValue());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("partitioning.strategy", "'" + strategyNode.textValue()
                    + "' is not a strategy; use TENANT, TENANT_TIME, TENANT_ATTRIBUTE or SHARED_HASH");
        }
        return switch (strategy) {
            case TENANT -> {
                onlyFields(json, Set.of());
                yield new Tenant();
            }
            case TENANT_TIME -> {
                onlyFields(json, Set.of("granularity", "retentionDays"));
                JsonNode granularity = json.get("granularity");
                if (granularity == null || !granularity.isTextual()) {
                    throw ApiException.invalid("partitioning.granularity", "is required: HOURLY, DAILY, WEEKLY or MONTHLY");
                }
                TimeWindow.Granularity g;
                try {
                    g = TimeWindow.Granularity.valueOf(granularity.textValue());
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid("partitioning.granularity", "must be HOURLY, DAILY, WEEKLY or MONTHLY");
                }
                yield new TenantTime(g, retentionDays(json.get("retentionDays")));
            }
            case TENANT_ATTRIBUTE -> {
                onlyFields(json, Set.of("field", "maxValues"));
                JsonNode field = json.get("field");
                if (field == null || !field.isTextual() || !FIELD.matcher(field.textValue()).matches()) {
                    throw ApiException.invalid("partitioning.field", "is required: a metadata field path such as \"region\" or \"geo.country\"");
                }
                yield new TenantAttribute(field.textValue(), intIn(json.get("maxValues"), "partitioning.maxValues", 1, MAX_ATTRIBUTE_VALUES, 64));
            }
            case SHARED_HASH -> {
                onlyFields(json, Set.of("buckets"));
                yield new SharedHash(intIn(json.get("buckets"), "partitioning.buckets", 1, MAX_BUCKETS, 16));
            }
        };
    }

    /** A retention as given in a request: {@code null} (keep forever) or 1..36500 days. */
    static Integer retentionDays(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return intIn(node, "partitioning.retentionDays", 1, 36_500, null);
    }

    private static void onlyFields(JsonNode json, Set<String> allowed) {
        json.fieldNames().forEachRemaining(f -> {
            if (!f.equals("strategy") && !allowed.contains(f)) {
                throw ApiException.invalid("partitioning." + f, "is not a parameter of the " + json.get("strategy").textValue()
                        + " strategy" + (allowed.isEmpty() ? "" : "; it takes " + allowed));
            }
        });
    }

    private static Integer intIn(JsonNode node, String field, int min, int max, Integer absent) {
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
            throw ApiException.invalid(field, "must be an integer from " + min + " to " + max);
        }
        return node.intValue();
    }

    /** The stored form back (written by {@link #toJson()}). */
    static Partitioning fromStored(Map<String, Object> stored) {
        return parse(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(stored));
    }
}
