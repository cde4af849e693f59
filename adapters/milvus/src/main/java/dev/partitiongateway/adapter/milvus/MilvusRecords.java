package dev.partitiongateway.adapter.milvus;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.VectorRecord;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rows as MilvusClientV2 takes and returns them, for the fields of {@link MilvusSchema}. */
final class MilvusRecords {

    private MilvusRecords() {
    }

    /** The row of a record; refuses (before anything is sent) what Milvus would refuse or truncate. */
    static JsonObject row(String placement, String tenant, VectorRecord record) {
        JsonObject row = new JsonObject();
        row.addProperty(MilvusSchema.PRIMARY_KEY, MilvusSchema.key(placement, tenant, record.id()));
        row.addProperty(MilvusSchema.ID, record.id());
        row.addProperty(MilvusSchema.TENANT, tenant);
        row.addProperty(MilvusSchema.PLACEMENT, placement);
        row.add(MilvusSchema.VECTOR, vector(record.values()));
        JsonElement metadata = toJson(record.metadata(), "metadata");
        JsonObject filterable = FilterableMetadata.of(record.metadata());
        requireJsonSize(metadata, "metadata of record " + record.id());
        requireJsonSize(filterable, "filterable form of the metadata of record " + record.id()
                + " (every value and path is indexed once more; flatten or shorten the metadata)");
        row.add(MilvusSchema.METADATA, metadata);
        row.add(MilvusSchema.FILTERABLE, filterable);
        Instant timestamp = record.timestamp();
        if (timestamp == null) {
            row.addProperty(MilvusSchema.TIMESTAMP, 0L);
            row.addProperty(MilvusSchema.TIMESTAMP_NANOS, 0L);
            row.addProperty(MilvusSchema.TIMED, false);
        } else {
            long millis;
            try {
                millis = timestamp.toEpochMilli();
            } catch (ArithmeticException e) {
                throw new BackendException.Rejected("timestamp out of range: " + timestamp, e);
            }
            row.addProperty(MilvusSchema.TIMESTAMP, millis);
            row.addProperty(MilvusSchema.TIMESTAMP_NANOS, (long) (timestamp.getNano() % 1_000_000));
            row.addProperty(MilvusSchema.TIMED, true);
        }
        return row;
    }

    /**
     * The marker row of a shared bucket. Its tenant is the empty string, which no placement can name
     * (Placement refuses an empty tenant), so no tenant-scoped call ever sees it.
     */
    static JsonObject marker(String placement, int dimension) {
        JsonObject row = new JsonObject();
        row.addProperty(MilvusSchema.PRIMARY_KEY, MilvusSchema.markerKey(placement));
        row.addProperty(MilvusSchema.ID, "");
        row.addProperty(MilvusSchema.TENANT, "");
        row.addProperty(MilvusSchema.PLACEMENT, placement);
        float[] unit = new float[dimension];
        unit[0] = 1f; // a cosine index refuses nothing, but a zero vector has no direction
        row.add(MilvusSchema.VECTOR, vector(unit));
        row.add(MilvusSchema.METADATA, new JsonObject());
        row.add(MilvusSchema.FILTERABLE, FilterableMetadata.of(Map.of()));
        row.addProperty(MilvusSchema.TIMESTAMP, 0L);
        row.addProperty(MilvusSchema.TIMESTAMP_NANOS, 0L);
        row.addProperty(MilvusSchema.TIMED, false);
        return row;
    }

    /** A record from a query or search entity; {@code values} only when the vector was asked for. */
    static VectorRecord record(Map<String, Object> entity) {
        String id = (String) entity.get(MilvusSchema.ID);
        float[] values = entity.containsKey(MilvusSchema.VECTOR) ? floats(entity.get(MilvusSchema.VECTOR)) : null;
        Map<String, Object> metadata = entity.containsKey(MilvusSchema.METADATA) ? metadata(entity.get(MilvusSchema.METADATA)) : Map.of();
        Instant timestamp = null;
        if (Boolean.TRUE.equals(entity.get(MilvusSchema.TIMED))) {
            timestamp = Instant.ofEpochMilli(((Number) entity.get(MilvusSchema.TIMESTAMP)).longValue())
                    .plusNanos(((Number) entity.get(MilvusSchema.TIMESTAMP_NANOS)).longValue());
        }
        return new VectorRecord(id, values, metadata, timestamp);
    }

    /** Estimated bytes of a row on the wire, to keep requests under Milvus's size limit. */
    static int estimatedBytes(JsonObject row) {
        return row.toString().length() + 64;
    }

    static float[] floats(Object value) {
        if (value instanceof float[] array) {
            return array;
        }
        List<?> list = (List<?>) value;
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }

    static Map<String, Object> metadata(Object stored) {
        JsonElement json = stored instanceof JsonElement element ? element : JsonParser.parseString(String.valueOf(stored));
        if (json == null || json.isJsonNull()) {
            return Map.of();
        }
        if (!json.isJsonObject()) {
            throw new BackendException.Unavailable("stored metadata is not a JSON object: " + json, null);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) fromJson(json);
        return map;
    }

    private static JsonArray vector(float[] values) {
        JsonArray array = new JsonArray(values.length);
        for (float v : values) {
            array.add(v);
        }
        return array;
    }

    private static void requireJsonSize(JsonElement json, String what) {
        int bytes = json.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MilvusSchema.JSON_MAX_BYTES) {
            throw new BackendException.Rejected("the " + what + " is " + bytes + " bytes as JSON; Milvus stores at most "
                    + MilvusSchema.JSON_MAX_BYTES + " per JSON field");
        }
    }

    static JsonElement toJson(Object value, String path) {
        if (value == null) {
            return JsonNull.INSTANCE;
        }
        if (value instanceof Map<?, ?> map) {
            JsonObject object = new JsonObject();
            map.forEach((k, v) -> object.add(String.valueOf(k), toJson(v, path + "." + k)));
            return object;
        }
        if (value instanceof List<?> list) {
            JsonArray array = new JsonArray(list.size());
            for (int i = 0; i < list.size(); i++) {
                array.add(toJson(list.get(i), path + "[" + i + "]"));
            }
            return array;
        }
        if (value instanceof String s) {
            return new JsonPrimitive(s);
        }
        if (value instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return new JsonPrimitive((Number) value);
        }
        if (value instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new BackendException.Rejected(path + " is not a finite number: " + n);
            }
            return new JsonPrimitive(value instanceof BigDecimal ? n : d);
        }
        throw new BackendException.Rejected(path + " has unsupported type " + value.getClass().getSimpleName());
    }

    /** JSON numbers written without a fraction or exponent come back as Long, others as Double. */
    private static Object fromJson(JsonElement json) {
        if (json == null || json.isJsonNull()) {
            return null;
        }
        if (json.isJsonObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            json.getAsJsonObject().entrySet().forEach(e -> map.put(e.getKey(), fromJson(e.getValue())));
            return map;
        }
        if (json.isJsonArray()) {
            List<Object> list = new ArrayList<>();
            json.getAsJsonArray().forEach(e -> list.add(fromJson(e)));
            return list;
        }
        JsonPrimitive primitive = json.getAsJsonPrimitive();
        if (primitive.isBoolean()) {
            return primitive.getAsBoolean();
        }
        if (primitive.isString()) {
            return primitive.getAsString();
        }
        String text = primitive.getAsNumber().toString();
        if (text.contains(".") || text.contains("e") || text.contains("E")) {
            return primitive.getAsDouble();
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return primitive.getAsDouble();
        }
    }
}
