package dev.partitiongateway.adapter.qdrant;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.Collections.BoolIndexParams;
import io.qdrant.client.grpc.Collections.FloatIndexParams;
import io.qdrant.client.grpc.Collections.IntegerIndexParams;
import io.qdrant.client.grpc.Collections.KeywordIndexParams;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The payload indexes of the gateway's Qdrant collections.
 *
 * <p>Every collection gets, when it is created, keyword indexes on {@code tenant} (with
 * {@code is_tenant}, so Qdrant keeps each tenant's points together) and {@code partition}, a keyword
 * index on the metadata path list {@code m_keys} and an integer range index on {@code timestamp}: the
 * keys of every scope, {@code $exists} and time filter. A metadata key gets an index the first time a
 * filter uses it, with the schema of its typed copy ({@code m_str} keyword, {@code m_num} float,
 * {@code m_bool} bool); without it Qdrant Cloud's strict mode refuses the filter. Creation waits until
 * the index exists, so the first filter on a key in a large collection takes as long as building it.
 * This process remembers what it created, per collection; Qdrant treats a repeated creation with the
 * same schema as a no-op. Metadata indexes are built without HNSW links ({@code enable_hnsw=false}):
 * they serve filtering, and per-value graphs for every metadata value would multiply indexing work.
 */
final class PayloadIndexes {

    static final Map<String, PayloadSchemaType> SCOPE;

    static {
        Map<String, PayloadSchemaType> scope = new LinkedHashMap<>();
        scope.put(PointPayload.TENANT, PayloadSchemaType.Keyword);
        scope.put(PointPayload.PARTITION, PayloadSchemaType.Keyword);
        scope.put(PointPayload.KEYS, PayloadSchemaType.Keyword);
        scope.put(PointPayload.TIMESTAMP, PayloadSchemaType.Integer);
        SCOPE = Map.copyOf(scope);
    }

    private final QdrantClient client;
    private final QdrantRpc rpc;
    private final boolean indexMetadataKeys;
    private final ConcurrentMap<String, Set<String>> created = new ConcurrentHashMap<>();

    PayloadIndexes(QdrantClient client, QdrantRpc rpc, boolean indexMetadataKeys) {
        this.client = client;
        this.rpc = rpc;
        this.indexMetadataKeys = indexMetadataKeys;
    }

    /** Creates the scope indexes that {@code existing} (the collection's payload schema) lacks. */
    void ensureScope(String collection, Set<String> existing) {
        Set<String> known = created.computeIfAbsent(collection, c -> ConcurrentHashMap.newKeySet());
        known.addAll(existing);
        SCOPE.forEach((key, type) -> create(collection, key, type, known));
    }

    /** Creates the indexes a filter needs that this process has not created yet (metadata keys only when configured to). */
    void ensure(String collection, Map<String, PayloadSchemaType> keys) {
        Set<String> known = created.computeIfAbsent(collection, c -> ConcurrentHashMap.newKeySet());
        keys.forEach((key, type) -> {
            if (SCOPE.containsKey(key) || indexMetadataKeys) {
                create(collection, key, type, known);
            }
        });
    }

    /** Forgets what was created in {@code collection} (dropped, or recreated by another process). */
    void forget(String collection) {
        created.remove(collection);
    }

    private void create(String collection, String key, PayloadSchemaType type, Set<String> known) {
        if (known.contains(key)) {
            return;
        }
        rpc.call("create payload index " + key + " in " + collection,
                timeout -> client.createPayloadIndexAsync(collection, key, type, params(key, type), true, null, timeout));
        known.add(key);
    }

    private static PayloadIndexParams params(String key, PayloadSchemaType type) {
        PayloadIndexParams.Builder params = PayloadIndexParams.newBuilder();
        if (PointPayload.TENANT.equals(key)) {
            return params.setKeywordIndexParams(KeywordIndexParams.newBuilder().setIsTenant(true)).build();
        }
        if (PointPayload.PARTITION.equals(key)) {
            return params.setKeywordIndexParams(KeywordIndexParams.newBuilder()).build();
        }
        return switch (type) {
            case Keyword -> params.setKeywordIndexParams(KeywordIndexParams.newBuilder().setEnableHnsw(false)).build();
            case Integer -> params.setIntegerIndexParams(IntegerIndexParams.newBuilder().setLookup(false).setRange(true).setEnableHnsw(false)).build();
            case Float -> params.setFloatIndexParams(FloatIndexParams.newBuilder().setEnableHnsw(false)).build();
            case Bool -> params.setBoolIndexParams(BoolIndexParams.newBuilder().setEnableHnsw(false)).build();
            default -> throw new IllegalArgumentException("no index parameters for " + type);
        };
    }
}
