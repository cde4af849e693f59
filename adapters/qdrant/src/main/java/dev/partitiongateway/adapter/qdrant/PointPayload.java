package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.VectorRecord;
import io.qdrant.client.grpc.JsonWithInt.ListValue;
import io.qdrant.client.grpc.JsonWithInt.NullValue;
import io.qdrant.client.grpc.JsonWithInt.Struct;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.qdrant.client.grpc.Points.VectorsOutput;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The payload of a gateway record on Qdrant, and the key names {@link QdrantFilterMapper} relies on.
 *
 * <pre>
 * tenant, partition     keyword-indexed scope of every call (tenant with is_tenant)
 * id                    the client's id (the point id is a UUID derived from it, see {@link PointIds})
 * timestamp             the record's time in epoch milliseconds, integer-indexed for ranges; absent when none
 * timestamp_nanos       the nanoseconds below the millisecond, only when there are any
 * metadata              the client's metadata exactly as sent (integers stay integers)
 * m_str, m_num, m_bool  the metadata's strings, numbers (as doubles) and booleans, each under its own path
 * m_keys                every metadata path present, for $exists
 * values                Cosine collections only: the vector as sent, as little-endian float32 in base64
 * </pre>
 *
 * <p>Metadata lives under its own keys, so no metadata key can reach the adapter's fields. The typed
 * copies make filters type-strict whatever Qdrant does with mixed types: a string filter reads
 * {@code m_str.<path>}, a number filter {@code m_num.<path>}, so {@code 1} never meets {@code "1"}; and
 * numbers are doubles there, so a filter on 1 finds 1 and 1.0 alike through a range. Each typed key has
 * one payload-index schema (keyword, float, bool), which Qdrant requires. Arrays of scalars are spread
 * over the typed keys by element type; objects and arrays inside arrays are kept in {@code metadata} but
 * not indexed, as on every backend. Qdrant stores Cosine vectors normalised, hence {@code values}.
 */
final class PointPayload {

    static final String TENANT = "tenant";
    static final String PARTITION = "partition";
    static final String ID = "id";
    static final String TIMESTAMP = "timestamp";
    static final String TIMESTAMP_NANOS = "timestamp_nanos";
    static final String METADATA = "metadata";
    static final String STRINGS = "m_str";
    static final String NUMBERS = "m_num";
    static final String BOOLEANS = "m_bool";
    static final String KEYS = "m_keys";
    static final String VALUES = "values";

    private PointPayload() {
    }

    /** The payload of {@code record}; {@code keepValues} for Cosine collections. Metadata Qdrant cannot hold is {@link BackendException.Rejected}. */
    static Map<String, Value> of(String tenant, String partition, VectorRecord record, boolean keepValues) {
        Map<String, Value> payload = new HashMap<>();
        payload.put(TENANT, text(tenant));
        payload.put(PARTITION, text(partition));
        payload.put(ID, text(record.id()));
        if (record.timestamp() != null) {
            long millis;
            try {
                millis = record.timestamp().toEpochMilli();
            } catch (ArithmeticException e) {
                throw new BackendException.Rejected("timestamp out of range: " + record.timestamp(), e);
            }
            payload.put(TIMESTAMP, Value.newBuilder().setIntegerValue(millis).build());
            int subMillis = record.timestamp().getNano() % 1_000_000;
            if (subMillis != 0) {
                payload.put(TIMESTAMP_NANOS, Value.newBuilder().setIntegerValue(subMillis).build());
            }
        }
        payload.put(METADATA, toValue(record.metadata(), "metadata"));
        Projection projection = new Projection();
        projection.object(List.of(), record.metadata());
        projection.put(payload);
        if (keepValues) {
            payload.put(VALUES, text(encode(record.values())));
        }
        return payload;
    }

    /** The record back from a payload; {@code vectors} are Qdrant's stored vector, used when no {@code values} copy exists. */
    static VectorRecord record(Map<String, Value> payload, VectorsOutput vectors, boolean withValues) {
        float[] values = null;
        if (withValues) {
            Value kept = payload.get(VALUES);
            values = kept != null ? decode(kept.getStringValue()) : fromVectors(vectors);
        }
        return new VectorRecord(payload.get(ID).getStringValue(), values, metadata(payload), timestamp(payload));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> metadata(Map<String, Value> payload) {
        Value metadata = payload.get(METADATA);
        return metadata == null ? Map.of() : (Map<String, Object>) fromValue(metadata);
    }

    static Instant timestamp(Map<String, Value> payload) {
        Value millis = payload.get(TIMESTAMP);
        if (millis == null) {
            return null;
        }
        Value nanos = payload.get(TIMESTAMP_NANOS);
        return Instant.ofEpochMilli(millis.getIntegerValue()).plusNanos(nanos == null ? 0 : nanos.getIntegerValue());
    }

    @SuppressWarnings("deprecation")
    static float[] fromVectors(VectorsOutput vectors) {
        if (vectors == null || !vectors.hasVector()) {
            return null;
        }
        VectorOutput vector = vectors.getVector();
        // Qdrant >= 1.16 fills `dense`; older servers the deprecated `data`.
        List<Float> data = vector.hasDense() ? vector.getDense().getDataList() : vector.getDataList();
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i);
        }
        return values;
    }

    static String encode(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    static float[] decode(String base64) {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        for (int i = 0; i < values.length; i++) {
            values[i] = bytes.getFloat();
        }
        return values;
    }

    static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    private static Value toValue(Object value, String path) {
        Value.Builder out = Value.newBuilder();
        if (value == null) {
            out.setNullValue(NullValue.NULL_VALUE);
        } else if (value instanceof String s) {
            out.setStringValue(s);
        } else if (value instanceof Boolean b) {
            out.setBoolValue(b);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            out.setIntegerValue(((Number) value).longValue());
        } else if (value instanceof BigInteger big && big.bitLength() < 64) {
            out.setIntegerValue(big.longValue());
        } else if (value instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || (n instanceof BigDecimal && Double.isInfinite(d))) {
                throw new BackendException.Rejected("metadata " + path + " is not a finite number: " + n);
            }
            out.setDoubleValue(d);
        } else if (value instanceof Map<?, ?> map) {
            Struct.Builder struct = Struct.newBuilder();
            map.forEach((k, v) -> struct.putFields(String.valueOf(k), toValue(v, path + "." + k)));
            out.setStructValue(struct);
        } else if (value instanceof List<?> list) {
            ListValue.Builder elements = ListValue.newBuilder();
            for (int i = 0; i < list.size(); i++) {
                elements.addValues(toValue(list.get(i), path + "[" + i + "]"));
            }
            out.setListValue(elements);
        } else {
            throw new BackendException.Rejected("metadata " + path + " has unsupported type " + value.getClass().getSimpleName());
        }
        return out.build();
    }

    static Object fromValue(Value value) {
        return switch (value.getKindCase()) {
            case NULL_VALUE, KIND_NOT_SET -> null;
            case DOUBLE_VALUE -> value.getDoubleValue();
            case INTEGER_VALUE -> value.getIntegerValue();
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> value.getBoolValue();
            case STRUCT_VALUE -> {
                Map<String, Object> map = new LinkedHashMap<>();
                value.getStructValue().getFieldsMap().forEach((k, v) -> map.put(k, fromValue(v)));
                yield map;
            }
            case LIST_VALUE -> {
                List<Object> list = new ArrayList<>();
                value.getListValue().getValuesList().forEach(v -> list.add(fromValue(v)));
                yield list;
            }
        };
    }

    /** The typed copies of the metadata's scalars and the list of its paths. */
    private static final class Projection {
        private final Map<String, Object> strings = new LinkedHashMap<>();
        private final Map<String, Object> numbers = new LinkedHashMap<>();
        private final Map<String, Object> booleans = new LinkedHashMap<>();
        private final Set<String> paths = new LinkedHashSet<>();

        void object(List<String> prefix, Map<?, ?> object) {
            for (Map.Entry<?, ?> entry : object.entrySet()) {
                List<String> path = new ArrayList<>(prefix);
                path.add(String.valueOf(entry.getKey()));
                paths.add(String.join(".", path));
                Object value = entry.getValue();
                if (value instanceof Map<?, ?> nested) {
                    object(path, nested);
                } else if (value instanceof List<?> list) {
                    // Only scalars of an array are addressable; objects and arrays inside it are not indexed.
                    list.forEach(element -> scalar(path, element, true));
                } else {
                    scalar(path, value, false);
                }
            }
        }

        private void scalar(List<String> path, Object value, boolean element) {
            if (value instanceof String s) {
                add(strings, path, text(s), element);
            } else if (value instanceof Boolean b) {
                add(booleans, path, Value.newBuilder().setBoolValue(b).build(), element);
            } else if (value instanceof Number n) {
                double d = n.doubleValue() + 0.0; // folds -0.0 into 0.0: a filter means the number zero
                if (!Double.isFinite(d)) {
                    throw new BackendException.Rejected("metadata " + String.join(".", path) + " is not a finite number: " + n);
                }
                add(numbers, path, Value.newBuilder().setDoubleValue(d).build(), element);
            }
        }

        /**
         * Puts the value under the same keys as in the metadata, as nested objects (a key is never split
         * at a '.'); elements of an array collect into a list there.
         */
        @SuppressWarnings("unchecked")
        private static void add(Map<String, Object> root, List<String> path, Value value, boolean element) {
            Map<String, Object> node = root;
            for (String segment : path.subList(0, path.size() - 1)) {
                node = (Map<String, Object>) node.computeIfAbsent(segment, k -> new LinkedHashMap<String, Object>());
            }
            String leaf = path.get(path.size() - 1);
            if (element) {
                ((List<Value>) node.computeIfAbsent(leaf, k -> new ArrayList<Value>())).add(value);
            } else {
                node.put(leaf, value);
            }
        }

        void put(Map<String, Value> payload) {
            if (!strings.isEmpty()) {
                payload.put(STRINGS, toStruct(strings));
            }
            if (!numbers.isEmpty()) {
                payload.put(NUMBERS, toStruct(numbers));
            }
            if (!booleans.isEmpty()) {
                payload.put(BOOLEANS, toStruct(booleans));
            }
            if (!paths.isEmpty()) {
                ListValue.Builder list = ListValue.newBuilder();
                paths.forEach(p -> list.addValues(text(p)));
                payload.put(KEYS, Value.newBuilder().setListValue(list).build());
            }
        }

        @SuppressWarnings("unchecked")
        private static Value toStruct(Map<String, Object> tree) {
            Struct.Builder struct = Struct.newBuilder();
            tree.forEach((key, node) -> {
                if (node instanceof Map<?, ?> child) {
                    struct.putFields(key, toStruct((Map<String, Object>) child));
                } else if (node instanceof List<?> elements) {
                    struct.putFields(key, Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues((List<Value>) elements)).build());
                } else {
                    struct.putFields(key, (Value) node);
                }
            });
            return Value.newBuilder().setStructValue(struct).build();
        }
    }
}
