package dev.partitiongateway.adapter.qdrant;

import static io.qdrant.client.ConditionFactory.filter;
import static io.qdrant.client.ConditionFactory.hasId;
import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.matchKeywords;

import dev.partitiongateway.adapter.qdrant.PlacementRegistry.Layout;
import dev.partitiongateway.adapter.qdrant.QdrantOptions.PartitionMode;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.BackendHealth;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.VectorsFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Collections.DeleteCollection;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Points.CountPoints;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.GetPoints;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsSelector;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ReadConsistency;
import io.qdrant.client.grpc.Points.ReadConsistencyType;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.SearchParams;
import io.qdrant.client.grpc.Points.UpdateResult;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.qdrant.client.grpc.Points.WithPayloadSelector;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import io.qdrant.client.grpc.JsonWithInt.Value;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import com.google.common.util.concurrent.ListenableFuture;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * The gateway on Qdrant, through the official Java client over gRPC.
 *
 * <h2>Layout</h2>
 * A gateway collection is a Qdrant collection with one unnamed vector (Cosine, Euclid or Dot). A
 * placement is, by default ({@code partition-mode=payload}), the value of the {@code partition} payload
 * field of its points in that collection; with {@code partition-mode=collection} each dedicated placement
 * gets a collection of its own ({@link CollectionNames}), and shared placements stay payload values.
 * Every point carries its tenant, and every read, count, scan and delete is restricted to the
 * placement's partition and tenant, which this class adds to whatever filter the caller gave. Which
 * placements exist, and where, is kept in {@link PlacementRegistry}. The payload is described on
 * {@link PointPayload}, the filter translation on {@link QdrantFilterMapper}, the indexes on
 * {@link PayloadIndexes}, the failure mapping on {@link QdrantFailures}.
 *
 * <h2>Guarantees</h2>
 * Writes are sent with {@code wait=true}, so an acknowledged upsert or delete is visible to the next
 * read. Qdrant's delete reports no count, so a delete first counts what the same filter matches.
 * Scores: Cosine and Dot as Qdrant reports them; Euclid is the distance d, turned into 1/(1+d²).
 */
public final class QdrantBackend implements VectorBackend {

    public static final String KIND = "qdrant";
    private static final Logger LOG = Logger.getLogger(QdrantBackend.class);
    static final int MAX_ID_LENGTH = 512;
    /** Requests stay well below Qdrant's default 32 MB limit on a gRPC message. */
    private static final long MAX_REQUEST_BYTES = 16L << 20;
    /** The client's default of 4 MiB is too small for a page of large vectors with metadata. */
    private static final int MAX_INBOUND_BYTES = 256 << 20;

    private final QdrantOptions options;
    private final QdrantClient client;
    private final QdrantRpc rpc;
    private final CollectionNames names;
    private final PlacementRegistry registry;
    private final PayloadIndexes indexes;
    private final Capabilities capabilities;
    private final ReadConsistency readConsistency;

    public QdrantBackend(QdrantOptions options) {
        this.options = options;
        ChannelCredentials credentials = options.tls() ? TlsChannelCredentials.create() : InsecureChannelCredentials.create();
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(options.host(), options.port(), credentials)
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                .userAgent("partition-gateway")
                .build();
        // No compatibility check: it is a blocking call without a deadline, at construction.
        QdrantGrpcClient.Builder grpc = QdrantGrpcClient.newBuilder(channel, true, false);
        if (options.apiKey() != null) {
            grpc.withApiKey(options.apiKey());
        }
        this.client = new QdrantClient(grpc.build());
        this.rpc = new QdrantRpc(options.timeout(), options.maxRetries(), options.retryBackoff());
        this.names = new CollectionNames(options.collectionPrefix());
        this.registry = new PlacementRegistry(client, rpc, names, options.registryCollection(), options.placementCacheTtl());
        this.indexes = new PayloadIndexes(client, rpc, options.indexFilteredKeys(), options.maxMetadataIndexes());
        this.capabilities = new Capabilities(true, options.maxBatchSize(), EnumSet.allOf(FilterOperator.class),
                options.partitionMode() == PartitionMode.COLLECTION, Consistency.STRONG, MAX_ID_LENGTH, false);
        this.readConsistency = options.readConsistency() == null ? null : ReadConsistency.newBuilder()
                .setType(ReadConsistencyType.valueOf(options.readConsistency().substring(0, 1).toUpperCase(Locale.ROOT)
                        + options.readConsistency().substring(1).toLowerCase(Locale.ROOT))).build();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    // ================================================================ structure

    @Override
    public void ensureCollection(CollectionSpec spec) {
        registry.ensureExists();
        ensureQdrantCollection(names.base(spec.name()), spec, collectionMark(spec.name()));
    }

    /**
     * Creates the Qdrant collection, marked as the gateway's, with its scope indexes; or checks that the
     * existing one carries exactly that mark and has the same shape. A collection without the mark is
     * never taken over, however well its name and shape fit.
     */
    private void ensureQdrantCollection(String name, CollectionSpec spec, OwnerMark mark) {
        Optional<CollectionInfo> existing = describe(name);
        boolean createdHere = false;
        if (existing.isEmpty()) {
            requireRoomForOneMore(name);
            CreateCollection create = CreateCollection.newBuilder().setCollectionName(name)
                    .setVectorsConfig(VectorsConfig.newBuilder().setParams(VectorParams.newBuilder()
                            .setSize(spec.dimension()).setDistance(distance(spec.metric()))))
                    .setHnswConfig(hnsw())
                    .putAllMetadata(mark.metadata())
                    .build();
            try {
                rpc.call("create collection " + name, timeout -> client.createCollectionAsync(create, timeout));
                createdHere = true;
            } catch (BackendException.Rejected e) {
                if (QdrantFailures.code(e.getCause()) != Status.Code.ALREADY_EXISTS) {
                    throw e;
                }
            }
            existing = describe(name);
            if (existing.isEmpty()) {
                throw new BackendException.Unavailable("collection " + name + " vanished right after it was created", null);
            }
        }
        requireMarked(name, existing.get(), mark, createdHere);
        VectorParams params = existing.get().getConfig().getParams().getVectorsConfig().getParams();
        if (params.getSize() != spec.dimension() || params.getDistance() != distance(spec.metric())) {
            throw new BackendException.Rejected("Qdrant collection " + name + " exists with dimension " + params.getSize() + " and distance "
                    + params.getDistance() + ", not dimension " + spec.dimension() + " and " + spec.metric());
        }
        indexes.ensureScope(name, existing.get().getPayloadSchemaMap().keySet());
    }

    private void requireMarked(String name, CollectionInfo info, OwnerMark mark, boolean createdHere) {
        if (OwnerMark.of(info).filter(mark::equals).isPresent()) {
            return;
        }
        if (createdHere && !info.getConfig().containsMetadata(OwnerMark.KEY)) {
            // Qdrant before 1.15.4 drops the metadata field of the request without a word.
            deleteCollection(name);
            throw new BackendException.Rejected("Qdrant at " + options.host() + ":" + options.port() + " did not keep the metadata that"
                    + " collection " + name + " was created with, so the gateway could not mark it as its own (and has deleted it again):"
                    + " the Qdrant backend needs Qdrant 1.15.4 or later");
        }
        throw new BackendException.Rejected("Qdrant collection " + name + " exists and carries " + OwnerMark.describe(info) + ", not "
                + mark + ": the gateway only uses collections it created itself. Give the gateway collection another name, or set"
                + " gateway.qdrant.collection-prefix so that the gateway's collections get names of their own");
    }

    private OwnerMark collectionMark(String collection) {
        return OwnerMark.ofCollection(options.collectionPrefix(), collection);
    }

    private OwnerMark placementMark(String collection, String placement) {
        return OwnerMark.ofPlacement(options.collectionPrefix(), collection, placement);
    }

    private HnswConfigDiff hnsw() {
        HnswConfigDiff.Builder hnsw = HnswConfigDiff.newBuilder().setM(options.hnswM()).setEfConstruct(options.hnswEfConstruct());
        if (options.hnswPayloadM() != null) {
            hnsw.setPayloadM(options.hnswPayloadM());
        }
        return hnsw.build();
    }

    private void requireRoomForOneMore(String name) {
        List<String> all = rpc.call("list collections", timeout -> client.listCollectionsAsync(timeout));
        if (all.size() >= options.maxCollections()) {
            throw new BackendException.CapacityExceeded("cannot create Qdrant collection " + name + ": the cluster holds " + all.size()
                    + " collections and gateway.qdrant.max-collections is " + options.maxCollections()
                    + " (Qdrant Cloud allows 1,000 per cluster). Drop unused collections, use gateway.qdrant.partition-mode=payload"
                    + " (dedicated placements then need no collection of their own), or raise the limit if the cluster allows more.");
        }
    }

    private Optional<CollectionInfo> describe(String name) {
        try {
            return Optional.of(rpc.call("describe collection " + name, timeout -> client.getCollectionInfoAsync(name, timeout)));
        } catch (BackendException.NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        String base = names.base(spec.name());
        List<String> all = rpc.call("list collections", timeout -> client.listCollectionsAsync(timeout));
        boolean baseIsOurs = true;
        // Records first, registry second: a crash in between leaves placements that exist and are empty, never hidden records.
        for (String name : all) {
            if (name.equals(base)) {
                baseIsOurs = deleteIfMarked(name, collectionMark(spec.name())::equals);
            } else if (names.isPlacementOf(name, spec.name())) {
                // The name only makes it a candidate: another application's "docs-archive" looks like a placement of "docs".
                deleteIfMarked(name, mark -> mark.role() == OwnerMark.Role.PLACEMENT
                        && mark.equals(placementMark(spec.name(), mark.placement()))
                        && names.dedicated(spec.name(), mark.placement()).equals(name));
            }
        }
        // Registrations are keyed by the Qdrant name: if that collection is someone else's, so are they.
        if (baseIsOurs) {
            registry.unregisterCollection(spec.name());
        }
    }

    /** Deletes the collection if it carries a mark {@code ours} accepts; true when it is gone, false when it was left as not ours. */
    private boolean deleteIfMarked(String name, Predicate<OwnerMark> ours) {
        Optional<CollectionInfo> info = describe(name);
        if (info.isEmpty()) {
            return true;
        }
        if (OwnerMark.of(info.get()).filter(ours).isEmpty()) {
            LOG.warnf("Not deleting Qdrant collection %s: it carries %s, so the gateway did not create it", name, OwnerMark.describe(info.get()));
            return false;
        }
        deleteCollection(name);
        return true;
    }

    private void deleteCollection(String name) {
        // The raw stub: QdrantClient turns Qdrant's result=false for a missing collection into an exception.
        rpc.call("delete collection " + name, timeout -> client.grpcClient().collections()
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .delete(DeleteCollection.newBuilder().setCollectionName(name).build()));
        indexes.forget(name);
    }

    @Override
    public void ensurePartition(Placement placement) {
        String collection = placement.collection().name();
        Optional<PlacementRegistry.Registration> registered = registry.registration(collection, placement.name());
        if (registered.isPresent() && !registered.get().dropping()) {
            return;
        }
        Optional<CollectionInfo> base = describe(names.base(collection));
        if (base.isEmpty()) {
            throw new BackendException.NotFound("collection " + collection + " does not exist on Qdrant; ensure it first");
        }
        requireMarked(names.base(collection), base.get(), collectionMark(collection), false);
        if (registered.isPresent()) {
            // A drop was interrupted after its tombstone: finish deleting, so that nothing of the old placement comes back.
            deleteRecords(placement, registered.get().layout());
        }
        Layout layout = options.partitionMode() == PartitionMode.COLLECTION && !placement.shared() ? Layout.COLLECTION : Layout.PAYLOAD;
        if (layout == Layout.COLLECTION) {
            ensureQdrantCollection(names.dedicated(collection, placement.name()), placement.collection(), placementMark(collection, placement.name()));
        }
        registry.register(collection, placement.name(), layout, placement.shared());
    }

    /**
     * Tombstone, records, registration, in that order: once the tombstone is written every write finds
     * the placement gone, so no write that asks the registry during the deletion can land after it.
     */
    @Override
    public void dropPartition(Placement placement) {
        String collection = placement.collection().name();
        Optional<PlacementRegistry.Registration> registered = registry.registration(collection, placement.name());
        if (registered.isPresent() && !registered.get().dropping()) {
            registry.markDropping(collection, placement.name(), registered.get());
        }
        deleteRecords(placement, registered.map(PlacementRegistry.Registration::layout).orElse(null));
        registry.unregister(collection, placement.name());
    }

    /** Deletes every record of the placement, for all tenants. {@code registered}: where the registry says they live, if it says. */
    private void deleteRecords(Placement placement, Layout registered) {
        String collection = placement.collection().name();
        // Both places, whatever the registry says: the drop also clears what a change of partition-mode left behind.
        Filter everyTenant = Filter.newBuilder().addMust(matchKeyword(PointPayload.PARTITION, placement.name())).build();
        try {
            delete(names.base(collection), everyTenant);
        } catch (BackendException.NotFound baseMissing) {
            // nothing to delete
        }
        if (options.partitionMode() == PartitionMode.COLLECTION || registered == Layout.COLLECTION) {
            deleteIfMarked(names.dedicated(collection, placement.name()), placementMark(collection, placement.name())::equals);
        }
    }

    // ================================================================ data

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        CollectionSpec spec = placement.collection();
        boolean keepValues = spec.metric() == Metric.COSINE;
        List<PointStruct> points = new ArrayList<>(records.size());
        Set<String> ids = new HashSet<>();
        for (VectorRecord record : records) {
            if (record.id().isEmpty() || record.id().length() > MAX_ID_LENGTH) {
                throw new BackendException.Rejected("ids are 1 to " + MAX_ID_LENGTH + " characters; got " + record.id().length());
            }
            if (!ids.add(record.id())) {
                throw new BackendException.Rejected("id " + record.id() + " appears twice in one upsert");
            }
            requireUsableVector(spec, record.values(), "vector of " + record.id());
            points.add(PointStruct.newBuilder()
                    .setId(PointIdFactory.id(PointIds.of(spec.name(), placement.name(), placement.tenant(), record.id())))
                    .setVectors(VectorsFactory.vectors(record.values()))
                    .putAllPayload(PointPayload.of(placement.tenant(), placement.name(), record, keepValues))
                    .build());
        }
        String collection = locate(placement, true);
        for (List<PointStruct> batch : bySize(points)) {
            UpsertPoints upsert = UpsertPoints.newBuilder().setCollectionName(collection).setWait(true).addAllPoints(batch).build();
            requireApplied(rpc.call("upsert into " + collection, timeout -> client.upsertAsync(upsert, timeout)), "upsert");
        }
    }

    private static List<List<PointStruct>> bySize(List<PointStruct> points) {
        List<List<PointStruct>> batches = new ArrayList<>();
        List<PointStruct> batch = new ArrayList<>();
        long bytes = 0;
        for (PointStruct point : points) {
            long size = point.getSerializedSize() + 8L;
            if (!batch.isEmpty() && bytes + size > MAX_REQUEST_BYTES) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(point);
            bytes += size;
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    private static void requireApplied(UpdateResult result, String what) {
        if (result.getStatus() != UpdateStatus.Completed) {
            throw new BackendException.Timeout(what + ": Qdrant answered " + result.getStatus() + " instead of Completed; the change may or may"
                    + " not have been applied", null);
        }
    }

    @Override
    public List<Match> search(List<Placement> placements, SearchQuery query) {
        if (placements.isEmpty()) {
            return List.of();
        }
        CollectionSpec spec = Placement.commonCollection(placements);
        requireUsableVector(spec, query.vector(), "query vector");
        QdrantFilterMapper.Translation userFilter = query.filter() == null ? null : QdrantFilterMapper.translate(query.filter());
        Map<String, List<Placement>> byCollection = new LinkedHashMap<>();
        Map<String, Layout> layouts = registry.findAll(spec.name(), placements.stream().map(Placement::name).distinct().toList(), false);
        for (Placement placement : placements) {
            Layout layout = layouts.get(placement.name());
            if (layout == null) {
                throw notEnsured(placement);
            }
            byCollection.computeIfAbsent(qdrantCollection(placement, layout), c -> new ArrayList<>()).add(placement);
        }
        boolean cosine = spec.metric() == Metric.COSINE;
        List<String> fields = new ArrayList<>(List.of(PointPayload.ID, PointPayload.PARTITION));
        if (query.includeMetadata()) {
            fields.add(PointPayload.METADATA);
        }
        if (query.includeValues() && cosine) {
            fields.add(PointPayload.VALUES);
        }
        List<String> collections = List.copyOf(byCollection.keySet());
        List<List<ScoredPoint>> answers = filtered(collections, userFilter, conditions -> {
            List<Function<Duration, ListenableFuture<List<ScoredPoint>>>> calls = new ArrayList<>();
            for (Map.Entry<String, List<Placement>> group : byCollection.entrySet()) {
                String collection = group.getKey();
                QueryPoints.Builder request = QueryPoints.newBuilder().setCollectionName(collection)
                        .setQuery(QueryFactory.nearest(query.vector()))
                        .setFilter(scoped(group.getValue(), conditions.get(collection)))
                        .setLimit(query.topK())
                        .setWithPayload(WithPayloadSelectorFactory.include(fields))
                        .setWithVectors(WithVectorsSelectorFactory.enable(query.includeValues() && !cosine));
                if (options.searchHnswEf() != null) {
                    request.setParams(SearchParams.newBuilder().setHnswEf(options.searchHnswEf()));
                }
                if (readConsistency != null) {
                    request.setReadConsistency(readConsistency);
                }
                QueryPoints built = request.build();
                calls.add(timeout -> client.queryAsync(built, timeout));
            }
            return rpc.callAll("search " + spec.name(), calls);
        });
        List<Match> matches = new ArrayList<>();
        for (List<ScoredPoint> answer : answers) {
            for (ScoredPoint point : answer) {
                Map<String, Value> payload = point.getPayloadMap();
                float[] values = null;
                if (query.includeValues()) {
                    values = cosine ? PointPayload.decode(payload.get(PointPayload.VALUES).getStringValue())
                            : PointPayload.fromVectors(point.hasVectors() ? point.getVectors() : null);
                }
                matches.add(new Match(payload.get(PointPayload.ID).getStringValue(), payload.get(PointPayload.PARTITION).getStringValue(),
                        score(spec.metric(), point.getScore()), point.getScore(), values,
                        query.includeMetadata() ? PointPayload.metadata(payload) : Map.of()));
            }
        }
        matches.sort(Comparator.comparingDouble((Match m) -> m.score()).reversed());
        return matches.size() > query.topK() ? List.copyOf(matches.subList(0, query.topK())) : matches;
    }

    /** The SPI's score from Qdrant's: Euclid reports the distance itself (with the square root). */
    static float score(Metric metric, float qdrantScore) {
        return metric == Metric.L2 ? Metric.l2Score(qdrantScore * qdrantScore) : qdrantScore;
    }

    @Override
    public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
        String collection = locate(placement, false);
        if (ids.isEmpty()) {
            return List.of();
        }
        Set<String> wanted = new LinkedHashSet<>(ids);
        List<PointId> pointIds = wanted.stream().map(id -> PointIdFactory.id(pointId(placement, id))).toList();
        boolean cosine = placement.collection().metric() == Metric.COSINE;
        GetPoints.Builder get = GetPoints.newBuilder().setCollectionName(collection).addAllIds(pointIds)
                .setWithPayload(recordFields(true, cosine))
                .setWithVectors(WithVectorsSelectorFactory.enable(!cosine));
        if (readConsistency != null) {
            get.setReadConsistency(readConsistency);
        }
        GetPoints request = get.build();
        List<RetrievedPoint> points = rpc.call("fetch from " + collection, timeout -> client.retrieveAsync(request, timeout));
        List<VectorRecord> records = new ArrayList<>();
        for (RetrievedPoint point : points) {
            // The id names the placement and tenant already; checking the payload too costs nothing.
            if (belongsTo(point.getPayloadMap(), placement) && wanted.contains(point.getPayloadMap().get(PointPayload.ID).getStringValue())) {
                records.add(PointPayload.record(point.getPayloadMap(), point.hasVectors() ? point.getVectors() : null, true));
            }
        }
        return records;
    }

    @Override
    public long delete(Placement placement, Collection<String> ids) {
        String collection = locate(placement, false);
        if (ids.isEmpty()) {
            return 0;
        }
        List<PointId> pointIds = new LinkedHashSet<>(ids).stream().map(id -> PointIdFactory.id(pointId(placement, id))).toList();
        Filter filter = Filter.newBuilder().addMust(scope(placement.tenant(), List.of(placement.name()))).addMust(hasId(pointIds)).build();
        long existing = count(collection, filter);
        if (existing > 0) {
            delete(collection, filter);
        }
        return existing;
    }

    @Override
    public long deleteByFilter(Placement placement, dev.partitiongateway.spi.filter.Filter filter) {
        String collection = locate(placement, false);
        QdrantFilterMapper.Translation translation = filter == null ? null : QdrantFilterMapper.translate(filter);
        return filtered(List.of(collection), translation, conditions -> {
            Filter scoped = scoped(List.of(placement), conditions.get(collection));
            long matching = count(collection, scoped);
            if (matching > 0) {
                delete(collection, scoped);
            }
            return matching;
        });
    }

    @Override
    public long count(Placement placement, dev.partitiongateway.spi.filter.Filter filter) {
        String collection = locate(placement, false);
        QdrantFilterMapper.Translation translation = filter == null ? null : QdrantFilterMapper.translate(filter);
        return filtered(List.of(collection), translation, conditions -> count(collection, scoped(List.of(placement), conditions.get(collection))));
    }

    @Override
    public RecordCursor scan(Placement placement, ScanRequest request) {
        String collection = locate(placement, false);
        QdrantFilterMapper.Translation translation = request.filter() == null ? null : QdrantFilterMapper.translate(request.filter());
        boolean cosine = placement.collection().metric() == Metric.COSINE;
        ScrollPoints.Builder first = ScrollPoints.newBuilder().setCollectionName(collection)
                .setLimit(request.batchSize())
                .setWithPayload(recordFields(request.includeValues(), cosine))
                .setWithVectors(WithVectorsSelectorFactory.enable(request.includeValues() && !cosine));
        if (readConsistency != null) {
            first.setReadConsistency(readConsistency);
        }
        // Prepared once, not per page: a key that no record held when the scan began stays a non-match for the whole scan.
        Map<String, Condition> conditions = new HashMap<>(filtered(List.of(collection), translation, prepared -> prepared));
        return new QdrantRecordCursor(first.build(),
                page -> filtered(List.of(collection), translation, conditions, current -> {
                    conditions.putAll(current);
                    ScrollPoints filteredPage = page.toBuilder().setFilter(scoped(List.of(placement), current.get(collection))).build();
                    return rpc.call("scan " + collection, timeout -> client.scrollAsync(filteredPage, timeout));
                }),
                points -> points.stream()
                        .filter(p -> belongsTo(p.getPayloadMap(), placement))
                        .map(p -> PointPayload.record(p.getPayloadMap(), p.hasVectors() ? p.getVectors() : null, request.includeValues()))
                        .toList());
    }

    @Override
    public BackendHealth health() {
        try {
            HealthCheckReply reply = rpc.callOnce("health check", timeout -> client.healthCheckAsync(timeout));
            // Qdrant answers its health check without a key: an authenticated read shows whether ours is accepted.
            rpc.callOnce("read check", timeout -> client.collectionExistsAsync(registry.collectionName(), timeout));
            return BackendHealth.up("Qdrant " + reply.getVersion() + " at " + options.host() + ":" + options.port()
                    + ", partition-mode " + options.partitionMode().name().toLowerCase(Locale.ROOT));
        } catch (BackendException e) {
            return BackendHealth.down("Qdrant at " + options.host() + ":" + options.port() + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        client.close();
    }

    // ================================================================ helpers

    /** The Qdrant collection holding the placement's records; NotFound when it was never ensured or was dropped. */
    private String locate(Placement placement, boolean fresh) {
        Layout layout = registry.find(placement.collection().name(), placement.name(), fresh).orElseThrow(() -> notEnsured(placement));
        return qdrantCollection(placement, layout);
    }

    private String qdrantCollection(Placement placement, Layout layout) {
        String collection = placement.collection().name();
        return layout == Layout.COLLECTION ? names.dedicated(collection, placement.name()) : names.base(collection);
    }

    private static BackendException.NotFound notEnsured(Placement placement) {
        return new BackendException.NotFound("placement " + placement.name() + " of collection " + placement.collection().name()
                + " does not exist on Qdrant (never ensured, or dropped)");
    }

    private static java.util.UUID pointId(Placement placement, String id) {
        return PointIds.of(placement.collection().name(), placement.name(), placement.tenant(), id);
    }

    /** The placements' scope (their tenant and partition, both always) and the caller's condition ({@code null}: none). */
    private static Filter scoped(List<Placement> placements, Condition userCondition) {
        Map<String, List<String>> partitionsByTenant = new LinkedHashMap<>();
        for (Placement placement : placements) {
            List<String> partitions = partitionsByTenant.computeIfAbsent(placement.tenant(), t -> new ArrayList<>());
            if (!partitions.contains(placement.name())) {
                partitions.add(placement.name());
            }
        }
        Filter.Builder scoped = Filter.newBuilder();
        if (partitionsByTenant.size() == 1) {
            Map.Entry<String, List<String>> only = partitionsByTenant.entrySet().iterator().next();
            scoped.addMust(scope(only.getKey(), only.getValue()));
        } else {
            Filter.Builder anyTenant = Filter.newBuilder();
            partitionsByTenant.forEach((tenant, partitions) -> anyTenant.addShould(scope(tenant, partitions)));
            scoped.addMust(filter(anyTenant.build()));
        }
        if (userCondition != null) {
            scoped.addMust(userCondition);
        }
        return scoped.build();
    }

    private static Condition scope(String tenant, List<String> partitions) {
        if (tenant.isEmpty() || partitions.isEmpty()) {
            throw new IllegalStateException("a scope needs a tenant and a partition");
        }
        Condition partition = partitions.size() == 1
                ? matchKeyword(PointPayload.PARTITION, partitions.get(0))
                : matchKeywords(PointPayload.PARTITION, partitions);
        return filter(Filter.newBuilder().addMust(matchKeyword(PointPayload.TENANT, tenant)).addMust(partition).build());
    }

    private static boolean belongsTo(Map<String, Value> payload, Placement placement) {
        var tenant = payload.get(PointPayload.TENANT);
        var partition = payload.get(PointPayload.PARTITION);
        return tenant != null && partition != null && payload.containsKey(PointPayload.ID)
                && tenant.getStringValue().equals(placement.tenant()) && partition.getStringValue().equals(placement.name());
    }

    private static WithPayloadSelector recordFields(boolean withValues, boolean cosine) {
        List<String> fields = new ArrayList<>(List.of(PointPayload.ID, PointPayload.TENANT, PointPayload.PARTITION,
                PointPayload.TIMESTAMP, PointPayload.TIMESTAMP_NANOS, PointPayload.METADATA));
        if (withValues && cosine) {
            fields.add(PointPayload.VALUES);
        }
        return WithPayloadSelectorFactory.include(fields);
    }

    private long count(String collection, Filter filter) {
        CountPoints.Builder count = CountPoints.newBuilder().setCollectionName(collection).setFilter(filter).setExact(true);
        if (readConsistency != null) {
            count.setReadConsistency(readConsistency);
        }
        CountPoints request = count.build();
        return rpc.call("count in " + collection, timeout -> client.grpcClient().points()
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).count(request))
                .getResult().getCount();
    }

    private void delete(String collection, Filter filter) {
        DeletePoints delete = DeletePoints.newBuilder().setCollectionName(collection).setWait(true)
                .setPoints(PointsSelector.newBuilder().setFilter(filter)).build();
        requireApplied(rpc.call("delete from " + collection, timeout -> client.deleteAsync(delete, timeout)), "delete");
    }

    /** The caller's filter as each collection gets it (see {@link PayloadIndexes#prepare}); empty without a filter. */
    private Map<String, Condition> prepare(Collection<String> collections, QdrantFilterMapper.Translation filter) {
        Map<String, Condition> conditions = new HashMap<>();
        if (filter != null) {
            collections.forEach(collection -> conditions.put(collection, indexes.prepare(collection, filter)));
        }
        return conditions;
    }

    /** Prepares the filter for {@code collections}, then runs {@link #filtered(Collection, QdrantFilterMapper.Translation, Map, Function)}. */
    private <T> T filtered(Collection<String> collections, QdrantFilterMapper.Translation filter, Function<Map<String, Condition>, T> call) {
        return filtered(collections, filter, null, call);
    }

    /**
     * Runs a filtered call with the conditions per collection ({@code prepared}, or prepared now when
     * {@code null}). If strict mode refuses it for a missing index that this process believed existed
     * (another process dropped and recreated the collection), reads the indexes again, prepares again and
     * retries once. A refusal for a key left unindexed by {@code max-metadata-indexes} is an operator limit.
     */
    private <T> T filtered(Collection<String> collections, QdrantFilterMapper.Translation filter, Map<String, Condition> prepared,
                           Function<Map<String, Condition>, T> call) {
        try {
            return call.apply(prepared != null ? prepared : prepare(collections, filter));
        } catch (BackendException.Rejected e) {
            if (!unindexed(e)) {
                throw e;
            }
            BackendException explained = indexes.explain(collections, e);
            if (explained != e) {
                throw explained;
            }
            collections.forEach(indexes::reload);
            try {
                return call.apply(prepare(collections, filter));
            } catch (BackendException.Rejected again) {
                throw unindexed(again) ? indexes.explain(collections, again) : again;
            }
        }
    }

    private static boolean unindexed(BackendException.Rejected refusal) {
        return refusal.getMessage() != null && refusal.getMessage().contains(QdrantFailures.UNINDEXED_KEY);
    }

    private static void requireUsableVector(CollectionSpec spec, float[] values, String what) {
        if (values == null || values.length != spec.dimension()) {
            throw new BackendException.Rejected(what + " has " + (values == null ? 0 : values.length) + " values; collection "
                    + spec.name() + " has dimension " + spec.dimension());
        }
        boolean allZero = true;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new BackendException.Rejected(what + " has a value that is not a finite number at " + i);
            }
            allZero &= values[i] == 0f;
        }
        if (allZero && spec.metric() == Metric.COSINE) {
            throw new BackendException.Rejected(what + " is all zeros: cosine similarity is undefined for it");
        }
    }

    private static Distance distance(Metric metric) {
        return switch (metric) {
            case COSINE -> Distance.Cosine;
            case L2 -> Distance.Euclid;
            case DOT -> Distance.Dot;
        };
    }
}
