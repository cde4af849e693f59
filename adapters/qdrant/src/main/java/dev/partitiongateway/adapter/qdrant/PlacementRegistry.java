package dev.partitiongateway.adapter.qdrant;

import static io.qdrant.client.ConditionFactory.matchKeyword;

import dev.partitiongateway.spi.BackendException;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.VectorsFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.KeywordIndexParams;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.GetPoints;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsIdsList;
import io.qdrant.client.grpc.Points.PointsSelector;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Which placements exist, kept in Qdrant itself so that every gateway process sees the same answer.
 * Payload placements leave no trace of their own in Qdrant (an empty placement has no points), yet a
 * call on a placement that was never ensured, or was dropped, must fail with NotFound.
 *
 * <p>The registry is one small collection ({@code gateway.qdrant.registry-collection}) with a point per
 * (gateway collection, placement): its id derived from both, its payload the names and where the
 * placement's records live ({@code payload} or {@code collection}), so that a later change of
 * {@code partition-mode} never loses sight of existing placements. Its one-dimensional vectors are
 * never searched (HNSW off).
 *
 * <p>Gateways with different {@code collection-prefix} values may share a cluster, and so the registry:
 * a gateway collection is recorded under its Qdrant name (prefix included), never under its bare name,
 * so that one deployment's {@code docs} and another's are different keys. (Qdrant names are unique to
 * one deployment's collection because each carries its maker's {@link OwnerMark}.)
 *
 * <p>Reads trust this process's memory of a placement for {@code placement-cache-ttl}; writes and
 * structure changes always ask Qdrant. A placement another process dropped may therefore still be read
 * here until the memory expires (it is then empty); it is never written to.
 *
 * <p>A drop first marks the placement's point as {@code dropping} (a tombstone), then deletes the
 * records, then the point. From the tombstone on, the placement no longer exists for any call that
 * asks the registry (every write, and reads not served from memory), so a write during the deletion is
 * refused instead of leaving records in a placement about to be forgotten; and a drop that was
 * interrupted leaves a placement that is neither writable nor silently revived (ensuring it again
 * finishes the deletion first).
 */
final class PlacementRegistry {

    enum Layout {
        PAYLOAD, COLLECTION
    }

    private static final String COLLECTION = "collection";
    private static final String PLACEMENT = "placement";
    private static final String LAYOUT = "layout";
    private static final String SHARED = "shared";
    private static final String STATE = "state";
    private static final String ACTIVE = "active";
    private static final String DROPPING = "dropping";

    /** What the registry holds for one placement; {@code dropping} for a tombstone. */
    record Registration(Layout layout, boolean shared, boolean dropping) {
    }

    private record Key(String collection, String placement) {
    }

    private record Known(Layout layout, long expiresAtNanos) {
    }

    private final QdrantClient client;
    private final QdrantRpc rpc;
    private final CollectionNames names;
    private final String name;
    private final Duration cacheTtl;
    private final ConcurrentMap<Key, Known> known = new ConcurrentHashMap<>();
    private volatile boolean exists;

    PlacementRegistry(QdrantClient client, QdrantRpc rpc, CollectionNames names, String name, Duration cacheTtl) {
        this.client = client;
        this.rpc = rpc;
        this.names = names;
        this.name = name;
        this.cacheTtl = cacheTtl;
    }

    String collectionName() {
        return name;
    }

    /** Creates the registry collection if it is missing. */
    void ensureExists() {
        if (exists) {
            return;
        }
        boolean present = rpc.call("look up the placement registry", timeout -> client.collectionExistsAsync(name, timeout));
        if (!present) {
            CreateCollection create = CreateCollection.newBuilder().setCollectionName(name)
                    .setVectorsConfig(VectorsConfig.newBuilder().setParams(VectorParams.newBuilder().setSize(1).setDistance(Distance.Dot)))
                    .setHnswConfig(HnswConfigDiff.newBuilder().setM(0))
                    .build();
            try {
                rpc.call("create the placement registry " + name, timeout -> client.createCollectionAsync(create, timeout));
            } catch (BackendException.Rejected e) {
                if (QdrantFailures.code(e.getCause()) != Status.Code.ALREADY_EXISTS) {
                    throw e;
                }
            }
        }
        // The drop of a whole collection filters on it: strict mode wants it indexed.
        rpc.call("index the placement registry", timeout -> client.createPayloadIndexAsync(name, COLLECTION, PayloadSchemaType.Keyword,
                PayloadIndexParams.newBuilder().setKeywordIndexParams(KeywordIndexParams.newBuilder()).build(), true, null, timeout));
        exists = true;
    }

    /** Where the placement's records live, or empty when it is not registered. {@code fresh} bypasses this process's memory. */
    Optional<Layout> find(String collection, String placement, boolean fresh) {
        return Optional.ofNullable(findAll(collection, List.of(placement), fresh).get(placement));
    }

    /** The registered placements among {@code placements} of {@code collection}, by name. */
    Map<String, Layout> findAll(String collection, List<String> placements, boolean fresh) {
        Map<String, Layout> found = new HashMap<>();
        List<String> missing = new ArrayList<>();
        long now = System.nanoTime();
        for (String placement : placements) {
            Known memory = fresh ? null : known.get(new Key(collection, placement));
            if (memory != null && memory.expiresAtNanos() - now > 0) {
                found.put(placement, memory.layout());
            } else {
                missing.add(placement);
            }
        }
        if (missing.isEmpty()) {
            return found;
        }
        lookUp(collection, missing).forEach((placement, registration) -> {
            if (!registration.dropping()) {
                found.put(placement, registration.layout());
                remember(collection, placement, registration.layout());
            }
        });
        return found;
    }

    /** What the registry holds for the placement now, tombstones included. */
    Optional<Registration> registration(String collection, String placement) {
        return Optional.ofNullable(lookUp(collection, List.of(placement)).get(placement));
    }

    private Map<String, Registration> lookUp(String collection, List<String> placements) {
        String key = names.base(collection);
        Map<UUID, String> byId = new LinkedHashMap<>();
        placements.forEach(p -> byId.put(PointIds.ofPlacement(key, p), p));
        GetPoints get = GetPoints.newBuilder().setCollectionName(name)
                .addAllIds(byId.keySet().stream().map(PointIdFactory::id).toList())
                .setWithPayload(WithPayloadSelectorFactory.enable(true))
                .setWithVectors(WithVectorsSelectorFactory.enable(false))
                .build();
        List<RetrievedPoint> points;
        try {
            points = rpc.call("look up placements of " + collection, timeout -> client.retrieveAsync(get, timeout));
        } catch (BackendException.NotFound registryMissing) {
            return Map.of();
        }
        Map<String, Registration> found = new HashMap<>();
        for (RetrievedPoint point : points) {
            Map<String, Value> payload = point.getPayloadMap();
            Value placement = payload.get(PLACEMENT);
            Value collectionName = payload.get(COLLECTION);
            Value layout = payload.get(LAYOUT);
            if (placement == null || layout == null || collectionName == null || !key.equals(collectionName.getStringValue())) {
                continue;
            }
            Value state = payload.get(STATE);
            Value shared = payload.get(SHARED);
            found.put(placement.getStringValue(), new Registration(Layout.valueOf(layout.getStringValue()),
                    shared != null && shared.getBoolValue(), state != null && DROPPING.equals(state.getStringValue())));
        }
        return found;
    }

    void register(String collection, String placement, Layout layout, boolean shared) {
        write(collection, placement, new Registration(layout, shared, false));
        remember(collection, placement, layout);
    }

    /** Turns the placement's registration into a tombstone: from now on it does not exist for any call that asks the registry. */
    void markDropping(String collection, String placement, Registration registration) {
        known.remove(new Key(collection, placement));
        write(collection, placement, new Registration(registration.layout(), registration.shared(), true));
    }

    private void write(String collection, String placement, Registration registration) {
        ensureExists();
        PointStruct point = PointStruct.newBuilder()
                .setId(PointIdFactory.id(PointIds.ofPlacement(names.base(collection), placement)))
                .setVectors(VectorsFactory.vectors(1f))
                .putPayload(COLLECTION, PointPayload.text(names.base(collection)))
                .putPayload(PLACEMENT, PointPayload.text(placement))
                .putPayload(LAYOUT, PointPayload.text(registration.layout().name()))
                .putPayload(SHARED, Value.newBuilder().setBoolValue(registration.shared()).build())
                .putPayload(STATE, PointPayload.text(registration.dropping() ? DROPPING : ACTIVE))
                .build();
        UpsertPoints upsert = UpsertPoints.newBuilder().setCollectionName(name).setWait(true).addPoints(point).build();
        String what = (registration.dropping() ? "mark placement " + placement + " of " + collection + " as dropping"
                : "register placement " + placement + " of " + collection);
        try {
            rpc.call(what, timeout -> client.upsertAsync(upsert, timeout));
        } catch (BackendException.NotFound registryDropped) {
            exists = false;
            ensureExists();
            rpc.call(what, timeout -> client.upsertAsync(upsert, timeout));
        }
    }

    void unregister(String collection, String placement) {
        DeletePoints delete = DeletePoints.newBuilder().setCollectionName(name).setWait(true)
                .setPoints(PointsSelector.newBuilder().setPoints(PointsIdsList.newBuilder()
                        .addIds(PointIdFactory.id(PointIds.ofPlacement(names.base(collection), placement)))))
                .build();
        ignoringMissingRegistry(() -> rpc.call("unregister placement " + placement + " of " + collection,
                timeout -> client.deleteAsync(delete, timeout)));
        known.remove(new Key(collection, placement));
    }

    void unregisterCollection(String collection) {
        DeletePoints delete = DeletePoints.newBuilder().setCollectionName(name).setWait(true)
                .setPoints(PointsSelector.newBuilder().setFilter(Filter.newBuilder().addMust(matchKeyword(COLLECTION, names.base(collection)))))
                .build();
        ignoringMissingRegistry(() -> rpc.call("unregister the placements of " + collection, timeout -> client.deleteAsync(delete, timeout)));
        forget(collection);
    }

    /** Drops this process's memory of a collection's placements. */
    void forget(String collection) {
        known.keySet().removeIf(key -> key.collection().equals(collection));
    }

    private void remember(String collection, String placement, Layout layout) {
        known.put(new Key(collection, placement), new Known(layout, System.nanoTime() + cacheTtl.toNanos()));
    }

    private void ignoringMissingRegistry(Runnable call) {
        try {
            call.run();
        } catch (BackendException.NotFound registryMissing) {
            exists = false;
        }
    }
}
