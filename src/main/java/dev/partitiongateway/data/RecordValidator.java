package dev.partitiongateway.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.routing.QueryRouter;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.validation.Text;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks everything a client sends before anything is stored, and turns it into SPI records. Every
 * refusal names the offending field by its JSON path.
 */
@ApplicationScoped
public class RecordValidator {

    public static final int MAX_ID_LENGTH = 512;
    /**
     * Backends compute scores in 32-bit floats. With every vector's squared length at most a quarter
     * of {@link Float#MAX_VALUE}, a dot product stays below it (Cauchy-Schwarz) and so does a squared
     * distance ({@code |a-b|² <= 2|a|² + 2|b|²}), so no score overflows to infinity.
     */
    static final double MAX_SQUARED_NORM = Float.MAX_VALUE / 4.0;
    /** Below this, normalising a vector for cosine similarity underflows in 32-bit floats. */
    static final double MIN_COSINE_SQUARED_NORM = Float.MIN_NORMAL;
    static final int MAX_METADATA_DEPTH = 8;
    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");

    private final GatewayConfig.Limits limits;

    RecordValidator(GatewayConfig config) {
        this.limits = config.limits();
    }

    public List<VectorRecord> upsertBatch(CollectionView collection, DataJson.UpsertRequest request) {
        if (request == null || request.vectors() == null || request.vectors().isEmpty()) {
            throw ApiException.invalid("vectors", "must hold at least one vector");
        }
        List<DataJson.VectorInput> inputs = request.vectors();
        if (inputs.size() > limits.maxBatch()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "a batch holds at most " + limits.maxBatch() + " vectors; this one has " + inputs.size());
        }
        Map<String, Integer> seen = new HashMap<>();
        List<VectorRecord> records = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            String at = "vectors[" + i + "]";
            DataJson.VectorInput input = inputs.get(i);
            if (input == null) {
                throw ApiException.invalid(at, "must be an object");
            }
            id(input.id(), at + ".id");
            Integer first = seen.putIfAbsent(input.id(), i);
            if (first != null) {
                throw ApiException.invalid(at + ".id", "duplicates vectors[" + first + "].id '" + input.id() + "'");
            }
            vector(collection, input.values(), at + ".values");
            records.add(new VectorRecord(input.id(), input.values(), metadata(input.metadata(), at + ".metadata"),
                    timestamp(input.timestamp(), at + ".timestamp")));
        }
        return records;
    }

    public void id(String id, String field) {
        if (id == null || id.isEmpty()) {
            throw ApiException.invalid(field, "must be a non-empty string");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw ApiException.invalid(field, "must be at most " + MAX_ID_LENGTH + " characters");
        }
        Text.identifierProblem(id).ifPresent(problem -> {
            throw ApiException.invalid(field, problem);
        });
        if (id.equals(".") || id.equals("..")) {
            throw ApiException.invalid(field, "'" + id + "' is not an id: no URL path can name it");
        }
    }

    public void vector(CollectionView collection, float[] values, String field) {
        if (values == null) {
            throw ApiException.invalid(field, "is required");
        }
        if (values.length != collection.dimension()) {
            throw ApiException.invalid(field, "has " + values.length + " values; collection '" + collection.name()
                    + "' has dimension " + collection.dimension());
        }
        double squaredNorm = 0;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw ApiException.invalid(field + "[" + i + "]", "must be a finite number");
            }
            squaredNorm += (double) values[i] * values[i];
        }
        if (squaredNorm > MAX_SQUARED_NORM) {
            throw ApiException.invalid(field, "is too large: its length must be at most " + (float) Math.sqrt(MAX_SQUARED_NORM)
                    + " so that dot products and distances stay finite 32-bit numbers");
        }
        if (collection.metric() == Metric.COSINE && squaredNorm < MIN_COSINE_SQUARED_NORM) {
            throw ApiException.invalid(field, squaredNorm == 0 ? "must not be all zeros: cosine similarity is undefined for it"
                    : "is too close to zero: its cosine similarity cannot be computed in 32-bit floats");
        }
    }

    /** Partition names a search names (EXPLICIT routing). */
    public List<String> partitionHints(List<String> hints) {
        if (hints.isEmpty() || hints.size() > 1000) {
            throw ApiException.invalid("partitions", "must name 1 to 1000 partitions");
        }
        for (int i = 0; i < hints.size(); i++) {
            String hint = hints.get(i);
            if (hint == null || !hint.matches("[a-z][a-z0-9_]{0,199}")) {
                throw ApiException.invalid("partitions[" + i + "]", "is not a partition name (as listed in a search's 'partitions')");
            }
        }
        return hints;
    }

    /** The routing mode: as given, or EXPLICIT when partitions are named, else SMART. */
    public QueryRouter.Routing routing(String routing, List<String> hints) {
        QueryRouter.Routing mode;
        if (routing == null) {
            mode = hints == null ? QueryRouter.Routing.SMART : QueryRouter.Routing.EXPLICIT;
        } else {
            try {
                mode = QueryRouter.Routing.valueOf(routing);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("routing", "must be EXPLICIT, BROADCAST, FILTERED or SMART");
            }
        }
        if ((mode == QueryRouter.Routing.EXPLICIT) != (hints != null)) {
            throw ApiException.invalid("partitions", "partition names go with EXPLICIT routing, and EXPLICIT routing needs them");
        }
        return mode;
    }

    public Integer maxPartitions(Integer maxPartitions) {
        if (maxPartitions != null && (maxPartitions < 1 || maxPartitions > 100_000)) {
            throw ApiException.invalid("maxPartitions", "must be between 1 and 100000");
        }
        return maxPartitions;
    }

    public int topK(Integer topK) {
        int k = topK == null ? 10 : topK;
        if (k < 1 || k > limits.maxTopK()) {
            throw ApiException.invalid("topK", "must be between 1 and " + limits.maxTopK());
        }
        return k;
    }

    public List<String> deleteIds(List<String> ids) {
        return ids(ids, "a delete");
    }

    /** The ids of a batch fetch, each once in the order first given; as many as a delete may name. */
    public List<String> fetchIds(List<String> ids) {
        if (ids == null) {
            throw ApiException.invalid("ids", "is required: {\"ids\":[\"a\",\"b\"]}");
        }
        return ids(ids, "a fetch");
    }

    private List<String> ids(List<String> ids, String request) {
        if (ids.isEmpty()) {
            throw ApiException.invalid("ids", "must hold at least one id");
        }
        if (ids.size() > limits.maxDeleteIds()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE,
                    request + " names at most " + limits.maxDeleteIds() + " ids; this one has " + ids.size());
        }
        for (int i = 0; i < ids.size(); i++) {
            id(ids.get(i), "ids[" + i + "]");
        }
        return List.copyOf(new LinkedHashSet<>(ids));
    }

    /** A JSON object of scalars, arrays of scalars and nested objects, as plain Java values. */
    Map<String, Object> metadata(JsonNode node, String field) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiException.invalid(field, "must be a JSON object");
        }
        int bytes = node.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxMetadataBytes()) {
            throw ApiException.invalid(field, "is " + bytes + " bytes; at most " + limits.maxMetadataBytes() + " are allowed");
        }
        return object(node, field, 1);
    }

    private Map<String, Object> object(JsonNode node, String field, int depth) {
        if (depth > MAX_METADATA_DEPTH) {
            throw ApiException.invalid(field, "is nested deeper than " + MAX_METADATA_DEPTH + " levels");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = field + "." + e.getKey();
            if (!METADATA_KEY.matcher(e.getKey()).matches()) {
                throw ApiException.invalid(at, "keys are 1-64 of letters, digits, '_' and '-' (no dots: they separate filter paths)");
            }
            JsonNode value = e.getValue();
            if (value.isObject()) {
                map.put(e.getKey(), object(value, at, depth + 1));
            } else if (value.isArray()) {
                List<Object> list = new ArrayList<>(value.size());
                for (int i = 0; i < value.size(); i++) {
                    list.add(scalar(value.get(i), at + "[" + i + "]"));
                }
                map.put(e.getKey(), list);
            } else {
                map.put(e.getKey(), scalar(value, at));
            }
        }
        return map;
    }

    private static Object scalar(JsonNode value, String field) {
        if (value.isTextual()) {
            Text.freeTextProblem(value.textValue()).ifPresent(problem -> {
                throw ApiException.invalid(field, problem);
            });
            return value.textValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        if (value.isNumber() && Double.isFinite(value.doubleValue())) {
            return value.doubleValue();
        }
        throw ApiException.invalid(field, "must be a string, a finite number, a boolean, an array of those, or an object");
    }

    /**
     * An ISO-8601 instant or epoch milliseconds, to millisecond precision (what every backend stores),
     * between the years 1 and 9999.
     */
    static Instant timestamp(JsonNode node, String field) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        Instant instant = null;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            instant = Instant.ofEpochMilli(node.longValue());
        } else if (node.isTextual()) {
            try {
                instant = Instant.parse(node.textValue());
            } catch (DateTimeParseException e) {
                // refused below
            }
        }
        if (instant == null || instant.isBefore(EARLIEST) || !instant.isBefore(LATEST)) {
            throw ApiException.invalid(field, "must be an ISO-8601 instant (2024-05-01T12:00:00Z) or epoch milliseconds, in the years 1 to 9999");
        }
        return instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    // From year 1: the ISO week of 0000-01-01 belongs to the week-based year -1, which no placement name can carry.
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("+10000-01-01T00:00:00Z");
}
