package dev.partitiongateway.spi.filter;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A metadata filter, parsed once by the core and translated by each adapter.
 *
 * <h2>Semantics every adapter implements</h2>
 * <ul>
 *   <li>A {@code field} is a dotted path into the record's metadata: {@code "a.b"} is key {@code b}
 *       of the object under key {@code a}.</li>
 *   <li>Values are {@link String}, {@link Double} or {@link Boolean}; comparison is type-strict
 *       ({@code 1.0} never equals {@code "1"}). Numbers in metadata compare as doubles.</li>
 *   <li>When a metadata value is an array of scalars, {@code EQ} and {@code IN} match if any element
 *       matches, and range comparisons if any element is in range.</li>
 *   <li>{@code NE}, {@code NIN} and {@link Not} are the logical negation of their positive forms,
 *       so records that lack the field match them.</li>
 *   <li>Range operators ({@code GT GTE LT LTE}) take numbers only.</li>
 *   <li>{@link TimeRange} is about the record's own timestamp ({@link dev.partitiongateway.spi.VectorRecord#timestamp()}),
 *       not about metadata; every adapter supports it, so it has no {@link FilterOperator}.</li>
 * </ul>
 */
public sealed interface Filter permits Filter.And, Filter.Or, Filter.Not, Filter.Compare, Filter.In, Filter.Exists,
        Filter.TimeRange {

    /** Every operator used anywhere in this tree. */
    default Set<FilterOperator> operators() {
        EnumSet<FilterOperator> used = EnumSet.noneOf(FilterOperator.class);
        collectOperators(used);
        return used;
    }

    void collectOperators(Set<FilterOperator> into);

    /** All operands must match. */
    record And(List<Filter> operands) implements Filter {
        public And {
            operands = List.copyOf(operands);
            if (operands.isEmpty()) {
                throw new IllegalArgumentException("$and needs at least one operand");
            }
        }

        @Override
        public void collectOperators(Set<FilterOperator> into) {
            into.add(FilterOperator.AND);
            operands.forEach(f -> f.collectOperators(into));
        }
    }

    /** At least one operand must match. */
    record Or(List<Filter> operands) implements Filter {
        public Or {
            operands = List.copyOf(operands);
            if (operands.isEmpty()) {
                throw new IllegalArgumentException("$or needs at least one operand");
            }
        }

        @Override
        public void collectOperators(Set<FilterOperator> into) {
            into.add(FilterOperator.OR);
            operands.forEach(f -> f.collectOperators(into));
        }
    }

    /** The operand must not match. */
    record Not(Filter operand) implements Filter {
        public Not {
            Objects.requireNonNull(operand, "operand");
        }

        @Override
        public void collectOperators(Set<FilterOperator> into) {
            into.add(FilterOperator.NOT);
            operand.collectOperators(into);
        }
    }

    /** {@code field op value} with op one of EQ, NE, GT, GTE, LT, LTE. */
    record Compare(String field, FilterOperator op, Object value) implements Filter {
        private static final Set<FilterOperator> OPS = EnumSet.of(
                FilterOperator.EQ, FilterOperator.NE, FilterOperator.GT, FilterOperator.GTE,
                FilterOperator.LT, FilterOperator.LTE);

        public Compare {
            Objects.requireNonNull(field, "field");
            if (!OPS.contains(op)) {
                throw new IllegalArgumentException("not a comparison: " + op);
            }
            requireScalar(value);
            if (isRange(op) && !(value instanceof Double)) {
                throw new IllegalArgumentException(op.token() + " takes a number");
            }
        }

        private static boolean isRange(FilterOperator op) {
            return op == FilterOperator.GT || op == FilterOperator.GTE || op == FilterOperator.LT || op == FilterOperator.LTE;
        }

        @Override
        public void collectOperators(Set<FilterOperator> into) {
            into.add(op);
        }
    }

    /** {@code field $in values}, or {@code $nin} when {@code negated}. */
    record In(String field, List<Object> values, boolean negated) implements Filter {
        public In {
            Objects.requireNonNull(field, "field");
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException((negated ? "$nin" : "$in") + " needs at least one value");
            }
            values.forEach(Filter::requireScalar);
        }

        @Override
        public void collectOperators(Set<FilterOperator> into) {
            into.add(negated ? FilterOperator.NIN : FilterOperator.IN);
        }
    }

    /** The field is present (with any value) or absent. */
    record Exists(String field, boolean exists) implements Filter {
        public Exists {
            Objects.requireNonNull(field, "field");
        }

        @Override
        public void collectOperators(Set<FilterOperator> into) {
            into.add(FilterOperator.EXISTS);
        }
    }

    /**
     * The record's timestamp is at or after {@code from} and before {@code to} (millisecond precision);
     * a {@code null} bound is open. A record without a timestamp never matches.
     */
    record TimeRange(Instant from, Instant to) implements Filter {
        public TimeRange {
            if (from == null && to == null) {
                throw new IllegalArgumentException("a time range needs at least one bound");
            }
            if (from != null && to != null && !from.isBefore(to)) {
                throw new IllegalArgumentException("a time range needs from < to, not " + from + " .. " + to);
            }
        }

        @Override
        public void collectOperators(Set<FilterOperator> into) {
            // supported by every adapter: nothing to check against capabilities
        }
    }

    private static void requireScalar(Object value) {
        if (!(value instanceof String || value instanceof Double || value instanceof Boolean)) {
            throw new IllegalArgumentException("filter values are strings, numbers or booleans, not " + value);
        }
    }
}
