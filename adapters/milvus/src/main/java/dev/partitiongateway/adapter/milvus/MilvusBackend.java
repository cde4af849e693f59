package dev.partitiongateway.adapter.milvus;

import com.google.gson.JsonObject;
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
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.client.RetryConfig;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.DescribeCollectionReq;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.GetLoadStateReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.collection.request.LoadCollectionReq;
import io.milvus.v2.service.collection.response.DescribeCollectionResp;
import io.milvus.v2.service.index.request.DescribeIndexReq;
import io.milvus.v2.service.index.response.DescribeIndexResp;
import io.milvus.v2.service.partition.request.CreatePartitionReq;
import io.milvus.v2.service.partition.request.DropPartitionReq;
import io.milvus.v2.service.partition.request.HasPartitionReq;
import io.milvus.v2.service.partition.request.ListPartitionsReq;
import io.milvus.v2.service.partition.request.LoadPartitionsReq;
import io.milvus.v2.service.partition.request.ReleasePartitionsReq;
import io.milvus.v2.service.utility.response.CheckHealthResp;
import io.milvus.v2.service.vector.request.DeleteReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.UpsertReq;
import io.milvus.v2.service.vector.request.data.FloatVec;
import io.milvus.v2.service.vector.response.QueryResp;
import io.milvus.v2.service.vector.response.SearchResp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The Milvus backend, through milvus-sdk-java's {@link MilvusClientV2} (gRPC).
 *
 * <h2>Layout</h2>
 * A gateway collection is a Milvus collection whose partitions are the dedicated placements, plus,
 * from the first shared bucket on, a second Milvus collection with the tenant as partition key that
 * holds every shared bucket (see {@link MilvusSchema}). On the partition-key collection no call names
 * a partition (Milvus refuses it): a bucket is the records whose {@code placement} field names it,
 * and its existence is a marker row. Every call restricts to the caller's tenant, in both layouts,
 * so a call that names another tenant sees and changes nothing of the owner's.
 *
 * <h2>Consistency</h2>
 * Every read runs at {@code gateway.milvus.consistency-level}, STRONG by default, so that a read
 * after an acknowledged write sees it from any gateway replica (see the README).
 *
 * <h2>Failures</h2>
 * Every RPC has the deadline {@code call-timeout}; the SDK retries only transient failures, at most
 * {@code retry.max-attempts} times within one {@code call-timeout}; everything that fails becomes a
 * {@link BackendException} (see {@link MilvusFailures}).
 */
public final class MilvusBackend implements VectorBackend {

    public static final String KIND = "milvus";

    static final int MAX_ID_LENGTH = 512;
    static final int MAX_BATCH_SIZE = 1000;
    static final int MAX_TOP_K = 16_384;
    private static final Pattern COLLECTION_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final int DEFAULT_SHARED_BUCKETS = 16;
    private static final Logger LOG = Logger.getLogger(MilvusBackend.class);

    private final MilvusOptions options;
    private final MilvusClientV2 client;
    private final ConsistencyLevel consistency;
    private final Capabilities capabilities;
    /**
     * Guards creating and dropping collections and partitions; data calls do not take it, and nobody
     * waits for Milvus to load data while holding it (a load can take minutes).
     */
    private final Object structure = new Object();
    /** Milvus collections checked to exist with this shape, by Milvus name. */
    private final Map<String, CollectionSpec> knownCollections = new ConcurrentHashMap<>();
    /** Shared buckets whose marker was seen, with when that stops being trusted (System.nanoTime). */
    private final Map<String, Long> knownSharedPlacements = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Where a call on one placement goes. {@code sharedPlacements} is null for a dedicated placement. */
    record Target(CollectionSpec spec, String collection, List<String> partitions, String tenant, List<String> sharedPlacements) {
    }

    public MilvusBackend(MilvusOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.consistency = ConsistencyLevel.valueOf(options.consistencyLevel());
        this.capabilities = new Capabilities(true, MAX_BATCH_SIZE, EnumSet.allOf(FilterOperator.class), false,
                consistency == ConsistencyLevel.STRONG ? Consistency.STRONG : Consistency.EVENTUAL, MAX_ID_LENGTH, false);
        ConnectConfig.ConnectConfigBuilder connect = ConnectConfig.builder()
                .uri(options.uri())
                .connectTimeoutMs(options.connectTimeout().toMillis())
                // The SDK's default is no deadline at all, with wait-for-ready stubs: a Milvus that is down would hang every call.
                .rpcDeadlineMs(options.callTimeout().toMillis());
        if (options.token() != null) {
            connect.token(options.token());
        }
        if (options.database() != null) {
            connect.dbName(options.database());
        }
        try {
            this.client = new MilvusClientV2(connect.build());
        } catch (RuntimeException e) {
            throw MilvusFailures.translate("connecting to Milvus at " + options.uri(), e);
        }
        // The SDK retries UNAVAILABLE and rate limits up to 75 times by default; bound it by attempts and by one call-timeout.
        client.retryConfig(RetryConfig.builder()
                .maxRetryTimes(options.retryMaxAttempts())
                .initialBackOffMs(options.retryInitialBackoff().toMillis())
                .maxBackOffMs(options.retryMaxBackoff().toMillis())
                .backOffMultiplier(3)
                .retryOnRateLimit(options.retryOnRateLimit())
                .maxRetryTimeoutMs(options.callTimeout().toMillis())
                .build());
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    MilvusOptions options() {
        return options;
    }

    // ================================================================ structure

    @Override
    public void ensureCollection(CollectionSpec spec) {
        requireOpen();
        requireValidSpec(spec);
        String name = MilvusSchema.dedicatedCollection(spec.name());
        synchronized (structure) {
            call("ensure collection " + name, () -> {
                if (!hasCollection(name)) {
                    createCollection(name, spec, false);
                }
                CollectionSpec stored = describe(name, spec.name(), false);
                requireSameShape(stored, spec);
                knownCollections.put(name, stored);
                return null;
            });
        }
        awaitLoadedForStructure(name, null);
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        requireOpen();
        requireValidName(spec.name());
        synchronized (structure) {
            try {
                for (String name : List.of(MilvusSchema.dedicatedCollection(spec.name()), MilvusSchema.sharedCollection(spec.name()))) {
                    call("drop collection " + name, () -> {
                        if (hasCollection(name)) {
                            client.dropCollection(DropCollectionReq.builder().collectionName(name).build());
                        }
                        return null;
                    });
                }
            } finally {
                forget(spec.name());
            }
        }
    }

    @Override
    public void ensurePartition(Placement placement) {
        requireOpen();
        CollectionSpec spec = requireCollection(placement.collection());
        if (placement.shared()) {
            String shared;
            synchronized (structure) {
                // The caller's spec carries the bucket count that sizes the partition-key collection.
                shared = ensureSharedCollection(placement.collection());
            }
            // Loaded before the marker is looked up: that is a query.
            awaitLoadedForStructure(shared, null);
            synchronized (structure) {
                call("ensure shared bucket " + describe(placement), () -> {
                    if (!markerExists(shared, placement.name())) {
                        // A write that raced a drop of this bucket (through another replica that still trusted its marker)
                        // may have left records after the drop deleted them: they must not come back with the new bucket.
                        deleteBucketRecords(shared, placement.name());
                        client.upsert(UpsertReq.builder().collectionName(shared)
                                .data(List.of(MilvusRecords.marker(placement.name(), spec.dimension()))).build());
                    }
                    return null;
                });
                knownSharedPlacements.put(placementKey(shared, placement.name()), expiry());
            }
            return;
        }
        String collection = MilvusSchema.dedicatedCollection(spec.name());
        synchronized (structure) {
            call("ensure partition " + describe(placement), () -> {
                if (!client.hasPartition(HasPartitionReq.builder().collectionName(collection).partitionName(placement.name()).build())) {
                    int partitions = client.listPartitions(ListPartitionsReq.builder().collectionName(collection).build()).size();
                    if (partitions >= options.maxPartitions()) {
                        throw new BackendException.CapacityExceeded("Milvus collection " + collection + " already has " + partitions
                                + " partitions, the limit gateway.milvus.max-partitions (" + options.maxPartitions()
                                + ", counting _default; Milvus's rootCoord.maxPartitionNum) allows: use the SHARED_HASH partitioning"
                                + " strategy for collections with many small tenants, or raise both limits together");
                    }
                    client.createPartition(CreatePartitionReq.builder().collectionName(collection).partitionName(placement.name()).build());
                }
                return null;
            });
        }
        awaitLoadedForStructure(collection, placement.name());
    }

    @Override
    public void dropPartition(Placement placement) {
        requireOpen();
        requireValidName(placement.collection().name());
        synchronized (structure) {
            if (placement.shared()) {
                String shared = MilvusSchema.sharedCollection(placement.collection().name());
                call("drop shared bucket " + describe(placement), () -> {
                    if (hasCollection(shared)) {
                        deleteBucket(shared, placement.name());
                    }
                    return null;
                });
                knownSharedPlacements.remove(placementKey(shared, placement.name()));
                return;
            }
            String collection = MilvusSchema.dedicatedCollection(placement.collection().name());
            call("drop partition " + describe(placement), () -> {
                if (hasCollection(collection)
                        && client.hasPartition(HasPartitionReq.builder().collectionName(collection).partitionName(placement.name()).build())) {
                    // Milvus refuses to drop a loaded partition.
                    client.releasePartitions(ReleasePartitionsReq.builder().collectionName(collection)
                            .partitionNames(List.of(placement.name())).build());
                    client.dropPartition(DropPartitionReq.builder().collectionName(collection).partitionName(placement.name()).build());
                }
                return null;
            });
        }
    }

    /**
     * The partition-key collection of the gateway collection, created if missing (its load is not
     * awaited here). Asked of Milvus every time (another replica may have dropped it): ensuring a bucket
     * is rare. Caller holds {@code structure}.
     */
    private String ensureSharedCollection(CollectionSpec spec) {
        String shared = MilvusSchema.sharedCollection(spec.name());
        call("ensure shared collection " + shared, () -> {
            if (!hasCollection(shared)) {
                createCollection(shared, spec, true);
            }
            CollectionSpec stored = describe(shared, spec.name(), true);
            requireSameShape(stored, spec);
            knownCollections.put(shared, stored);
            return null;
        });
        return shared;
    }

    private void createCollection(String name, CollectionSpec spec, boolean partitionKey) {
        CreateCollectionReq.CreateCollectionReqBuilder request = CreateCollectionReq.builder()
                .collectionName(name)
                .description("Partition Gateway collection " + spec.name() + (partitionKey ? " (shared buckets)" : ""))
                .collectionSchema(MilvusSchema.schema(spec.dimension(), partitionKey))
                .indexParams(List.of(MilvusSchema.vectorIndex(options, spec.metric())))
                .consistencyLevel(consistency);
        if (partitionKey) {
            int buckets = spec.sharedBuckets() > 0 ? spec.sharedBuckets() : DEFAULT_SHARED_BUCKETS;
            request.numPartitions(Math.min(buckets, options.maxPartitions()));
        }
        LOG.infof("Creating Milvus collection %s (dimension %d, metric %s%s)", name, spec.dimension(), spec.metric(),
                partitionKey ? ", tenant as partition key" : "");
        client.createCollection(request.build());
    }

    /** The shape of an existing Milvus collection, refused if it is not one the adapter made. */
    private CollectionSpec describe(String name, String gatewayName, boolean partitionKey) {
        DescribeCollectionResp described = client.describeCollection(DescribeCollectionReq.builder().collectionName(name).build());
        List<String> problems = MilvusSchema.problems(described, partitionKey);
        if (!problems.isEmpty()) {
            throw new BackendException.Rejected("Milvus collection " + name + " exists but was not made by the gateway: "
                    + String.join("; ", problems));
        }
        int dimension = described.getCollectionSchema().getField(MilvusSchema.VECTOR).getDimension();
        DescribeIndexResp index = client.describeIndex(DescribeIndexReq.builder().collectionName(name).fieldName(MilvusSchema.VECTOR).build());
        IndexParam.MetricType type = index.getIndexDescriptions().isEmpty() ? null : index.getIndexDescriptions().get(0).getMetricType();
        Metric metric = type == null ? null : MilvusSchema.metric(type);
        if (metric == null) {
            throw new BackendException.Rejected("Milvus collection " + name + " has no COSINE, L2 or IP index on " + MilvusSchema.VECTOR);
        }
        return new CollectionSpec(gatewayName, dimension, metric);
    }

    /** A new collection or partition is ready for reads when this returns: waits up to load-timeout, outside {@code structure}. */
    private void awaitLoadedForStructure(String collection, String partition) {
        call("load " + collection + (partition == null ? "" : "/" + partition), () -> {
            awaitLoaded(collection, partition, System.nanoTime() + options.loadTimeout().toNanos(),
                    "gateway.milvus.load-timeout (" + options.loadTimeout() + ")");
            return null;
        });
    }

    /**
     * Waits until Milvus has loaded the collection (or one partition of it), asking for the load if
     * it is not under way: Milvus refuses search and query on unloaded data, and loads asynchronously.
     * Unavailable once {@code deadline} (System.nanoTime) has passed; {@code limit} names what set it.
     */
    private void awaitLoaded(String collection, String partition, long deadline, String limit) {
        long pause = 10;
        boolean requested = false;
        for (;;) {
            GetLoadStateReq.GetLoadStateReqBuilder state = GetLoadStateReq.builder().collectionName(collection);
            if (partition != null) {
                state.partitionName(partition);
            }
            if (Boolean.TRUE.equals(client.getLoadState(state.build()))) {
                return;
            }
            if (!requested) {
                if (partition == null) {
                    client.loadCollection(LoadCollectionReq.builder().collectionName(collection).sync(false).build());
                } else {
                    client.loadPartitions(LoadPartitionsReq.builder().collectionName(collection).partitionNames(List.of(partition))
                            .sync(false).build());
                }
                requested = true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new BackendException.Unavailable("Milvus did not load " + collection + (partition == null ? "" : "/" + partition)
                        + " within " + limit, null);
            }
            try {
                Thread.sleep(Math.max(1, Math.min(pause, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException.Unavailable("interrupted while waiting for Milvus to load " + collection, e);
            }
            pause = Math.min(pause * 2, 500);
        }
    }

    // ================================================================ data

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        Objects.requireNonNull(records, "records");
        Target target = target(placement);
        if (placement.tenant().getBytes(StandardCharsets.UTF_8).length > MilvusSchema.TENANT_MAX_BYTES) {
            throw new BackendException.Rejected("tenant ids are at most " + MilvusSchema.TENANT_MAX_BYTES + " UTF-8 bytes");
        }
        // Every record is checked and converted before anything is written, so bad input changes nothing.
        List<JsonObject> rows = new ArrayList<>(records.size());
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        for (VectorRecord record : records) {
            requireValidId(record.id());
            if (!ids.add(record.id())) {
                throw new BackendException.Rejected("id " + record.id() + " appears twice in one upsert");
            }
            requireValidVector("record " + record.id(), record.values(), target.spec());
            rows.add(MilvusRecords.row(placement.name(), placement.tenant(), record));
        }
        String partition = target.partitions().isEmpty() ? null : target.partitions().get(0);
        for (List<JsonObject> request : requests(rows)) {
            call("upsert into " + describe(placement), () -> {
                UpsertReq.UpsertReqBuilder upsert = UpsertReq.builder().collectionName(target.collection()).data(request);
                if (partition != null) {
                    upsert.partitionName(partition);
                }
                client.upsert(upsert.build());
                return null;
            });
        }
    }

    /** Consecutive slices of the rows that each stay under write-request-bytes (Milvus refuses requests over 64 MiB). */
    private List<List<JsonObject>> requests(List<JsonObject> rows) {
        List<List<JsonObject>> requests = new ArrayList<>();
        List<JsonObject> current = new ArrayList<>();
        long bytes = 0;
        for (JsonObject row : rows) {
            int size = MilvusRecords.estimatedBytes(row);
            if (!current.isEmpty() && bytes + size > options.writeRequestBytes()) {
                requests.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(row);
            bytes += size;
        }
        if (!current.isEmpty()) {
            requests.add(current);
        }
        return requests;
    }

    @Override
    public List<Match> search(List<Placement> placements, SearchQuery query) {
        Objects.requireNonNull(placements, "placements");
        Objects.requireNonNull(query, "query");
        if (placements.isEmpty()) {
            return List.of();
        }
        CollectionSpec spec = requireCollection(Placement.commonCollection(placements));
        requireValidVector("query vector", query.vector(), spec);
        if (query.topK() > MAX_TOP_K) {
            throw new BackendException.Rejected("topK " + query.topK() + " is above Milvus's maximum of " + MAX_TOP_K);
        }
        // One Milvus search per (Milvus collection, tenant): dedicated placements are partitions of one
        // collection, shared buckets are placement values in the other.
        Map<String, List<String>> dedicatedByTenant = new LinkedHashMap<>();
        Map<String, List<String>> sharedByTenant = new LinkedHashMap<>();
        for (Placement p : new LinkedHashSet<>(placements)) {
            (p.shared() ? sharedByTenant : dedicatedByTenant).computeIfAbsent(p.tenant(), t -> new ArrayList<>()).add(p.name());
        }
        List<Match> matches = new ArrayList<>();
        String dedicated = MilvusSchema.dedicatedCollection(spec.name());
        dedicatedByTenant.forEach((tenant, partitions) -> matches.addAll(searchOnce(spec, dedicated, partitions,
                MilvusFilterMapper.scoped(tenant, null, query.filter()), query)));
        if (!sharedByTenant.isEmpty()) {
            String shared = requireSharedCollection(spec);
            sharedByTenant.forEach((tenant, buckets) -> {
                requireSharedPlacements(shared, buckets);
                matches.addAll(searchOnce(spec, shared, List.of(), MilvusFilterMapper.scoped(tenant, buckets, query.filter()), query));
            });
        }
        matches.sort(Comparator.comparingDouble((Match m) -> m.score()).reversed()
                .thenComparing(Match::placement).thenComparing(Match::id));
        return List.copyOf(matches.subList(0, Math.min(query.topK(), matches.size())));
    }

    private List<Match> searchOnce(CollectionSpec spec, String collection, List<String> partitions, MilvusExpression filter, SearchQuery query) {
        List<String> outputs = new ArrayList<>(List.of(MilvusSchema.ID, MilvusSchema.PLACEMENT));
        if (query.includeValues()) {
            outputs.add(MilvusSchema.VECTOR);
        }
        if (query.includeMetadata()) {
            outputs.add(MilvusSchema.METADATA);
        }
        SearchReq.SearchReqBuilder request = SearchReq.builder()
                .collectionName(collection)
                .partitionNames(partitions)
                .annsField(MilvusSchema.VECTOR)
                .data(List.of(new FloatVec(query.vector())))
                .limit(query.topK())
                .filter(filter.text())
                .filterTemplateValues(filter.values())
                .outputFields(outputs)
                .consistencyLevel(consistency);
        if (options.indexType().equals("HNSW")) {
            request.searchParams(Map.of("ef", Math.max(options.searchEf(), query.topK())));
        }
        SearchResp response = call("search in " + collection, () -> withLoad(collection, partitions, () -> client.search(request.build())));
        List<Match> matches = new ArrayList<>();
        for (SearchResp.SearchResult hit : response.getSearchResults().get(0)) {
            Map<String, Object> entity = hit.getEntity();
            float raw = hit.getScore();
            float[] values = query.includeValues() ? MilvusRecords.floats(entity.get(MilvusSchema.VECTOR)) : null;
            Map<String, Object> metadata = query.includeMetadata() ? MilvusRecords.metadata(entity.get(MilvusSchema.METADATA)) : Map.of();
            matches.add(new Match((String) entity.get(MilvusSchema.ID), (String) entity.get(MilvusSchema.PLACEMENT),
                    normalised(spec.metric(), raw), raw, values, metadata));
        }
        return matches;
    }

    /** Milvus returns COSINE and IP as similarities and L2 as the squared distance; see {@link Metric}. */
    static float normalised(Metric metric, float raw) {
        return switch (metric) {
            case COSINE, DOT -> raw;
            case L2 -> Metric.l2Score(raw);
        };
    }

    @Override
    public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
        Objects.requireNonNull(ids, "ids");
        Target target = target(placement);
        List<VectorRecord> records = new ArrayList<>();
        for (List<String> keys : keyChunks(placement, ids)) {
            for (Map<String, Object> entity : query(target, null, MilvusFilterMapper.KeyRestriction.in(keys), null, List.of(MilvusSchema.ID,
                    MilvusSchema.VECTOR, MilvusSchema.METADATA, MilvusSchema.TIMESTAMP, MilvusSchema.TIMESTAMP_NANOS, MilvusSchema.TIMED))) {
                records.add(MilvusRecords.record(entity));
            }
        }
        return records;
    }

    /** Milvus counts keys sent, not keys deleted: the keys that exist are looked up first, and only they are deleted. */
    @Override
    public long delete(Placement placement, Collection<String> ids) {
        Objects.requireNonNull(ids, "ids");
        Target target = target(placement);
        long deleted = 0;
        for (List<String> keys : keyChunks(placement, ids)) {
            List<String> existing = query(target, null, MilvusFilterMapper.KeyRestriction.in(keys), null, List.of()).stream()
                    .map(e -> (String) e.get(MilvusSchema.PRIMARY_KEY)).toList();
            deleteKeys(target, existing);
            deleted += existing.size();
        }
        return deleted;
    }

    /** A {@code null} filter deletes every record of the tenant, as it counts and scans every record. */
    @Override
    public long deleteByFilter(Placement placement, Filter filter) {
        Target target = target(placement);
        long deleted = 0;
        String after = null;
        for (;;) {
            List<String> keys = query(target, filter, MilvusFilterMapper.KeyRestriction.after(after), MAX_BATCH_SIZE, List.of()).stream()
                    .map(e -> (String) e.get(MilvusSchema.PRIMARY_KEY)).toList();
            if (keys.isEmpty()) {
                return deleted;
            }
            deleteKeys(target, keys);
            deleted += keys.size();
            after = keys.get(keys.size() - 1);
        }
    }

    private void deleteKeys(Target target, List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        MilvusExpression exactly = MilvusFilterMapper.keys(keys);
        call("delete from " + target.collection(), () -> {
            DeleteReq.DeleteReqBuilder delete = DeleteReq.builder().collectionName(target.collection())
                    .filter(exactly.text()).filterTemplateValues(exactly.values());
            if (!target.partitions().isEmpty()) {
                delete.partitionName(target.partitions().get(0));
            }
            return client.delete(delete.build());
        });
    }

    /** Deletes a shared bucket: its marker, then every record of every tenant in it. */
    private void deleteBucket(String shared, String placement) {
        // The marker first: from then on the bucket does not exist for anyone who asks Milvus, even if
        // deleting its records is cut short (the next ensure of the bucket, or drop, deletes what is left).
        deleteKeys(new Target(null, shared, List.of(), null, null), List.of(MilvusSchema.markerKey(placement)));
        deleteBucketRecords(shared, placement);
    }

    /** Deletes every row whose placement is the bucket, a page of primary keys at a time. */
    private void deleteBucketRecords(String shared, String placement) {
        Target target = new Target(null, shared, List.of(), null, null);
        String after = null;
        for (;;) {
            MilvusExpression.Builder builder = new MilvusExpression.Builder();
            String text = MilvusSchema.PLACEMENT + " == " + builder.bind(placement)
                    + (after == null ? "" : " and " + MilvusSchema.PRIMARY_KEY + " > " + builder.bind(after));
            List<String> keys = queryExpression(target, builder.build(text), MAX_BATCH_SIZE, List.of()).stream()
                    .map(e -> (String) e.get(MilvusSchema.PRIMARY_KEY)).toList();
            if (keys.isEmpty()) {
                return;
            }
            deleteKeys(target, keys);
            after = keys.get(keys.size() - 1);
        }
    }

    @Override
    public long count(Placement placement, Filter filter) {
        Target target = target(placement);
        MilvusExpression expression = MilvusFilterMapper.scoped(target.tenant(), target.sharedPlacements(), filter);
        QueryResp response = call("count in " + describe(placement), () -> withLoad(target.collection(), target.partitions(),
                () -> client.query(QueryReq.builder().collectionName(target.collection()).partitionNames(target.partitions())
                        .filter(expression.text()).filterTemplateValues(expression.values())
                        .outputFields(List.of("count(*)")).consistencyLevel(consistency).build())));
        return ((Number) response.getQueryResults().get(0).getEntity().get("count(*)")).longValue();
    }

    @Override
    public RecordCursor scan(Placement placement, ScanRequest request) {
        Objects.requireNonNull(request, "request");
        return new MilvusRecordCursor(this, target(placement), request);
    }

    /**
     * One page of the tenant's records in primary-key order after {@code after}. The {@code iterator}
     * flag makes Milvus return a limited query in primary-key order, as its own query iterator relies
     * on; the key travels as a template value (the SDK's iterator pastes it into the text).
     */
    List<Map<String, Object>> page(Target target, Filter filter, String after, int limit, List<String> outputs) {
        return query(target, filter, MilvusFilterMapper.KeyRestriction.after(after), Math.min(limit, MAX_TOP_K), outputs);
    }

    private List<Map<String, Object>> query(Target target, Filter filter, MilvusFilterMapper.KeyRestriction keys, Integer limit,
                                            List<String> outputs) {
        MilvusExpression expression = MilvusFilterMapper.scoped(target.tenant(), target.sharedPlacements(), filter, keys);
        return queryExpression(target, expression, limit, outputs);
    }

    private List<Map<String, Object>> queryExpression(Target target, MilvusExpression expression, Integer limit, List<String> outputs) {
        QueryReq.QueryReqBuilder request = QueryReq.builder().collectionName(target.collection()).partitionNames(target.partitions())
                .filter(expression.text()).filterTemplateValues(expression.values()).outputFields(outputs).consistencyLevel(consistency);
        if (limit != null) {
            request.limit(limit).queryParams(Map.of("iterator", true, "reduce_stop_for_best", false));
        }
        QueryResp response = call("query " + target.collection(), () -> withLoad(target.collection(), target.partitions(),
                () -> client.query(request.build())));
        return response.getQueryResults().stream().map(QueryResp.QueryResult::getEntity).toList();
    }

    private List<List<String>> keyChunks(Placement placement, Collection<String> ids) {
        List<String> keys = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            keys.add(MilvusSchema.key(placement.name(), placement.tenant(), Objects.requireNonNull(id, "id")));
        }
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += MAX_BATCH_SIZE) {
            chunks.add(keys.subList(i, Math.min(keys.size(), i + MAX_BATCH_SIZE)));
        }
        return chunks;
    }

    @Override
    public BackendHealth health() {
        if (closed) {
            return BackendHealth.down("closed");
        }
        String where = "Milvus at " + options.uri() + (options.database() == null ? "" : ", database " + options.database());
        try {
            CheckHealthResp health = client.checkHealth();
            return Boolean.TRUE.equals(health.getIsHealthy()) ? BackendHealth.up(where)
                    : BackendHealth.down(where + " reports unhealthy: " + health.getReasons());
        } catch (RuntimeException checkHealthFailed) {
            // Some deployments (managed services, proxies) do not offer CheckHealth: any answered call proves the connection.
            try {
                hasCollection("partition_gateway_health_probe");
                return BackendHealth.up(where + " (CheckHealth unavailable: " + checkHealthFailed.getMessage() + ")");
            } catch (RuntimeException e) {
                return BackendHealth.down(MilvusFailures.translate("health check", e).getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.close(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warnf("closing the Milvus client failed: %s", e.getMessage());
        }
    }

    // ================================================================ collections and placements

    /** Where calls on this placement go; NotFound if its collection, or its shared bucket, does not exist. */
    Target target(Placement placement) {
        CollectionSpec spec = requireCollection(placement.collection());
        if (placement.shared()) {
            String shared = requireSharedCollection(spec);
            requireSharedPlacements(shared, List.of(placement.name()));
            return new Target(spec, shared, List.of(), placement.tenant(), List.of(placement.name()));
        }
        // A dedicated partition that does not exist makes Milvus answer "partition not found", which is NotFound.
        return new Target(spec, MilvusSchema.dedicatedCollection(spec.name()), List.of(placement.name()), placement.tenant(), null);
    }

    /**
     * The stored shape of the collection, which must be the caller's. It is remembered once checked;
     * a remembered shape that is not the caller's is checked again once before the call is refused,
     * since another gateway replica may have dropped the collection and made it again with another shape.
     */
    private CollectionSpec requireCollection(CollectionSpec requested) {
        requireOpen();
        requireValidName(requested.name());
        String name = MilvusSchema.dedicatedCollection(requested.name());
        CollectionSpec known = knownCollections.get(name);
        if (known != null && known.sameShape(requested)) {
            return known;
        }
        if (known != null) {
            forget(requested.name());
        }
        CollectionSpec stored = call("check collection " + name, () -> {
            if (!hasCollection(name)) {
                throw new BackendException.NotFound("collection " + requested.name() + " does not exist in Milvus");
            }
            return describe(name, requested.name(), false);
        });
        knownCollections.put(name, stored);
        requireSameShape(stored, requested);
        return stored;
    }

    /** The partition-key collection of the gateway collection, checked like {@link #requireCollection}. */
    private String requireSharedCollection(CollectionSpec spec) {
        String shared = MilvusSchema.sharedCollection(spec.name());
        CollectionSpec known = knownCollections.get(shared);
        if (known != null && known.sameShape(spec)) {
            return shared;
        }
        if (known != null) {
            forget(spec.name());
        }
        CollectionSpec stored = call("check collection " + shared, () -> {
            if (!hasCollection(shared)) {
                throw new BackendException.NotFound("collection " + spec.name() + " has no shared buckets in Milvus");
            }
            return describe(shared, spec.name(), true);
        });
        knownCollections.put(shared, stored);
        requireSameShape(stored, spec);
        return shared;
    }

    /** Forgets what was checked about the gateway collection's Milvus collections and shared buckets. */
    private void forget(String gatewayCollection) {
        String shared = MilvusSchema.sharedCollection(gatewayCollection);
        knownCollections.remove(MilvusSchema.dedicatedCollection(gatewayCollection));
        knownCollections.remove(shared);
        knownSharedPlacements.keySet().removeIf(k -> k.startsWith(placementKey(shared, "")));
    }

    /**
     * Every bucket must have its marker: a bucket that was never ensured, or was dropped, is NotFound.
     * A marker seen within shared-placement-cache-ttl is trusted without asking Milvus again.
     */
    private void requireSharedPlacements(String shared, List<String> buckets) {
        long now = System.nanoTime();
        List<String> unchecked = buckets.stream().filter(b -> {
            Long until = knownSharedPlacements.get(placementKey(shared, b));
            return until == null || until - now < 0;
        }).toList();
        if (unchecked.isEmpty()) {
            return;
        }
        MilvusExpression.Builder builder = new MilvusExpression.Builder();
        MilvusExpression markers = builder.build(MilvusSchema.PRIMARY_KEY + " in "
                + builder.bind(unchecked.stream().map(MilvusSchema::markerKey).toList()));
        List<Map<String, Object>> found = queryExpression(new Target(null, shared, List.of(), null, null), markers, null,
                List.of(MilvusSchema.PLACEMENT));
        LinkedHashSet<String> present = new LinkedHashSet<>();
        found.forEach(e -> present.add((String) e.get(MilvusSchema.PLACEMENT)));
        for (String bucket : unchecked) {
            if (!present.contains(bucket)) {
                throw new BackendException.NotFound("shared bucket " + bucket + " of " + shared + " does not exist");
            }
            knownSharedPlacements.put(placementKey(shared, bucket), expiry());
        }
    }

    private boolean markerExists(String shared, String placement) {
        MilvusExpression.Builder builder = new MilvusExpression.Builder();
        MilvusExpression marker = builder.build(MilvusSchema.PRIMARY_KEY + " == " + builder.bind(MilvusSchema.markerKey(placement)));
        return !queryExpression(new Target(null, shared, List.of(), null, null), marker, null, List.of(MilvusSchema.PLACEMENT)).isEmpty();
    }

    private long expiry() {
        return System.nanoTime() + options.sharedPlacementCacheTtl().toNanos();
    }

    private static String placementKey(String collection, String placement) {
        return collection + "/" + placement;
    }

    private boolean hasCollection(String name) {
        return Boolean.TRUE.equals(client.hasCollection(HasCollectionReq.builder().collectionName(name).build()));
    }

    /**
     * Runs a read; if Milvus has not loaded the data (codes 101, 201: released, or restarted), asks
     * for the load and tries once more when it is done. The wait ends one call-timeout after the read
     * began, not at load-timeout: a request must not hang for as long as a load may take. Milvus goes
     * on loading, so the gateway's retry, or a later request, finds the data loaded.
     */
    private <T> T withLoad(String collection, List<String> partitions, Supplier<T> read) {
        long deadline = System.nanoTime() + options.callTimeout().toNanos();
        try {
            return read.get();
        } catch (RuntimeException e) {
            if (!MilvusFailures.isNotLoaded(e)) {
                throw e;
            }
            LOG.infof("Milvus reports %s as not loaded; loading it", collection);
            String limit = "gateway.milvus.call-timeout (" + options.callTimeout() + ") of this request; Milvus goes on loading it";
            if (MilvusFailures.serverCode(e) == MilvusFailures.PARTITION_NOT_LOADED && !partitions.isEmpty()) {
                partitions.forEach(p -> awaitLoaded(collection, p, deadline, limit));
            } else {
                awaitLoaded(collection, null, deadline, limit);
            }
            return read.get();
        }
    }

    private <T> T call(String context, Supplier<T> call) {
        requireOpen();
        try {
            return call.get();
        } catch (RuntimeException e) {
            BackendException failure = MilvusFailures.translate(context, e);
            if (failure instanceof BackendException.NotFound) {
                // A collection dropped elsewhere: forget what was known about it.
                knownCollections.clear();
                knownSharedPlacements.clear();
            }
            throw failure;
        }
    }

    private static String describe(Placement placement) {
        return (placement.shared() ? "shared bucket " : "placement ") + placement.collection().name() + "/" + placement.name();
    }

    // ================================================================ validation

    private void requireOpen() {
        if (closed) {
            throw new BackendException.Unavailable("the Milvus backend is closed", null);
        }
    }

    private static void requireValidName(String name) {
        if (!COLLECTION_NAME.matcher(name).matches()) {
            throw new BackendException.Rejected("invalid collection name: " + name);
        }
    }

    private static void requireValidSpec(CollectionSpec spec) {
        requireValidName(spec.name());
        if (spec.dimension() > MilvusSchema.MAX_DIMENSION) {
            throw new BackendException.Rejected("dimension " + spec.dimension() + " is above Milvus's maximum of " + MilvusSchema.MAX_DIMENSION);
        }
    }

    private static void requireSameShape(CollectionSpec stored, CollectionSpec requested) {
        if (!stored.sameShape(requested)) {
            throw new BackendException.Rejected("collection " + requested.name() + " has dimension " + stored.dimension() + " and metric "
                    + stored.metric() + " in Milvus, not " + requested.dimension() + " and " + requested.metric());
        }
    }

    private static void requireValidId(String id) {
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new BackendException.Rejected("id must have 1 to " + MAX_ID_LENGTH + " characters, not " + id.length());
        }
    }

    static void requireValidVector(String what, float[] vector, CollectionSpec spec) {
        if (vector == null) {
            throw new BackendException.Rejected(what + " has no values");
        }
        if (vector.length != spec.dimension()) {
            throw new BackendException.Rejected(what + " has dimension " + vector.length + ", collection " + spec.name()
                    + " has dimension " + spec.dimension());
        }
        boolean allZero = true;
        for (float value : vector) {
            if (!Float.isFinite(value)) {
                throw new BackendException.Rejected(what + " contains a value that is not a finite number");
            }
            allZero &= value == 0f;
        }
        if (allZero && spec.metric() == Metric.COSINE) {
            throw new BackendException.Rejected(what + " is the zero vector, which has no cosine similarity");
        }
    }
}
