package dev.partitiongateway.adapter.pinecone;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.filter.Filter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates the SPI {@link Filter} into Pinecone's filter language over the fields that
 * {@link RecordMetadata} writes, always inside the caller's tenant scope.
 *
 * <p>Pinecone has no {@code $not}. Negations are pushed down to the leaves (De Morgan) and each
 * negated leaf becomes "the typed field is absent, or {@code $ne}/{@code $nin}/the opposite range",
 * which is exactly the SPI's negation: a record without the field matches, whether or not Pinecone's
 * own {@code $ne} and {@code $nin} match missing fields (undocumented). On a list of strings,
 * {@code $ne}/{@code $nin} match when no element equals (documented), which is the negation of
 * "any element equals". So every operator, {@code $not} included, is expressed exactly and nothing is
 * approximated; the output only ever uses {@code $eq $ne $in $nin $gt $gte $lt $lte $exists $and $or}.
 */
final class PineconeFilterMapper {

    /** Pinecone's limit on values in one {@code $in}/{@code $nin}; longer lists are split into several. */
    static final int MAX_IN_VALUES = 10_000;

    private PineconeFilterMapper() {
    }

    /** The tenant's records matching {@code filter} ({@code null}: all of the tenant's records). */
    static Struct scoped(String tenant, Filter filter) {
        Struct tenantClause = field(RecordMetadata.TENANT, "$eq", RecordMetadata.string(tenant));
        if (filter == null) {
            return tenantClause;
        }
        return junction("$and", List.of(tenantClause, map(filter, false)));
    }

    static Struct map(Filter filter, boolean negated) {
        if (filter instanceof Filter.And and) {
            return junction(negated ? "$or" : "$and", and.operands().stream().map(f -> map(f, negated)).toList());
        }
        if (filter instanceof Filter.Or or) {
            return junction(negated ? "$and" : "$or", or.operands().stream().map(f -> map(f, negated)).toList());
        }
        if (filter instanceof Filter.Not not) {
            return map(not.operand(), !negated);
        }
        if (filter instanceof Filter.Compare compare) {
            return compare(compare, negated);
        }
        if (filter instanceof Filter.In in) {
            return in(in, in.negated() == negated);
        }
        if (filter instanceof Filter.Exists exists) {
            requireFilterablePath(exists.field());
            Value path = RecordMetadata.string(exists.field());
            return exists.exists() != negated
                    ? field(RecordMetadata.PATHS, "$eq", path)
                    : absentOr(RecordMetadata.PATHS, "$ne", path);
        }
        if (filter instanceof Filter.TimeRange range) {
            return timeRange(range, negated);
        }
        throw new BackendException.Rejected("unsupported filter node " + filter.getClass().getSimpleName());
    }

    private static Struct compare(Filter.Compare compare, boolean negated) {
        String path = compare.field();
        requireFilterablePath(path);
        return switch (compare.op()) {
            case EQ, NE -> {
                Typed typed = typed(path, compare.value());
                boolean equal = (compare.op() == dev.partitiongateway.spi.filter.FilterOperator.EQ) != negated;
                yield equal ? field(typed.field(), "$eq", typed.token()) : absentOr(typed.field(), "$ne", typed.token());
            }
            // Some element above x <=> the largest element above x; some element below x <=> the smallest below x.
            case GT -> range(RecordMetadata.MAX + path, negated ? "$lte" : "$gt", negated, compare.value());
            case GTE -> range(RecordMetadata.MAX + path, negated ? "$lt" : "$gte", negated, compare.value());
            case LT -> range(RecordMetadata.MIN + path, negated ? "$gte" : "$lt", negated, compare.value());
            case LTE -> range(RecordMetadata.MIN + path, negated ? "$gt" : "$lte", negated, compare.value());
            default -> throw new BackendException.Rejected("unsupported comparison " + compare.op().token());
        };
    }

    private static Struct range(String field, String op, boolean negated, Object value) {
        Value bound = RecordMetadata.number((Double) value);
        return negated ? absentOr(field, op, bound) : field(field, op, bound);
    }

    private static Struct in(Filter.In in, boolean positive) {
        String path = in.field();
        requireFilterablePath(path);
        Map<String, List<Value>> byField = new LinkedHashMap<>();
        for (Object value : in.values()) {
            Typed typed = typed(path, value);
            List<Value> tokens = byField.computeIfAbsent(typed.field(), k -> new ArrayList<>());
            if (!tokens.contains(typed.token())) {
                tokens.add(typed.token());
            }
        }
        List<Struct> clauses = new ArrayList<>();
        byField.forEach((field, tokens) -> {
            for (int from = 0; from < tokens.size(); from += MAX_IN_VALUES) {
                Value chunk = listOf(tokens.subList(from, Math.min(from + MAX_IN_VALUES, tokens.size())));
                clauses.add(positive ? field(field, "$in", chunk) : absentOr(field, "$nin", chunk));
            }
        });
        return junction(positive ? "$or" : "$and", clauses);
    }

    private static Struct timeRange(Filter.TimeRange range, boolean negated) {
        List<Struct> bounds = new ArrayList<>();
        if (range.from() != null) {
            bounds.add(field(RecordMetadata.TIMESTAMP, negated ? "$lt" : "$gte", RecordMetadata.number(range.from().toEpochMilli())));
        }
        if (range.to() != null) {
            bounds.add(field(RecordMetadata.TIMESTAMP, negated ? "$gte" : "$lt", RecordMetadata.number(range.to().toEpochMilli())));
        }
        if (!negated) {
            // An untimed record has no timestamp field and so matches no bound.
            return junction("$and", bounds);
        }
        List<Struct> any = new ArrayList<>();
        any.add(field(RecordMetadata.TIMESTAMP, "$exists", Value.newBuilder().setBoolValue(false).build()));
        any.addAll(bounds);
        return junction("$or", any);
    }

    /** The typed field a value of this type is stored in (see {@link RecordMetadata}) and its token there. */
    private record Typed(String field, Value token) {
    }

    private static Typed typed(String path, Object value) {
        if (value instanceof String s) {
            return new Typed(path, RecordMetadata.string(s));
        }
        if (value instanceof Double d) {
            return new Typed(RecordMetadata.NUMBERS + path, RecordMetadata.string(RecordMetadata.canonical(d)));
        }
        if (value instanceof Boolean b) {
            return new Typed(RecordMetadata.BOOLEANS + path, RecordMetadata.string(b.toString()));
        }
        throw new BackendException.Rejected("unsupported filter value " + value);
    }

    /**
     * Metadata keys never hold {@code :} (refused at upsert), so a path with one could only ever reach
     * a reserved field; such filters are refused rather than sent.
     */
    private static void requireFilterablePath(String path) {
        if (path.isEmpty() || path.contains(":") || path.startsWith("$") || path.startsWith(".") || path.endsWith(".")
                || path.contains("..")) {
            throw new BackendException.Rejected("filter field '" + path + "' is not a metadata path this backend can filter on");
        }
    }

    // ---------------------------------------------------------------- building blocks

    private static Struct field(String field, String op, Value operand) {
        Struct operator = Struct.newBuilder().putFields(op, operand).build();
        return Struct.newBuilder().putFields(field, Value.newBuilder().setStructValue(operator).build()).build();
    }

    /** The field is absent, or present and satisfies {@code op}: the exact negation over a typed field. */
    private static Struct absentOr(String field, String op, Value operand) {
        return junction("$or", List.of(field(field, "$exists", Value.newBuilder().setBoolValue(false).build()), field(field, op, operand)));
    }

    private static Struct junction(String op, List<Struct> operands) {
        if (operands.size() == 1) {
            return operands.get(0);
        }
        ListValue.Builder list = ListValue.newBuilder();
        operands.forEach(o -> list.addValues(Value.newBuilder().setStructValue(o)));
        return Struct.newBuilder().putFields(op, Value.newBuilder().setListValue(list).build()).build();
    }

    private static Value listOf(List<Value> values) {
        return Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(values)).build();
    }
}
