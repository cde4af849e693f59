package dev.partitiongateway.adapter.pinecone;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.VectorRecord;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Pinecone metadata of a gateway record. Pinecone stores only strings, numbers, booleans and
 * lists of strings (no null, no nested object) and filters only on those, so a record is stored as:
 * <ul>
 *   <li>{@value #JSON}: the gateway metadata as JSON, kept whole so it round-trips exactly;</li>
 *   <li>{@value #TENANT}, {@value #ID}: the tenant scope and the external id;</li>
 *   <li>{@value #TIMESTAMP}: the record time in epoch milliseconds (absent for untimed records), and
 *       {@value #TIMESTAMP_EXACT} (ISO-8601) only when the instant has sub-millisecond digits;</li>
 *   <li>{@value #PATHS}: every dotted path the metadata has, objects included, for {@code $exists};</li>
 *   <li>per dotted path {@code p}, one field per value type, so that a filter never confuses 1 with
 *       "1" or {@code true}, whatever Pinecone's own coercion rules are:
 *       <ul>
 *         <li>{@code p}: the string, or the list of the strings of an array;</li>
 *         <li>{@code num:p}: the numbers (scalar or array elements) as canonical strings, for equality:
 *             Pinecone lists hold strings only, and arrays must match when any element does;</li>
 *         <li>{@code min:p}, {@code max:p}: the smallest and largest of those numbers, for ranges
 *             ("some element above x" is "the largest element above x");</li>
 *         <li>{@code bool:p}: the booleans as "true"/"false".</li>
 *       </ul></li>
 * </ul>
 * Reserved and typed names contain {@code :}, which gateway metadata keys cannot, so no user key
 * collides with them; keys containing {@code .} or {@code :} or starting with {@code $} are refused.
 * Objects and arrays inside arrays stay in the JSON but are not filterable, as in every backend.
 * The whole mapping must fit Pinecone's 40,960 bytes per record, or the record is refused.
 */
final class RecordMetadata {

    static final String TENANT = "pg:tenant";
    static final String ID = "pg:id";
    static final String JSON = "pg:json";
    static final String TIMESTAMP = "pg:ts";
    static final String TIMESTAMP_EXACT = "pg:ts_exact";
    static final String PATHS = "pg:paths";
    static final String NUMBERS = "num:";
    static final String MIN = "min:";
    static final String MAX = "max:";
    static final String BOOLEANS = "bool:";

    static final int MAX_METADATA_BYTES = 40_960;
    /** Epoch milliseconds travel as a float64; beyond 2^53 they would not be exact. */
    private static final long MAX_EXACT_MILLIS = 1L << 53;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> METADATA_TYPE = new TypeReference<>() {
    };

    private RecordMetadata() {
    }

    /** A record read back from Pinecone. */
    record Decoded(String tenant, String id, Map<String, Object> metadata, Instant timestamp) {
    }

    static Struct toStruct(String tenant, VectorRecord record) {
        Struct.Builder struct = Struct.newBuilder();
        struct.putFields(TENANT, string(tenant));
        struct.putFields(ID, string(record.id()));
        if (record.timestamp() != null) {
            Instant timestamp = record.timestamp();
            long millis;
            try {
                millis = timestamp.toEpochMilli();
            } catch (ArithmeticException e) {
                throw new BackendException.Rejected("record " + record.id() + ": timestamp out of range: " + timestamp, e);
            }
            if (Math.abs(millis) > MAX_EXACT_MILLIS) {
                throw new BackendException.Rejected("record " + record.id() + ": timestamp out of range: " + timestamp);
            }
            struct.putFields(TIMESTAMP, number(millis));
            if (timestamp.getNano() % 1_000_000 != 0) {
                struct.putFields(TIMESTAMP_EXACT, string(timestamp.toString()));
            }
        }
        if (!record.metadata().isEmpty()) {
            struct.putFields(JSON, string(json(record)));
            Flattened flattened = new Flattened();
            flattened.object(record.id(), "", record.metadata());
            flattened.putInto(struct);
        }
        Struct built = struct.build();
        int size = jsonSize(built);
        if (size > MAX_METADATA_BYTES) {
            throw new BackendException.Rejected("record " + record.id() + ": its metadata takes " + size
                    + " bytes once mapped for Pinecone (the JSON kept whole plus one filterable field per path and type), "
                    + "above Pinecone's limit of " + MAX_METADATA_BYTES + " bytes per record");
        }
        return built;
    }

    static Decoded fromStruct(Struct struct) {
        Map<String, Value> fields = struct.getFieldsMap();
        String tenant = fields.containsKey(TENANT) ? fields.get(TENANT).getStringValue() : null;
        String id = fields.containsKey(ID) ? fields.get(ID).getStringValue() : null;
        Map<String, Object> metadata = Map.of();
        if (fields.containsKey(JSON)) {
            try {
                metadata = MAPPER.readValue(fields.get(JSON).getStringValue(), METADATA_TYPE);
            } catch (JsonProcessingException e) {
                throw new BackendException.Unavailable("a Pinecone record carries metadata that is not JSON: " + e.getMessage(), e);
            }
        }
        Instant timestamp = null;
        if (fields.containsKey(TIMESTAMP_EXACT)) {
            try {
                timestamp = Instant.parse(fields.get(TIMESTAMP_EXACT).getStringValue());
            } catch (DateTimeException e) {
                throw new BackendException.Unavailable("a Pinecone record carries a timestamp that is not an instant", e);
            }
        } else if (fields.containsKey(TIMESTAMP)) {
            timestamp = Instant.ofEpochMilli((long) fields.get(TIMESTAMP).getNumberValue());
        }
        return new Decoded(tenant, id, metadata, timestamp);
    }

    /** The equality token of a number: the same for 1, 1L and 1.0, different for every other double. */
    static String canonical(double value) {
        return Double.toString(value + 0.0); // folds -0.0 into 0.0, which compare equal
    }

    /**
     * The metadata as compact JSON in bytes, numbers written with a fraction: never below the measure
     * Pinecone applies to its limit, so a record accepted here is not refused there for its size.
     */
    static int jsonSize(Struct struct) {
        StringBuilder out = new StringBuilder();
        writeJson(out, Value.newBuilder().setStructValue(struct).build());
        return out.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    // ---------------------------------------------------------------- flattening

    /** Paths and typed values collected from one record's metadata. */
    private static final class Flattened {
        private final Set<String> paths = new LinkedHashSet<>();
        private final Map<String, List<String>> strings = new LinkedHashMap<>();
        private final Map<String, List<Double>> numbers = new LinkedHashMap<>();
        private final Map<String, List<Boolean>> booleans = new LinkedHashMap<>();
        /** Paths whose value is a scalar (stored as a scalar) rather than an array (stored as a list). */
        private final Set<String> scalars = new LinkedHashSet<>();

        void object(String recordId, String prefix, Map<?, ?> object) {
            for (Map.Entry<?, ?> entry : object.entrySet()) {
                String key = String.valueOf(entry.getKey());
                if (key.isEmpty() || key.contains(".") || key.contains(":") || key.startsWith("$")) {
                    throw new BackendException.Rejected("record " + recordId + ": metadata key '" + key
                            + "' cannot be stored in Pinecone: keys must be non-empty, without '.' or ':', and not start with '$'");
                }
                String path = prefix.isEmpty() ? key : prefix + "." + key;
                paths.add(path);
                Object value = entry.getValue();
                if (value instanceof Map<?, ?> nested) {
                    object(recordId, path, nested);
                } else if (value instanceof List<?> array) {
                    for (Object element : array) {
                        scalar(recordId, path, element, false);
                    }
                } else {
                    scalar(recordId, path, value, true);
                }
            }
        }

        private void scalar(String recordId, String path, Object value, boolean topLevel) {
            if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
                return; // kept in the JSON; nothing to filter on
            }
            if (topLevel) {
                scalars.add(path);
            }
            if (value instanceof String s) {
                strings.computeIfAbsent(path, k -> new ArrayList<>()).add(s);
            } else if (value instanceof Boolean b) {
                booleans.computeIfAbsent(path, k -> new ArrayList<>()).add(b);
            } else if (value instanceof Number n) {
                double d = n.doubleValue();
                if (!Double.isFinite(d)) {
                    throw new BackendException.Rejected("record " + recordId + ": metadata " + path + " is not a finite number: " + n);
                }
                numbers.computeIfAbsent(path, k -> new ArrayList<>()).add(d);
            } else {
                throw new BackendException.Rejected("record " + recordId + ": metadata " + path + " has unsupported type "
                        + value.getClass().getSimpleName());
            }
        }

        void putInto(Struct.Builder struct) {
            struct.putFields(PATHS, list(new ArrayList<>(paths)));
            strings.forEach((path, values) -> struct.putFields(path, scalarOrList(path, values)));
            numbers.forEach((path, values) -> {
                struct.putFields(NUMBERS + path, scalarOrList(path, values.stream().map(RecordMetadata::canonical).toList()));
                struct.putFields(MIN + path, number(values.stream().mapToDouble(Double::doubleValue).min().orElseThrow()));
                struct.putFields(MAX + path, number(values.stream().mapToDouble(Double::doubleValue).max().orElseThrow()));
            });
            booleans.forEach((path, values) -> struct.putFields(BOOLEANS + path, scalarOrList(path, values.stream().map(String::valueOf).toList())));
        }

        private Value scalarOrList(String path, List<String> values) {
            return scalars.contains(path) ? string(values.get(0)) : list(new ArrayList<>(new LinkedHashSet<>(values)));
        }
    }

    // ---------------------------------------------------------------- values

    static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    static Value number(double d) {
        return Value.newBuilder().setNumberValue(d).build();
    }

    static Value list(List<String> strings) {
        ListValue.Builder list = ListValue.newBuilder();
        strings.forEach(s -> list.addValues(string(s)));
        return Value.newBuilder().setListValue(list).build();
    }

    private static String json(VectorRecord record) {
        try {
            return MAPPER.writeValueAsString(record.metadata());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new BackendException.Rejected("record " + record.id() + ": metadata is not serialisable as JSON: " + e.getMessage(), e);
        }
    }

    private static void writeJson(StringBuilder out, Value value) {
        switch (value.getKindCase()) {
            case STRUCT_VALUE -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, Value> field : value.getStructValue().getFieldsMap().entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    writeString(out, field.getKey());
                    out.append(':');
                    writeJson(out, field.getValue());
                }
                out.append('}');
            }
            case LIST_VALUE -> {
                out.append('[');
                List<Value> values = value.getListValue().getValuesList();
                for (int i = 0; i < values.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    writeJson(out, values.get(i));
                }
                out.append(']');
            }
            case STRING_VALUE -> writeString(out, value.getStringValue());
            case NUMBER_VALUE -> out.append(Double.toString(value.getNumberValue()));
            case BOOL_VALUE -> out.append(value.getBoolValue());
            default -> out.append("null");
        }
    }

    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append("\\u0000"); // six characters, as wide as any escape of a control character
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
