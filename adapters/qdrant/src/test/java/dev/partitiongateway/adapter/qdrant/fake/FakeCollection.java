package dev.partitiongateway.adapter.qdrant.fake;

import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.StrictModeConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.partitiongateway.adapter.qdrant.fake.PointFilter.IndexCapability;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** One collection: a single unnamed dense vector per point, its points in id order, and its payload indexes. */
final class FakeCollection {

    record PayloadIndex(String key, PayloadSchemaType type, PayloadIndexParams params) {
    }

    final String name;
    final int dimension;
    final Distance distance;
    final HnswConfigDiff hnsw;
    final StrictModeConfig strictMode;
    final TreeMap<PointId, StoredPoint> points = new TreeMap<>();
    /** One schema per key: creating an index on an indexed key replaces it, as in Qdrant. */
    final Map<PayloadPath, PayloadIndex> payloadIndexes = new LinkedHashMap<>();
    /**
     * The collection's own metadata (Qdrant 1.15.4+, {@code lib/collection/src/config.rs}), as JSON;
     * empty when none was given. Guarded by the lock on the server.
     */
    final ObjectNode metadata;

    FakeCollection(String name, int dimension, Distance distance, HnswConfigDiff hnsw, StrictModeConfig strictMode, ObjectNode metadata) {
        this.name = name;
        this.dimension = dimension;
        this.distance = distance;
        this.hnsw = hnsw;
        this.strictMode = strictMode;
        this.metadata = metadata;
    }

    /**
     * Qdrant's {@code update_metadata}: merged into what is stored key by key at the top level
     * ({@code merge_map} in {@code lib/segment/src/common/utils.rs}): a key with JSON null is removed,
     * any other value replaces the stored one whole (objects are not merged deeper).
     */
    void mergeMetadata(ObjectNode update) {
        update.fields().forEachRemaining(field -> {
            if (field.getValue().isNull()) {
                metadata.remove(field.getKey());
            } else {
                metadata.set(field.getKey(), field.getValue().deepCopy());
            }
        });
    }

    /** The vector as Qdrant stores it: Cosine vectors are normalised on the way in (and so are Cosine queries). */
    float[] preprocess(float[] vector) {
        if (distance != Distance.Cosine) {
            return vector.clone();
        }
        double squares = 0;
        for (float v : vector) {
            squares += (double) v * v;
        }
        float length = (float) Math.sqrt(squares);
        if (length < Math.ulp(1f)) {
            return vector.clone();
        }
        float[] normalised = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            normalised[i] = vector[i] / length;
        }
        return normalised;
    }

    /** Qdrant's score: similarity for Cosine and Dot, the real (square-rooted) distance for Euclid, L1 for Manhattan. */
    float score(float[] preprocessedQuery, float[] stored) {
        double sum = 0;
        for (int i = 0; i < stored.length; i++) {
            double a = preprocessedQuery[i];
            double b = stored[i];
            sum += switch (distance) {
                case Euclid -> (a - b) * (a - b);
                case Manhattan -> Math.abs(a - b);
                default -> a * b;
            };
        }
        return (float) (distance == Distance.Euclid ? Math.sqrt(sum) : sum);
    }

    /** Whether higher scores are better (similarities) rather than lower (distances). */
    boolean higherIsBetter() {
        return distance == Distance.Cosine || distance == Distance.Dot;
    }

    /**
     * Strict mode's refusal for the first key the filter uses without an index able to serve it, or
     * {@code null}. {@code update} selects the rule for filtered updates (delete by filter) rather than
     * retrievals (query, scroll, count).
     */
    String unindexedKeyProblem(PointFilter filter, boolean update) {
        if (strictMode == null || !strictMode.getEnabled()) {
            return null;
        }
        boolean allowed = update ? strictMode.getUnindexedFilteringUpdate() : strictMode.getUnindexedFilteringRetrieve();
        if (allowed) {
            return null;
        }
        for (Map.Entry<PayloadPath, Set<IndexCapability>> required : filter.requiredIndexes().entrySet()) {
            PayloadIndex index = payloadIndexes.get(required.getKey());
            Set<IndexCapability> available = index == null ? EnumSet.noneOf(IndexCapability.class) : capabilities(index);
            if (available.stream().noneMatch(required.getValue()::contains)) {
                Set<String> types = new TreeSet<>();
                required.getValue().forEach(c -> types.add(schemaName(c)));
                return "Index required but not found for \"" + required.getKey() + "\" of one of the following types: ["
                        + String.join(", ", types) + "]. Help: Create an index for this key or use a different filter.";
            }
        }
        return null;
    }

    /**
     * Strict mode's refusal of one more payload index ({@code max_payload_index_count}, checked in
     * {@code src/common/update.rs}), or {@code null}. Qdrant counts every index the collection has, so
     * at the limit even a request that would only replace an existing index is refused.
     */
    String payloadIndexLimitProblem() {
        if (strictMode == null || !strictMode.getEnabled() || !strictMode.hasMaxPayloadIndexCount()) {
            return null;
        }
        long max = strictMode.getMaxPayloadIndexCount();
        if (payloadIndexes.size() < max) {
            return null;
        }
        return "Collection already has the maximum number of payload indices (" + max + ")."
                + " Help: Please delete an existing index before creating a new one.";
    }

    /** Qdrant's {@code schema_capabilities}: what each kind of payload index can answer. */
    static Set<IndexCapability> capabilities(PayloadIndex index) {
        return switch (index.type()) {
            case Keyword -> EnumSet.of(IndexCapability.KEYWORD_MATCH);
            case Integer -> {
                boolean lookup = !index.params().hasIntegerIndexParams() || !index.params().getIntegerIndexParams().hasLookup()
                        || index.params().getIntegerIndexParams().getLookup();
                boolean range = !index.params().hasIntegerIndexParams() || !index.params().getIntegerIndexParams().hasRange()
                        || index.params().getIntegerIndexParams().getRange();
                EnumSet<IndexCapability> set = EnumSet.noneOf(IndexCapability.class);
                if (lookup) {
                    set.add(IndexCapability.INT_MATCH);
                }
                if (range) {
                    set.add(IndexCapability.INT_RANGE);
                }
                yield set;
            }
            case Float -> EnumSet.of(IndexCapability.FLOAT_RANGE);
            case Bool -> EnumSet.of(IndexCapability.BOOL_MATCH);
            case Text -> EnumSet.of(IndexCapability.TEXT);
            case Datetime -> EnumSet.of(IndexCapability.DATETIME_RANGE);
            case Uuid -> EnumSet.of(IndexCapability.UUID_MATCH);
            case Geo -> EnumSet.of(IndexCapability.GEO);
            default -> EnumSet.noneOf(IndexCapability.class);
        };
    }

    private static String schemaName(IndexCapability capability) {
        return switch (capability) {
            case INT_MATCH, INT_RANGE -> "integer";
            case KEYWORD_MATCH -> "keyword";
            case FLOAT_RANGE -> "float";
            case TEXT -> "text";
            case BOOL_MATCH -> "bool";
            case UUID_MATCH -> "uuid";
            case DATETIME_RANGE -> "datetime";
            case GEO -> "geo";
        };
    }
}
