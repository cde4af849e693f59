package dev.partitiongateway.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.catalog.Partitioning;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code TENANT_ATTRIBUTE}: a record goes to its tenant's partition for the value of the declared
 * metadata field (category, region, language), or to the tenant's default partition when it has no
 * such field. A query whose filter pins the field ({@code $eq} or {@code $in}, alone or inside a
 * top-level {@code $and}) skips every other value's partition and the default one.
 */
final class AttributeStrategy implements PartitioningStrategy {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Partitioning.TenantAttribute partitioning;
    private final String[] path;

    AttributeStrategy(Partitioning.TenantAttribute partitioning) {
        this.partitioning = partitioning;
        this.path = partitioning.field().split("\\.");
    }

    @Override
    public VectorRecord prepare(VectorRecord record, Instant now, String field) {
        Object value = valueAt(record.metadata());
        if (value != null && !(value instanceof String || value instanceof Number || value instanceof Boolean)) {
            throw ApiException.invalid(field + ".metadata." + partitioning.field(), "partitions this collection, so it must be a single "
                    + "string, number or boolean, not " + (value instanceof List ? "an array" : "an object"));
        }
        return record;
    }

    @Override
    public PartitionKey keyFor(VectorRecord record, String tenantId) {
        Object value = valueAt(record.metadata());
        return new PartitionKey.Attribute(value == null ? null : canonical(value));
    }

    @Override
    public Optional<String> pruned(PartitionView partition, Instant from, Instant to, Filter filter) {
        Optional<Set<String>> pinned = pinnedValues(filter);
        if (pinned.isEmpty()) {
            return Optional.empty();
        }
        if (partition.attributeValue() == null) {
            return Optional.of("the filter requires " + partitioning.field() + ", which records of the default partition lack");
        }
        return pinned.get().contains(partition.attributeValue()) ? Optional.empty()
                : Optional.of(partitioning.field() + " = " + partition.attributeValue() + " is not among the filter's values");
    }

    @Override
    public String describe(PartitionView partition) {
        return partitioning.field() + " = " + (partition.attributeValue() == null ? "(none: default partition)" : partition.attributeValue());
    }

    /**
     * The values of the field a record must have to match the filter, if the filter pins them: the
     * intersection over the top-level conjuncts that are {@code field $eq v} or {@code field $in [..]}.
     * Any other shape pins nothing (so nothing is pruned).
     */
    Optional<Set<String>> pinnedValues(Filter filter) {
        if (filter == null) {
            return Optional.empty();
        }
        List<Filter> conjuncts = filter instanceof Filter.And and ? and.operands() : List.of(filter);
        Set<String> allowed = null;
        for (Filter conjunct : conjuncts) {
            Set<String> values = null;
            if (conjunct instanceof Filter.Compare c && c.op() == FilterOperator.EQ && c.field().equals(partitioning.field())) {
                values = Set.of(canonical(c.value()));
            } else if (conjunct instanceof Filter.In in && !in.negated() && in.field().equals(partitioning.field())) {
                values = new HashSet<>();
                for (Object v : in.values()) {
                    values.add(canonical(v));
                }
            } else if (conjunct instanceof Filter.And nested) {
                Optional<Set<String>> inner = pinnedValues(nested);
                values = inner.orElse(null);
            }
            if (values != null) {
                if (allowed == null) {
                    allowed = new HashSet<>(values);
                } else {
                    allowed.retainAll(values);
                }
            }
        }
        return Optional.ofNullable(allowed);
    }

    private Object valueAt(Map<String, Object> metadata) {
        Object current = metadata;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(key);
        }
        return current;
    }

    /**
     * The value as canonical JSON: strings quoted, booleans as such, every number as a double (so that
     * 1 and 1.0 are the same value, as filters compare numbers), never a string for a number.
     */
    static String canonical(Object value) {
        Object normal = value instanceof Number n ? (Object) (n.doubleValue() + 0.0) : value;
        try {
            return JSON.writeValueAsString(normal);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a scalar: " + value, e);
        }
    }
}
