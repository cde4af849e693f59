package dev.partitiongateway.adapter.qdrant;

import static io.qdrant.client.ConditionFactory.matchKeyword;

import com.google.common.util.concurrent.ListenableFuture;
import dev.partitiongateway.spi.BackendException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.BoolIndexParams;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.FloatIndexParams;
import io.qdrant.client.grpc.Collections.IntegerIndexParams;
import io.qdrant.client.grpc.Collections.KeywordIndexParams;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The payload indexes of the gateway's Qdrant collections.
 *
 * <p>Every collection gets, when it is created, keyword indexes on {@code tenant} (with
 * {@code is_tenant}, so Qdrant keeps each tenant's points together) and {@code partition}, a keyword
 * index on the metadata path list {@code m_keys} and an integer range index on {@code timestamp}: the
 * keys of every scope, {@code $exists} and time filter.
 *
 * <p>A metadata key gets an index when a filter uses it and some record of the collection holds it,
 * with the schema of its typed copy ({@code m_str} keyword, {@code m_num} float, {@code m_bool} bool);
 * without one, Qdrant Cloud's strict mode refuses the filter. Filters are tenant input and a
 * collection's indexes are shared by all its tenants, so a key no record holds never gets one: its
 * conditions are rewritten to what Qdrant would answer for it anyway, no match (see
 * {@link QdrantFilterMapper.Translation#without}), which strict mode accepts. Whether any record holds
 * a key is one lookup on the indexed {@code m_keys} list, made only for keys not yet indexed. And a
 * collection gets at most {@code max-metadata-indexes} of them: beyond that no index is created, a node
 * without strict mode filters unindexed, and strict mode's refusal reaches the caller as
 * {@link BackendException.CapacityExceeded} naming the limit.
 *
 * <p>Creation waits until the index exists, so the first filter on a key in a large collection takes as
 * long as building it. This process remembers which keys have an index, per collection (made here or
 * seen in the collection's schema). Metadata indexes are built without HNSW links
 * ({@code enable_hnsw=false}): they serve filtering, and per-value graphs for every metadata value would
 * multiply indexing work.
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

    private static final Logger LOG = Logger.getLogger(PayloadIndexes.class);
    private static final Pattern UNINDEXED_KEY = Pattern.compile(Pattern.quote(QdrantFailures.UNINDEXED_KEY) + " for \"([^\"]+)\"");

    private final QdrantClient client;
    private final QdrantRpc rpc;
    private final boolean indexMetadataKeys;
    private final int maxMetadataIndexes;
    /** Keys known to have an index, per collection. Its set is also the lock for creating metadata indexes there. */
    private final ConcurrentMap<String, Set<String>> indexed = new ConcurrentHashMap<>();
    /** Keys held by records but left without an index because of the limit, per collection. */
    private final ConcurrentMap<String, Set<String>> leftUnindexed = new ConcurrentHashMap<>();

    PayloadIndexes(QdrantClient client, QdrantRpc rpc, boolean indexMetadataKeys, int maxMetadataIndexes) {
        this.client = client;
        this.rpc = rpc;
        this.indexMetadataKeys = indexMetadataKeys;
        this.maxMetadataIndexes = maxMetadataIndexes;
    }

    /** Creates the scope indexes that {@code existing} (the collection's payload schema) lacks. */
    void ensureScope(String collection, Set<String> existing) {
        Set<String> known = known(collection);
        known.addAll(existing);
        SCOPE.forEach((key, type) -> create(collection, key, type, known));
    }

    /** Forgets what this process knows of {@code collection}'s indexes, then reads them again and makes the scope ones it lacks. */
    void reload(String collection) {
        forget(collection);
        CollectionInfo info = rpc.call("describe collection " + collection, timeout -> client.getCollectionInfoAsync(collection, timeout));
        ensureScope(collection, info.getPayloadSchemaMap().keySet());
    }

    /**
     * The condition to send for {@code filter} in {@code collection}, after creating the indexes it needs:
     * scope keys always, metadata keys (when configured to) only if some record holds them and the limit
     * allows. Conditions on fields no record holds are rewritten to match nothing.
     */
    Condition prepare(String collection, QdrantFilterMapper.Translation filter) {
        Set<String> known = known(collection);
        Map<String, PayloadSchemaType> missing = new LinkedHashMap<>();
        filter.indexes().forEach((key, type) -> {
            if (SCOPE.containsKey(key)) {
                create(collection, key, type, known);
            } else if (!known.contains(key)) {
                missing.put(key, type);
            }
        });
        if (missing.isEmpty() || !indexMetadataKeys) {
            return filter.condition();
        }
        CollectionInfo info = rpc.call("describe collection " + collection, timeout -> client.getCollectionInfoAsync(collection, timeout));
        known.addAll(info.getPayloadSchemaMap().keySet());
        missing.keySet().removeIf(known::contains);
        if (missing.isEmpty()) {
            return filter.condition();
        }
        Set<String> fields = new LinkedHashSet<>();
        missing.keySet().forEach(key -> fields.add(filter.fields().get(key)));
        Set<String> absent = heldByNoRecord(collection, fields);
        synchronized (known) {
            long metadataIndexes = known.stream().filter(key -> !SCOPE.containsKey(key)).count();
            for (Map.Entry<String, PayloadSchemaType> key : missing.entrySet()) {
                if (absent.contains(filter.fields().get(key.getKey())) || known.contains(key.getKey())) {
                    continue;
                }
                if (metadataIndexes >= maxMetadataIndexes) {
                    if (leftUnindexed.computeIfAbsent(collection, c -> ConcurrentHashMap.newKeySet()).add(key.getKey())) {
                        LOG.warnf("Qdrant collection %s has %d metadata payload indexes, gateway.qdrant.max-metadata-indexes: %s is not indexed."
                                + " Filters on it fail in strict mode (Qdrant Cloud) until the limit is raised", collection, metadataIndexes, key.getKey());
                    }
                    continue;
                }
                create(collection, key.getKey(), key.getValue(), known);
                metadataIndexes++;
            }
        }
        return absent.isEmpty() ? filter.condition() : filter.without(absent).condition();
    }

    /**
     * What strict mode's refusal of a filter in {@code collections} means: when it names a key this
     * process left unindexed because of the limit, an operator limit ({@code CapacityExceeded}) rather
     * than a bad request; otherwise {@code refusal} itself.
     */
    BackendException explain(Collection<String> collections, BackendException.Rejected refusal) {
        Matcher key = UNINDEXED_KEY.matcher(refusal.getMessage() == null ? "" : refusal.getMessage());
        if (!key.find()) {
            return refusal;
        }
        for (String collection : collections) {
            if (leftUnindexed.getOrDefault(collection, Set.of()).contains(key.group(1))) {
                return new BackendException.CapacityExceeded("filtering on " + key.group(1) + " needs a payload index in Qdrant collection "
                        + collection + " (strict mode), and the gateway creates at most " + maxMetadataIndexes + " metadata indexes per"
                        + " collection (gateway.qdrant.max-metadata-indexes). Raise the limit, or delete metadata indexes no longer"
                        + " filtered on from the collection", refusal);
            }
        }
        return refusal;
    }

    /** Forgets what was created in {@code collection} (dropped, or recreated by another process). */
    void forget(String collection) {
        indexed.remove(collection);
        leftUnindexed.remove(collection);
    }

    /** The fields among {@code fields} that no point of the collection has, whatever its tenant: one lookup each on {@code m_keys}. */
    private Set<String> heldByNoRecord(String collection, Set<String> fields) {
        List<String> asked = List.copyOf(fields);
        List<Function<Duration, ListenableFuture<ScrollResponse>>> lookups = new ArrayList<>();
        for (String field : asked) {
            ScrollPoints anyHolder = ScrollPoints.newBuilder().setCollectionName(collection)
                    .setFilter(Filter.newBuilder().addMust(matchKeyword(PointPayload.KEYS, field)))
                    .setLimit(1)
                    .setWithPayload(WithPayloadSelectorFactory.enable(false))
                    .setWithVectors(WithVectorsSelectorFactory.enable(false))
                    .build();
            lookups.add(timeout -> client.scrollAsync(anyHolder, timeout));
        }
        List<ScrollResponse> answers = rpc.callAll("look up metadata keys in " + collection, lookups);
        Set<String> absent = new LinkedHashSet<>();
        for (int i = 0; i < asked.size(); i++) {
            if (answers.get(i).getResultCount() == 0) {
                absent.add(asked.get(i));
            }
        }
        return absent;
    }

    private Set<String> known(String collection) {
        return indexed.computeIfAbsent(collection, c -> ConcurrentHashMap.newKeySet());
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
