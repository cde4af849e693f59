package dev.partitiongateway.adapter.pinecone.fake;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pinecone's metadata filter language as the serverless data plane evaluates it (docs.pinecone.io
 * "Filter by metadata", API 2025-10), written from the documentation and NOT from what the adapter
 * sends:
 * <ul>
 *   <li>operators {@code $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or}; anything else,
 *       {@code $not} included, is refused as INVALID_ARGUMENT;</li>
 *   <li>a field holding a list of strings matches {@code $eq} and {@code $in} when any element does,
 *       and {@code $ne} and {@code $nin} only when no element does (the documented array rule);</li>
 *   <li>comparison is type-strict: the number 1 never equals the string "1" or {@code true}; range
 *       operators take numbers and only match numbers;</li>
 *   <li>a bare value is an implicit {@code $eq}; several keys in one object are an implicit {@code $and};</li>
 *   <li>{@code $in} and {@code $nin} take at most 10,000 strings or numbers.</li>
 * </ul>
 * Whether {@code $ne} and {@code $nin} match a record that lacks the field is not documented; it is a
 * switch ({@link FakePinecone.Behaviour#negationsMatchMissingFields()}).
 */
public final class FakeMetadataFilter {

    static final int MAX_IN_VALUES = 10_000;
    private static final Set<String> FIELD_OPERATORS = Set.of("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists");

    private final Struct filter;
    private final boolean negationsMatchMissingFields;

    private FakeMetadataFilter(Struct filter, boolean negationsMatchMissingFields) {
        this.filter = filter;
        this.negationsMatchMissingFields = negationsMatchMissingFields;
    }

    /** A validated filter; throws {@link InvalidFilter} with the server's complaint when it is not valid. */
    public static FakeMetadataFilter parse(Struct filter, boolean negationsMatchMissingFields) {
        validateObject(filter, true);
        return new FakeMetadataFilter(filter, negationsMatchMissingFields);
    }

    public boolean matches(Struct metadata) {
        return matchesObject(filter, metadata.getFieldsMap());
    }

    /** The message of the INVALID_ARGUMENT status the data plane answers with. */
    public static final class InvalidFilter extends RuntimeException {
        InvalidFilter(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- validation

    private static void validateObject(Struct object, boolean topLevel) {
        if (object.getFieldsCount() == 0 && !topLevel) {
            throw new InvalidFilter("Invalid filter: empty object");
        }
        for (Map.Entry<String, Value> entry : object.getFieldsMap().entrySet()) {
            String key = entry.getKey();
            Value value = entry.getValue();
            if (key.equals("$and") || key.equals("$or")) {
                if (!value.hasListValue() || value.getListValue().getValuesCount() == 0) {
                    throw new InvalidFilter("Invalid filter: " + key + " takes a non-empty array of filters");
                }
                for (Value operand : value.getListValue().getValuesList()) {
                    if (!operand.hasStructValue()) {
                        throw new InvalidFilter("Invalid filter: every operand of " + key + " must be an object");
                    }
                    validateObject(operand.getStructValue(), false);
                }
            } else if (key.startsWith("$")) {
                throw new InvalidFilter("Invalid filter: unsupported operator " + key + " at the top level of a clause");
            } else if (value.hasStructValue()) {
                Struct operators = value.getStructValue();
                if (operators.getFieldsCount() == 0) {
                    throw new InvalidFilter("Invalid filter: no operator for field " + key);
                }
                operators.getFieldsMap().forEach((op, operand) -> validateOperator(key, op, operand));
            } else {
                validateOperator(key, "$eq", value);
            }
        }
    }

    private static void validateOperator(String field, String op, Value operand) {
        if (!FIELD_OPERATORS.contains(op)) {
            throw new InvalidFilter("Invalid filter: unsupported operator " + op + " for field " + field);
        }
        switch (op) {
            case "$eq", "$ne" -> {
                if (!isScalar(operand)) {
                    throw new InvalidFilter("Invalid filter: " + op + " on " + field + " takes a string, number or boolean");
                }
            }
            case "$gt", "$gte", "$lt", "$lte" -> {
                if (!operand.hasNumberValue()) {
                    throw new InvalidFilter("Invalid filter: " + op + " on " + field + " takes a number");
                }
            }
            case "$in", "$nin" -> {
                if (!operand.hasListValue()) {
                    throw new InvalidFilter("Invalid filter: " + op + " on " + field + " takes an array");
                }
                ListValue values = operand.getListValue();
                if (values.getValuesCount() > MAX_IN_VALUES) {
                    throw new InvalidFilter("Invalid filter: " + op + " on " + field + " has " + values.getValuesCount()
                            + " values; at most " + MAX_IN_VALUES + " are allowed");
                }
                for (Value v : values.getValuesList()) {
                    if (!v.hasStringValue() && !v.hasNumberValue()) {
                        throw new InvalidFilter("Invalid filter: " + op + " on " + field + " takes strings or numbers");
                    }
                }
            }
            case "$exists" -> {
                if (!operand.hasBoolValue()) {
                    throw new InvalidFilter("Invalid filter: $exists on " + field + " takes a boolean");
                }
            }
            default -> throw new IllegalStateException(op);
        }
    }

    private static boolean isScalar(Value value) {
        return value.hasStringValue() || value.hasNumberValue() || value.hasBoolValue();
    }

    // ---------------------------------------------------------------- evaluation

    private boolean matchesObject(Struct object, Map<String, Value> metadata) {
        for (Map.Entry<String, Value> entry : object.getFieldsMap().entrySet()) {
            if (!matchesEntry(entry.getKey(), entry.getValue(), metadata)) {
                return false;
            }
        }
        return true;
    }

    private boolean matchesEntry(String key, Value value, Map<String, Value> metadata) {
        if (key.equals("$and")) {
            return value.getListValue().getValuesList().stream().allMatch(v -> matchesObject(v.getStructValue(), metadata));
        }
        if (key.equals("$or")) {
            return value.getListValue().getValuesList().stream().anyMatch(v -> matchesObject(v.getStructValue(), metadata));
        }
        Value stored = metadata.get(key);
        if (!value.hasStructValue()) {
            return matchesOperator("$eq", value, stored);
        }
        for (Map.Entry<String, Value> op : value.getStructValue().getFieldsMap().entrySet()) {
            if (!matchesOperator(op.getKey(), op.getValue(), stored)) {
                return false;
            }
        }
        return true;
    }

    private boolean matchesOperator(String op, Value operand, Value stored) {
        return switch (op) {
            case "$exists" -> (stored != null) == operand.getBoolValue();
            case "$eq" -> stored != null && anyElementEquals(stored, operand);
            case "$ne" -> stored == null ? negationsMatchMissingFields : !anyElementEquals(stored, operand);
            case "$in" -> stored != null && operand.getListValue().getValuesList().stream().anyMatch(v -> anyElementEquals(stored, v));
            case "$nin" -> stored == null
                    ? negationsMatchMissingFields
                    : operand.getListValue().getValuesList().stream().noneMatch(v -> anyElementEquals(stored, v));
            case "$gt" -> stored != null && stored.hasNumberValue() && stored.getNumberValue() > operand.getNumberValue();
            case "$gte" -> stored != null && stored.hasNumberValue() && stored.getNumberValue() >= operand.getNumberValue();
            case "$lt" -> stored != null && stored.hasNumberValue() && stored.getNumberValue() < operand.getNumberValue();
            case "$lte" -> stored != null && stored.hasNumberValue() && stored.getNumberValue() <= operand.getNumberValue();
            default -> throw new IllegalStateException(op);
        };
    }

    /** A list of strings equals a value when one of its elements does; scalars compare type-strictly. */
    private static boolean anyElementEquals(Value stored, Value operand) {
        if (stored.hasListValue()) {
            List<Value> elements = stored.getListValue().getValuesList();
            return elements.stream().anyMatch(element -> scalarEquals(element, operand));
        }
        return scalarEquals(stored, operand);
    }

    private static boolean scalarEquals(Value stored, Value operand) {
        if (stored.hasStringValue() && operand.hasStringValue()) {
            return stored.getStringValue().equals(operand.getStringValue());
        }
        if (stored.hasNumberValue() && operand.hasNumberValue()) {
            return stored.getNumberValue() == operand.getNumberValue();
        }
        if (stored.hasBoolValue() && operand.hasBoolValue()) {
            return stored.getBoolValue() == operand.getBoolValue();
        }
        return false;
    }
}
