package dev.partitiongateway.adapter.milvus.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.partitiongateway.adapter.milvus.fake.FakeCollection.Partition;
import io.milvus.grpc.BoolArray;
import io.milvus.grpc.BoolResponse;
import io.milvus.grpc.CheckHealthRequest;
import io.milvus.grpc.CheckHealthResponse;
import io.milvus.grpc.CollectionSchema;
import io.milvus.grpc.ConnectRequest;
import io.milvus.grpc.ConnectResponse;
import io.milvus.grpc.ConsistencyLevel;
import io.milvus.grpc.CreateCollectionRequest;
import io.milvus.grpc.CreateIndexRequest;
import io.milvus.grpc.CreatePartitionRequest;
import io.milvus.grpc.DataType;
import io.milvus.grpc.DeleteRequest;
import io.milvus.grpc.DescribeCollectionRequest;
import io.milvus.grpc.DescribeCollectionResponse;
import io.milvus.grpc.DescribeIndexRequest;
import io.milvus.grpc.DescribeIndexResponse;
import io.milvus.grpc.DoubleArray;
import io.milvus.grpc.DropCollectionRequest;
import io.milvus.grpc.DropPartitionRequest;
import io.milvus.grpc.FieldData;
import io.milvus.grpc.FieldSchema;
import io.milvus.grpc.FloatArray;
import io.milvus.grpc.FlushRequest;
import io.milvus.grpc.FlushResponse;
import io.milvus.grpc.GetFlushStateRequest;
import io.milvus.grpc.GetFlushStateResponse;
import io.milvus.grpc.GetLoadStateRequest;
import io.milvus.grpc.GetLoadStateResponse;
import io.milvus.grpc.GetLoadingProgressRequest;
import io.milvus.grpc.GetLoadingProgressResponse;
import io.milvus.grpc.GetVersionRequest;
import io.milvus.grpc.GetVersionResponse;
import io.milvus.grpc.HasCollectionRequest;
import io.milvus.grpc.HasPartitionRequest;
import io.milvus.grpc.IDs;
import io.milvus.grpc.IndexDescription;
import io.milvus.grpc.IndexState;
import io.milvus.grpc.InsertRequest;
import io.milvus.grpc.IntArray;
import io.milvus.grpc.JSONArray;
import io.milvus.grpc.KeyValuePair;
import io.milvus.grpc.ListDatabasesRequest;
import io.milvus.grpc.ListDatabasesResponse;
import io.milvus.grpc.LoadCollectionRequest;
import io.milvus.grpc.LoadPartitionsRequest;
import io.milvus.grpc.LoadState;
import io.milvus.grpc.LongArray;
import io.milvus.grpc.MilvusServiceGrpc;
import io.milvus.grpc.MutationResult;
import io.milvus.grpc.PlaceholderGroup;
import io.milvus.grpc.PlaceholderType;
import io.milvus.grpc.PlaceholderValue;
import io.milvus.grpc.QueryRequest;
import io.milvus.grpc.QueryResults;
import io.milvus.grpc.ReleaseCollectionRequest;
import io.milvus.grpc.ReleasePartitionsRequest;
import io.milvus.grpc.ScalarField;
import io.milvus.grpc.SearchRequest;
import io.milvus.grpc.SearchResultData;
import io.milvus.grpc.SearchResults;
import io.milvus.grpc.ServerInfo;
import io.milvus.grpc.ShowCollectionsRequest;
import io.milvus.grpc.ShowCollectionsResponse;
import io.milvus.grpc.ShowPartitionsRequest;
import io.milvus.grpc.ShowPartitionsResponse;
import io.milvus.grpc.Status;
import io.milvus.grpc.StringArray;
import io.milvus.grpc.TemplateValue;
import io.milvus.grpc.UpsertRequest;
import io.milvus.grpc.VectorField;
import io.milvus.shaded.io.grpc.Context;
import io.milvus.shaded.io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The RPCs of the fake Milvus proxy. Every behaviour here reproduces what a Milvus 2.5/2.6 server
 * does (as read from its sources: proxy tasks, rootcoord, querycoord, segcore expressions), pinned by
 * {@code FakeMilvusServerTest}; anything the fake does not implement answers UNIMPLEMENTED.
 */
final class FakeMilvusService extends MilvusServiceGrpc.MilvusServiceImplBase {

    static final Context.Key<String> DATABASE_HEADER = Context.key("dbname");
    static final String DEFAULT_DATABASE = "default";
    /** Search topK and query offset+limit are capped here (quotaAndLimits.limits.topK / maxQueryResultWindow). */
    static final int MAX_TOP_K = 16_384;
    /** Milvus limits a JSON field value to 64 KiB. */
    static final int MAX_JSON_BYTES = 65_536;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeMilvusServer.Options options;
    private final Map<String, Map<String, FakeCollection>> databases = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(450_000_000_000_000L);
    private final Tso tso = new Tso();
    private final Faults faults = new Faults();

    FakeMilvusService(FakeMilvusServer.Options options) {
        this.options = options;
        databases.put(DEFAULT_DATABASE, new ConcurrentHashMap<>());
    }

    Faults faults() {
        return faults;
    }

    // ================================================================ plumbing

    /** Hybrid timestamps as Milvus's TSO issues them: physical milliseconds << 18 plus a logical counter. */
    static final class Tso {
        private long last;

        synchronized long next() {
            long ts = System.currentTimeMillis() << 18;
            last = Math.max(ts, last + 1);
            return last;
        }
    }

    /** Failures injected by tests: a status code, a gRPC error, or a delay, for the next calls of one RPC. */
    static final class Faults {
        private record Fault(String rpc, int code, String reason, io.milvus.shaded.io.grpc.Status grpc, Duration delay) {
        }

        private final List<Fault> pending = new ArrayList<>();

        synchronized void add(String rpc, int code, String reason, io.milvus.shaded.io.grpc.Status grpc, Duration delay, int times) {
            for (int i = 0; i < times; i++) {
                pending.add(new Fault(rpc, code, reason, grpc, delay));
            }
        }

        synchronized Fault take(String rpc) {
            for (int i = 0; i < pending.size(); i++) {
                if (pending.get(i).rpc.equals(rpc) || pending.get(i).rpc.equals("*")) {
                    return pending.remove(i);
                }
            }
            return null;
        }

        synchronized void clear() {
            pending.clear();
        }

        synchronized int pending() {
            return pending.size();
        }
    }

    private <T> void respond(String rpc, StreamObserver<T> observer, Supplier<T> body, Function<Status, T> failure) {
        Faults.Fault fault = faults.take(rpc);
        if (fault != null) {
            if (fault.delay() != null) {
                try {
                    Thread.sleep(fault.delay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (fault.grpc() != null) {
                observer.onError(fault.grpc().asRuntimeException());
                return;
            }
            if (fault.code() != 0) {
                observer.onNext(failure.apply(MilvusStatusException.status(fault.code(), fault.reason())));
                observer.onCompleted();
                return;
            }
        }
        T response;
        try {
            response = body.get();
        } catch (MilvusStatusException e) {
            response = failure.apply(e.toStatus());
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    private static Status ok() {
        return Status.newBuilder().build();
    }

    private Map<String, FakeCollection> database(String requested) {
        String name = requested == null || requested.isEmpty() ? DATABASE_HEADER.get() : requested;
        if (name == null || name.isEmpty()) {
            name = DEFAULT_DATABASE;
        }
        Map<String, FakeCollection> db = databases.get(name);
        if (db == null) {
            throw new MilvusStatusException(MilvusStatusException.DATABASE_NOT_FOUND, "database not found[database=" + name + "]");
        }
        return db;
    }

    private String databaseName(String requested) {
        String name = requested == null || requested.isEmpty() ? DATABASE_HEADER.get() : requested;
        return name == null || name.isEmpty() ? DEFAULT_DATABASE : name;
    }

    private FakeCollection collection(String db, String name) {
        FakeCollection c = database(db).get(name);
        if (c == null) {
            throw MilvusStatusException.collectionNotFound(databaseName(db), name);
        }
        return c;
    }

    // ================================================================ connection, databases, health

    @Override
    public void connect(ConnectRequest request, StreamObserver<ConnectResponse> observer) {
        respond("connect", observer, () -> ConnectResponse.newBuilder().setStatus(ok())
                        .setServerInfo(ServerInfo.newBuilder().setBuildTags("v2.6-fake").putReserved("fake", "true").build())
                        .setIdentifier(ids.incrementAndGet()).build(),
                s -> ConnectResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void listDatabases(ListDatabasesRequest request, StreamObserver<ListDatabasesResponse> observer) {
        respond("listDatabases", observer, () -> ListDatabasesResponse.newBuilder().setStatus(ok())
                        .addAllDbNames(new TreeMap<>(databases).keySet()).build(),
                s -> ListDatabasesResponse.newBuilder().setStatus(s).build());
    }

    void createDatabase(String name) {
        databases.putIfAbsent(name, new ConcurrentHashMap<>());
    }

    @Override
    public void checkHealth(CheckHealthRequest request, StreamObserver<CheckHealthResponse> observer) {
        respond("checkHealth", observer, () -> CheckHealthResponse.newBuilder().setStatus(ok()).setIsHealthy(true).build(),
                s -> CheckHealthResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void getVersion(GetVersionRequest request, StreamObserver<GetVersionResponse> observer) {
        respond("getVersion", observer, () -> GetVersionResponse.newBuilder().setStatus(ok()).setVersion("v2.6.0-fake").build(),
                s -> GetVersionResponse.newBuilder().setStatus(s).build());
    }

    // ================================================================ collections

    @Override
    public void createCollection(CreateCollectionRequest request, StreamObserver<Status> observer) {
        respond("createCollection", observer, () -> {
            Map<String, FakeCollection> db = database(request.getDbName());
            CollectionSchema schema;
            try {
                schema = CollectionSchema.parseFrom(request.getSchema());
            } catch (InvalidProtocolBufferException e) {
                throw MilvusStatusException.invalid("schema is not a CollectionSchema");
            }
            String name = request.getCollectionName();
            if (!NAME.matcher(name).matches()) {
                throw MilvusStatusException.invalid("Invalid collection name: " + name
                        + ". the first character of a collection name must be an underscore or letter");
            }
            CollectionSchema numbered = validateAndNumber(schema, name);
            synchronized (this) {
                FakeCollection existing = db.get(name);
                if (existing != null) {
                    // CreateCollection is idempotent for an identical schema and refuses a different one.
                    if (existing.schema.getFieldsList().equals(numbered.getFieldsList())) {
                        return ok();
                    }
                    throw MilvusStatusException.unexpected("create duplicate collection with different parameters, collection: " + name);
                }
                FieldSchema partitionKey = numbered.getFieldsList().stream().filter(FieldSchema::getIsPartitionKey).findFirst().orElse(null);
                long numPartitions = request.getNumPartitions();
                if (partitionKey == null && numPartitions > 0) {
                    throw MilvusStatusException.invalid("num_partitions should only be specified with partition key field enabled");
                }
                if (partitionKey != null) {
                    if (numPartitions <= 0) {
                        numPartitions = 16; // common.defaultPartitionsWithPartitionKey
                    }
                    if (numPartitions > options.maxPartitionNum()) {
                        throw MilvusStatusException.unexpected("partition number (" + numPartitions + ") exceeds max configuration ("
                                + options.maxPartitionNum() + "), collection: " + name);
                    }
                }
                ConsistencyLevel level = request.getConsistencyLevel();
                FakeCollection collection = new FakeCollection(ids.incrementAndGet(), databaseName(request.getDbName()), name,
                        numbered, level, request.getPropertiesList(), tso.next());
                if (partitionKey != null) {
                    for (int i = 0; i < numPartitions; i++) {
                        String p = FakeCollection.DEFAULT_PARTITION + "_" + i;
                        collection.partitions.put(p, new Partition(ids.incrementAndGet(), p, collection.createdTs));
                    }
                } else {
                    collection.partitions.put(FakeCollection.DEFAULT_PARTITION,
                            new Partition(ids.incrementAndGet(), FakeCollection.DEFAULT_PARTITION, collection.createdTs));
                }
                db.put(name, collection);
            }
            return ok();
        }, s -> s);
    }

    /** Checks the schema as rootcoord does and gives fields their IDs, starting at 100. */
    private CollectionSchema validateAndNumber(CollectionSchema schema, String collection) {
        CollectionSchema.Builder numbered = schema.toBuilder().clearFields().setName(collection);
        int primaryKeys = 0;
        int partitionKeys = 0;
        Set<String> names = new HashSet<>();
        long fieldId = 100;
        for (FieldSchema field : schema.getFieldsList()) {
            if (!names.add(field.getName())) {
                throw MilvusStatusException.invalid("duplicated field name " + field.getName());
            }
            if (field.getIsPrimaryKey()) {
                primaryKeys++;
                if (field.getDataType() != DataType.Int64 && field.getDataType() != DataType.VarChar) {
                    throw MilvusStatusException.invalid("the data type of primary key should be Int64 or VarChar");
                }
            }
            if (field.getDataType() == DataType.VarChar && FakeCollection.typeParam(field, "max_length") == null) {
                throw MilvusStatusException.invalid("type param(max_length) should be specified for the field(" + field.getName() + ") of collection " + collection);
            }
            if (field.getDataType() == DataType.FloatVector && FakeCollection.typeParam(field, "dim") == null) {
                throw MilvusStatusException.invalid("dimension is not defined in field type params of field " + field.getName());
            }
            if (field.getIsPartitionKey()) {
                partitionKeys++;
                if (field.getDataType() != DataType.Int64 && field.getDataType() != DataType.VarChar) {
                    throw MilvusStatusException.invalid("the data type of partition key should be Int64 or VarChar");
                }
                if (field.getNullable()) {
                    throw MilvusStatusException.invalid("partition key field not support nullable");
                }
                if (field.getIsPrimaryKey()) {
                    throw MilvusStatusException.invalid("the partition key field must not be primary field");
                }
            }
            numbered.addFields(field.toBuilder().setFieldID(fieldId++).build());
        }
        if (primaryKeys != 1) {
            throw MilvusStatusException.invalid("there should be exactly one primary key field in collection " + collection);
        }
        if (partitionKeys > 1) {
            throw MilvusStatusException.invalid("there are more than one partition key");
        }
        return numbered.build();
    }

    @Override
    public void hasCollection(HasCollectionRequest request, StreamObserver<BoolResponse> observer) {
        respond("hasCollection", observer, () -> BoolResponse.newBuilder().setStatus(ok())
                        .setValue(database(request.getDbName()).containsKey(request.getCollectionName())).build(),
                s -> BoolResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void describeCollection(DescribeCollectionRequest request, StreamObserver<DescribeCollectionResponse> observer) {
        respond("describeCollection", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                return DescribeCollectionResponse.newBuilder().setStatus(ok())
                        .setSchema(c.schema)
                        .setCollectionID(c.id)
                        .setCollectionName(c.name)
                        .setDbName(c.database)
                        .setConsistencyLevel(c.consistencyLevel)
                        .setShardsNum(1)
                        .addVirtualChannelNames("by-dev-rootcoord-dml_0_" + c.id + "v0")
                        .addPhysicalChannelNames("by-dev-rootcoord-dml_0")
                        .setCreatedTimestamp(c.createdTs)
                        .setCreatedUtcTimestamp(c.createdTs >> 18)
                        .setUpdateTimestamp(c.createdTs)
                        .setNumPartitions(c.partitions.size())
                        .addAllProperties(c.properties)
                        .build();
            }
        }, s -> DescribeCollectionResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void showCollections(ShowCollectionsRequest request, StreamObserver<ShowCollectionsResponse> observer) {
        respond("showCollections", observer, () -> {
            ShowCollectionsResponse.Builder b = ShowCollectionsResponse.newBuilder().setStatus(ok());
            new TreeMap<>(database(request.getDbName())).values().forEach(c -> b.addCollectionNames(c.name)
                    .addCollectionIds(c.id).addCreatedTimestamps(c.createdTs).addShardsNum(1));
            return b.build();
        }, s -> ShowCollectionsResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void dropCollection(DropCollectionRequest request, StreamObserver<Status> observer) {
        // Dropping a collection that does not exist succeeds: DDL is idempotent in Milvus 2.3+.
        respond("dropCollection", observer, () -> {
            database(request.getDbName()).remove(request.getCollectionName());
            return ok();
        }, s -> s);
    }

    // ================================================================ index and load

    @Override
    public void createIndex(CreateIndexRequest request, StreamObserver<Status> observer) {
        respond("createIndex", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                FieldSchema field = c.fields.get(request.getFieldName());
                if (field == null) {
                    throw MilvusStatusException.invalid("cannot create index on non-exist field: " + request.getFieldName());
                }
                Map<String, String> params = new HashMap<>();
                request.getExtraParamsList().forEach(p -> params.put(p.getKey(), p.getValue()));
                String indexType = params.getOrDefault("index_type", "AUTOINDEX");
                String metric = params.get("metric_type");
                if (field.getDataType() == DataType.FloatVector) {
                    if (metric == null || metric.isEmpty()) {
                        metric = "COSINE";
                    }
                    if (!Set.of("L2", "IP", "COSINE").contains(metric)) {
                        throw MilvusStatusException.invalid("metric type " + metric + " not found or not supported, supported: [L2 IP COSINE]");
                    }
                } else {
                    throw MilvusStatusException.invalid("this fake indexes vector fields only: " + field.getName());
                }
                FakeCollection.Index index = new FakeCollection.Index(ids.incrementAndGet(),
                        request.getIndexName().isEmpty() ? field.getName() : request.getIndexName(), field.getName(), indexType, metric,
                        params.getOrDefault("params", "{}"));
                if (c.index != null) {
                    if (c.index.indexType().equals(index.indexType()) && c.index.metricType().equals(index.metricType())) {
                        return ok();
                    }
                    throw MilvusStatusException.invalid("at most one distinct index is allowed per field");
                }
                c.index = index;
            }
            return ok();
        }, s -> s);
    }

    @Override
    public void describeIndex(DescribeIndexRequest request, StreamObserver<DescribeIndexResponse> observer) {
        respond("describeIndex", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                if (c.index == null || (!request.getFieldName().isEmpty() && !request.getFieldName().equals(c.index.field()))) {
                    throw new MilvusStatusException(MilvusStatusException.INDEX_NOT_FOUND, "index not found[collection=" + c.name + "]");
                }
                long rows = c.rows.stream().filter(r -> r.deleteTs == Long.MAX_VALUE).count();
                return DescribeIndexResponse.newBuilder().setStatus(ok()).addIndexDescriptions(IndexDescription.newBuilder()
                        .setIndexName(c.index.name()).setIndexID(c.index.id()).setFieldName(c.index.field())
                        .addParams(kv("index_type", c.index.indexType()))
                        .addParams(kv("metric_type", c.index.metricType()))
                        .addParams(kv("params", c.index.params()))
                        .setState(IndexState.Finished).setIndexedRows(rows).setTotalRows(rows).build()).build();
            }
        }, s -> DescribeIndexResponse.newBuilder().setStatus(s).build());
    }

    private static KeyValuePair kv(String key, String value) {
        return KeyValuePair.newBuilder().setKey(key).setValue(value).build();
    }

    @Override
    public void loadCollection(LoadCollectionRequest request, StreamObserver<Status> observer) {
        respond("loadCollection", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                if (c.index == null) {
                    throw new MilvusStatusException(MilvusStatusException.INDEX_NOT_FOUND, "there is no vector index on field: ["
                            + c.vectorField().map(FieldSchema::getName).orElse("") + "], please create index firstly: index not found[collection="
                            + c.name + "]");
                }
                c.loadType = FakeCollection.LoadType.COLLECTION;
                c.partitions.values().forEach(p -> c.requestLoad(p, options.loadingPolls()));
            }
            return ok();
        }, s -> s);
    }

    @Override
    public void releaseCollection(ReleaseCollectionRequest request, StreamObserver<Status> observer) {
        respond("releaseCollection", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                c.partitions.values().forEach(c::release);
                c.loadType = FakeCollection.LoadType.NONE;
            }
            return ok();
        }, s -> s);
    }

    @Override
    public void getLoadState(GetLoadStateRequest request, StreamObserver<GetLoadStateResponse> observer) {
        respond("getLoadState", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                c.advanceLoading();
                List<Partition> targets = partitionsOrAll(c, request.getPartitionNamesList());
                LoadState state;
                if (c.loadType == FakeCollection.LoadType.NONE) {
                    state = LoadState.LoadStateNotLoad;
                } else if (targets.stream().allMatch(p -> p.loaded)) {
                    state = LoadState.LoadStateLoaded;
                } else if (targets.stream().anyMatch(p -> p.loadRequested)) {
                    state = LoadState.LoadStateLoading;
                } else {
                    state = LoadState.LoadStateNotLoad;
                }
                return GetLoadStateResponse.newBuilder().setStatus(ok()).setState(state).build();
            }
        }, s -> GetLoadStateResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void getLoadingProgress(GetLoadingProgressRequest request, StreamObserver<GetLoadingProgressResponse> observer) {
        respond("getLoadingProgress", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                c.advanceLoading();
                if (c.loadType == FakeCollection.LoadType.NONE) {
                    throw new MilvusStatusException(MilvusStatusException.COLLECTION_NOT_LOADED,
                            "collection not loaded[collection=" + c.id + "]");
                }
                List<Partition> targets = partitionsOrAll(c, request.getPartitionNamesList()).stream()
                        .filter(p -> p.loadRequested || p.loaded).toList();
                long loaded = targets.stream().filter(p -> p.loaded).count();
                long progress = targets.isEmpty() ? 0 : loaded * 100 / targets.size();
                return GetLoadingProgressResponse.newBuilder().setStatus(ok()).setProgress(progress).setRefreshProgress(progress).build();
            }
        }, s -> GetLoadingProgressResponse.newBuilder().setStatus(s).build());
    }

    private static List<Partition> partitionsOrAll(FakeCollection c, List<String> names) {
        if (names.isEmpty()) {
            return List.copyOf(c.partitions.values());
        }
        List<Partition> out = new ArrayList<>();
        for (String name : names) {
            Partition p = c.partitions.get(name);
            if (p == null) {
                throw MilvusStatusException.partitionNotFound(name);
            }
            out.add(p);
        }
        return out;
    }

    // ================================================================ partitions

    @Override
    public void createPartition(CreatePartitionRequest request, StreamObserver<Status> observer) {
        respond("createPartition", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                if (c.partitionKeyMode()) {
                    throw MilvusStatusException.unexpected("disable create partition if partition key mode is used");
                }
                validatePartitionName(request.getPartitionName());
                if (c.partitions.containsKey(request.getPartitionName())) {
                    return ok(); // rootcoord's idempotency check
                }
                if (c.partitions.size() >= options.maxPartitionNum()) {
                    throw MilvusStatusException.unexpected("partition number (" + c.partitions.size() + ") exceeds max configuration ("
                            + options.maxPartitionNum() + "), collection: " + c.name);
                }
                Partition p = new Partition(ids.incrementAndGet(), request.getPartitionName(), tso.next());
                c.partitions.put(p.name, p);
                // The proxy calls SyncNewCreatedPartition: a partition created in a loaded collection is loaded too.
                if (c.loadType == FakeCollection.LoadType.COLLECTION) {
                    c.requestLoad(p, options.loadingPolls());
                }
            }
            return ok();
        }, s -> s);
    }

    private static void validatePartitionName(String name) {
        if (name.isEmpty()) {
            throw MilvusStatusException.invalid("partition name should not be empty");
        }
        if (!NAME.matcher(name).matches()) {
            throw MilvusStatusException.invalid("Invalid partition name: " + name
                    + ". Partition name can only contain numbers, letters and underscores.");
        }
    }

    @Override
    public void dropPartition(DropPartitionRequest request, StreamObserver<Status> observer) {
        respond("dropPartition", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                if (c.partitionKeyMode()) {
                    throw MilvusStatusException.unexpected("disable drop partition if partition key mode is used");
                }
                if (request.getPartitionName().equals(FakeCollection.DEFAULT_PARTITION)) {
                    throw MilvusStatusException.unexpected("default partition cannot be deleted");
                }
                Partition p = c.partitions.get(request.getPartitionName());
                if (p == null) {
                    return ok();
                }
                if (p.loaded || p.loadRequested) {
                    throw MilvusStatusException.unexpected("partition cannot be dropped, partition is loaded, please release it first");
                }
                c.partitions.remove(p.name);
                c.rows.removeIf(r -> r.partition.equals(p.name));
            }
            return ok();
        }, s -> s);
    }

    @Override
    public void hasPartition(HasPartitionRequest request, StreamObserver<BoolResponse> observer) {
        respond("hasPartition", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                return BoolResponse.newBuilder().setStatus(ok()).setValue(c.partitions.containsKey(request.getPartitionName())).build();
            }
        }, s -> BoolResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void showPartitions(ShowPartitionsRequest request, StreamObserver<ShowPartitionsResponse> observer) {
        respond("showPartitions", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                ShowPartitionsResponse.Builder b = ShowPartitionsResponse.newBuilder().setStatus(ok());
                c.partitions.values().forEach(p -> b.addPartitionNames(p.name).addPartitionIDs(p.id)
                        .addCreatedTimestamps(p.createdTs).addCreatedUtcTimestamps(p.createdTs >> 18)
                        .addInMemoryPercentages(p.loaded ? 100 : 0));
                return b.build();
            }
        }, s -> ShowPartitionsResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void loadPartitions(LoadPartitionsRequest request, StreamObserver<Status> observer) {
        respond("loadPartitions", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                if (c.index == null) {
                    throw new MilvusStatusException(MilvusStatusException.INDEX_NOT_FOUND, "index not found[collection=" + c.name + "]");
                }
                List<Partition> targets = partitionsOrAll(c, request.getPartitionNamesList());
                targets.forEach(p -> c.requestLoad(p, options.loadingPolls()));
                if (c.loadType == FakeCollection.LoadType.NONE) {
                    c.loadType = FakeCollection.LoadType.PARTITIONS;
                }
            }
            return ok();
        }, s -> s);
    }

    @Override
    public void releasePartitions(ReleasePartitionsRequest request, StreamObserver<Status> observer) {
        respond("releasePartitions", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                if (c.partitionKeyMode()) {
                    throw MilvusStatusException.invalid("disable release partitions if partition key mode is used");
                }
                partitionsOrAll(c, request.getPartitionNamesList()).forEach(c::release);
                if (!c.anyLoaded() && c.partitions.values().stream().noneMatch(p -> p.loadRequested)) {
                    c.loadType = FakeCollection.LoadType.NONE;
                } else if (c.loadType == FakeCollection.LoadType.COLLECTION) {
                    c.loadType = FakeCollection.LoadType.PARTITIONS;
                }
            }
            return ok();
        }, s -> s);
    }

    // ================================================================ writes

    @Override
    public void insert(InsertRequest request, StreamObserver<MutationResult> observer) {
        respond("insert", observer, () -> write(request.getDbName(), request.getCollectionName(), request.getPartitionName(),
                request.getSchemaTimestamp(), request.getFieldsDataList(), request.getNumRows(), false),
                s -> MutationResult.newBuilder().setStatus(s).build());
    }

    @Override
    public void upsert(UpsertRequest request, StreamObserver<MutationResult> observer) {
        respond("upsert", observer, () -> {
            if (request.getPartialUpdate()) {
                throw MilvusStatusException.invalid("this fake does not implement partial_update");
            }
            return write(request.getDbName(), request.getCollectionName(), request.getPartitionName(),
                    request.getSchemaTimestamp(), request.getFieldsDataList(), request.getNumRows(), true);
        }, s -> MutationResult.newBuilder().setStatus(s).build());
    }

    /**
     * {@code schemaTimestamp} is the update timestamp of the DescribeCollection answer the client built
     * the rows from (0 = not sent): the proxy's insert and upsert tasks refuse a write built from another
     * version of the collection, e.g. one dropped and created again under the same name, so that the
     * client describes the collection again and rebuilds the rows (milvus-sdk-java does so on
     * SchemaMismatch).
     */
    private MutationResult write(String db, String collectionName, String partitionName, long schemaTimestamp, List<FieldData> fieldsData,
                                 int numRows, boolean upsert) {
        FakeCollection c = collection(db, collectionName);
        synchronized (c) {
            if (schemaTimestamp != 0 && schemaTimestamp != c.createdTs) {
                throw MilvusStatusException.schemaMismatch(collectionName);
            }
            if (c.partitionKeyMode() && !partitionName.isEmpty()) {
                throw MilvusStatusException.invalid("not support manually specifying the partition names if partition key mode is used");
            }
            String target = partitionName.isEmpty() ? FakeCollection.DEFAULT_PARTITION : partitionName;
            if (!c.partitionKeyMode() && !c.partitions.containsKey(target)) {
                throw MilvusStatusException.partitionNotFound(target);
            }
            List<Map<String, Object>> rows = decodeRows(c, fieldsData, numRows);
            String pk = c.primaryKey.getName();
            if (upsert) {
                Set<Object> seen = new HashSet<>();
                for (Map<String, Object> row : rows) {
                    if (!seen.add(row.get(pk))) {
                        throw MilvusStatusException.invalid("duplicate primary keys are not allowed in the same batch");
                    }
                }
            }
            long ts = tso.next();
            IDs.Builder idsOut = IDs.newBuilder();
            StringArray.Builder stringIds = StringArray.newBuilder();
            LongArray.Builder longIds = LongArray.newBuilder();
            MutationResult.Builder result = MutationResult.newBuilder().setStatus(ok()).setTimestamp(ts);
            for (int i = 0; i < rows.size(); i++) {
                Map<String, Object> row = rows.get(i);
                String partition = c.partitionKeyMode() ? c.partitionForKey(row.get(c.partitionKey.getName())) : target;
                if (upsert) {
                    // The delete half of an upsert covers the named partition, or every partition in partition-key mode.
                    Object key = row.get(pk);
                    for (FakeCollection.Row existing : c.rows) {
                        if (existing.deleteTs == Long.MAX_VALUE && key.equals(existing.values.get(pk))
                                && (c.partitionKeyMode() || existing.partition.equals(partition))) {
                            existing.deleteTs = ts;
                        }
                    }
                }
                c.add(row, partition, ts);
                if (row.get(pk) instanceof String s) {
                    stringIds.addData(s);
                } else {
                    longIds.addData((Long) row.get(pk));
                }
                result.addSuccIndex(i);
            }
            if (c.primaryKey.getDataType() == DataType.VarChar) {
                idsOut.setStrId(stringIds);
            } else {
                idsOut.setIntId(longIds);
            }
            c.compact(readHorizon());
            result.setIDs(idsOut);
            return upsert ? result.setUpsertCnt(rows.size()).build() : result.setInsertCnt(rows.size()).build();
        }
    }

    private List<Map<String, Object>> decodeRows(FakeCollection c, List<FieldData> fieldsData, int numRows) {
        Map<String, FieldData> byName = new LinkedHashMap<>();
        for (FieldData data : fieldsData) {
            if (!c.fields.containsKey(data.getFieldName())) {
                throw MilvusStatusException.invalid("Attempt to insert an unexpected field `" + data.getFieldName()
                        + "` to collection without enabling dynamic field");
            }
            byName.put(data.getFieldName(), data);
        }
        List<Map<String, Object>> rows = new ArrayList<>(numRows);
        for (int i = 0; i < numRows; i++) {
            rows.add(new LinkedHashMap<>());
        }
        for (FieldSchema field : c.fields.values()) {
            FieldData data = byName.get(field.getName());
            if (data == null) {
                if (field.getNullable()) {
                    continue;
                }
                throw MilvusStatusException.invalid("Insert missed an field `" + field.getName()
                        + "` to collection without set nullable==true or set default_value");
            }
            List<Object> column = decodeColumn(field, data, numRows);
            for (int i = 0; i < numRows; i++) {
                rows.get(i).put(field.getName(), column.get(i));
            }
        }
        return rows;
    }

    private List<Object> decodeColumn(FieldSchema field, FieldData data, int numRows) {
        List<Object> values = new ArrayList<>(numRows);
        String name = field.getName();
        switch (field.getDataType()) {
            case VarChar, String -> {
                int max = Integer.parseInt(FakeCollection.typeParam(field, "max_length"));
                List<String> strings = data.getScalars().getStringData().getDataList();
                for (int i = 0; i < strings.size(); i++) {
                    int bytes = strings.get(i).getBytes(StandardCharsets.UTF_8).length;
                    if (bytes > max) {
                        throw MilvusStatusException.invalid("length of varchar field " + name + " exceeds max length, row number: " + i
                                + ", length: " + bytes + ", max length: " + max);
                    }
                }
                values.addAll(strings);
            }
            case Int64 -> values.addAll(data.getScalars().getLongData().getDataList());
            case Int32, Int16, Int8 -> data.getScalars().getIntData().getDataList().forEach(v -> values.add((long) v));
            case Bool -> values.addAll(data.getScalars().getBoolData().getDataList());
            case Double -> values.addAll(data.getScalars().getDoubleData().getDataList());
            case Float -> data.getScalars().getFloatData().getDataList().forEach(v -> values.add((double) v));
            case JSON -> {
                for (ByteString bytes : data.getScalars().getJsonData().getDataList()) {
                    if (bytes.size() > MAX_JSON_BYTES) {
                        throw MilvusStatusException.invalid("the length (" + bytes.size() + ") of json field (" + name
                                + ") exceeds max length (" + MAX_JSON_BYTES + ")");
                    }
                    try {
                        JsonNode node = JSON.readTree(bytes.toByteArray());
                        if (node == null) {
                            throw new IOException("empty");
                        }
                        values.add(node);
                    } catch (IOException e) {
                        throw MilvusStatusException.invalid("invalid JSON data for field " + name + ": " + bytes.toStringUtf8());
                    }
                }
            }
            case FloatVector -> {
                int dim = Integer.parseInt(FakeCollection.typeParam(field, "dim"));
                VectorField vectors = data.getVectors();
                if (vectors.getDim() != dim) {
                    throw MilvusStatusException.invalid("the dim (" + vectors.getDim() + ") of field data(" + name
                            + ") is not equal to schema dim (" + dim + ")");
                }
                List<Float> floats = vectors.getFloatVector().getDataList();
                if (floats.size() != (long) dim * numRows) {
                    throw MilvusStatusException.invalid("the num_rows (" + numRows + ") of field (" + name
                            + ") is not equal to passed num_rows (" + floats.size() / Math.max(dim, 1) + ")");
                }
                for (int i = 0; i < numRows; i++) {
                    float[] v = new float[dim];
                    for (int d = 0; d < dim; d++) {
                        float f = floats.get(i * dim + d);
                        if (!Float.isFinite(f)) {
                            throw MilvusStatusException.invalid("the value (" + f + ") of float vector field " + name + " is NaN or Inf");
                        }
                        v[d] = f;
                    }
                    values.add(v);
                }
            }
            default -> throw MilvusStatusException.invalid("this fake does not store fields of type " + field.getDataType());
        }
        if (values.size() != numRows) {
            throw MilvusStatusException.invalid("the num_rows (" + values.size() + ") of field (" + name
                    + ") is not equal to passed num_rows (" + numRows + ")");
        }
        return values;
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<MutationResult> observer) {
        respond("delete", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                if (c.partitionKeyMode() && !request.getPartitionName().isEmpty()) {
                    throw MilvusStatusException.invalid("not support manually specifying the partition names if partition key mode is used");
                }
                if (request.getExpr().isBlank()) {
                    throw MilvusStatusException.invalid("delete plan can't be empty or always true : " + request.getExpr());
                }
                List<Partition> partitions = request.getPartitionName().isEmpty() ? List.copyOf(c.partitions.values())
                        : partitionsOrAll(c, List.of(request.getPartitionName()));
                Set<String> inPartitions = new HashSet<>();
                partitions.forEach(p -> inPartitions.add(p.name));
                RowPredicate predicate = RowPredicate.compile(request.getExpr(), c::typeOf, request.getExprTemplateValuesMap());
                List<Object> simpleKeys = RowPredicate.simplePrimaryKeys(request.getExpr(), c.primaryKey.getName(),
                        request.getExprTemplateValuesMap());
                if (simpleKeys == null && !c.anyLoaded()) {
                    // A delete by a complex expression queries the matches first, which needs a loaded collection.
                    throw new MilvusStatusException(MilvusStatusException.COLLECTION_NOT_LOADED, "collection not loaded[collection=" + c.id + "]");
                }
                long ts = tso.next();
                long readTs = ts - 1;
                long matched = 0;
                for (FakeCollection.Row row : c.rows) {
                    if (row.visibleAt(readTs) && inPartitions.contains(row.partition) && predicate.matches(row.values::get, options.missingKeySemantics())) {
                        row.deleteTs = ts;
                        matched++;
                    }
                }
                // A delete by primary keys reports how many keys it was sent, existing or not (proxy "simple delete").
                long reported = simpleKeys != null ? simpleKeys.size() : matched;
                return MutationResult.newBuilder().setStatus(ok()).setDeleteCnt(reported).setTimestamp(ts).build();
            }
        }, s -> MutationResult.newBuilder().setStatus(s).build());
    }

    @Override
    public void flush(FlushRequest request, StreamObserver<FlushResponse> observer) {
        respond("flush", observer, () -> {
            FlushResponse.Builder b = FlushResponse.newBuilder().setStatus(ok()).setDbName(databaseName(request.getDbName()));
            for (String name : request.getCollectionNamesList()) {
                collection(request.getDbName(), name);
                b.putCollSegIDs(name, LongArray.newBuilder().build());
                b.putFlushCollSegIDs(name, LongArray.newBuilder().build());
                b.putCollSealTimes(name, System.currentTimeMillis() / 1000);
                b.putCollFlushTs(name, tso.next());
            }
            return b.build();
        }, s -> FlushResponse.newBuilder().setStatus(s).build());
    }

    @Override
    public void getFlushState(GetFlushStateRequest request, StreamObserver<GetFlushStateResponse> observer) {
        respond("getFlushState", observer, () -> GetFlushStateResponse.newBuilder().setStatus(ok()).setFlushed(true).build(),
                s -> GetFlushStateResponse.newBuilder().setStatus(s).build());
    }

    // ================================================================ reads

    /** Reads never look below this timestamp, so row versions deleted before it can go. */
    private long readHorizon() {
        return options.visibilityLag().isZero() ? tso.next() - 1 : ((System.currentTimeMillis() - options.visibilityLag().toMillis()) << 18) - 1;
    }

    /**
     * The timestamp a read sees, by consistency level: Strong waits for every acknowledged write;
     * Bounded and Eventually read what the query node has applied, which lags by
     * {@code visibilityLag}; Session reads at least at the client's last write timestamp.
     */
    private long readTimestamp(FakeCollection c, ConsistencyLevel requested, boolean useDefault, long guarantee) {
        ConsistencyLevel level = useDefault ? c.consistencyLevel : requested;
        long now = tso.next();
        long serviceable = options.visibilityLag().isZero() ? now
                : Math.min(now, (System.currentTimeMillis() - options.visibilityLag().toMillis()) << 18);
        return switch (level) {
            case Strong -> now;
            case Session -> Math.max(serviceable, Math.min(guarantee, now));
            case Customized -> guarantee == 0 ? now : Math.min(guarantee, now);
            default -> serviceable;
        };
    }

    private List<Partition> readablePartitions(FakeCollection c, List<String> names) {
        if (c.partitionKeyMode() && !names.isEmpty()) {
            throw MilvusStatusException.invalid("not support manually specifying the partition names if partition key mode is used");
        }
        List<Partition> partitions = partitionsOrAll(c, names);
        if (c.loadType == FakeCollection.LoadType.NONE || !c.anyLoaded()) {
            throw new MilvusStatusException(MilvusStatusException.COLLECTION_NOT_LOADED, "collection not loaded[collection=" + c.id + "]");
        }
        if (!names.isEmpty()) {
            for (Partition p : partitions) {
                if (!p.loaded) {
                    throw new MilvusStatusException(MilvusStatusException.PARTITION_NOT_LOADED, "partition not loaded[partition=" + p.name + "]");
                }
            }
            return partitions;
        }
        return partitions.stream().filter(p -> p.loaded).toList();
    }

    @Override
    public void query(QueryRequest request, StreamObserver<QueryResults> observer) {
        respond("query", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                List<Partition> partitions = readablePartitions(c, request.getPartitionNamesList());
                Map<String, String> params = new HashMap<>();
                request.getQueryParamsList().forEach(p -> params.put(p.getKey(), p.getValue()));
                long limit = params.containsKey("limit") ? Long.parseLong(params.get("limit")) : -1;
                long offset = params.containsKey("offset") ? Long.parseLong(params.get("offset")) : 0;
                boolean iterator = Boolean.parseBoolean(params.getOrDefault("iterator", "false"));
                List<String> outputs = new ArrayList<>(request.getOutputFieldsList());
                boolean count = outputs.size() == 1 && outputs.get(0).equalsIgnoreCase("count(*)");
                if (request.getExpr().isBlank() && limit < 0 && !count) {
                    throw MilvusStatusException.invalid("empty expression should be used with limit");
                }
                if (limit >= 0 && (limit + offset < 1 || limit + offset > MAX_TOP_K)) {
                    throw MilvusStatusException.invalid("invalid max query result window, (offset+limit) should be in range [1, "
                            + MAX_TOP_K + "], but got " + (limit + offset));
                }
                List<FakeCollection.Row> matches = select(c, partitions, request.getExpr(), request.getExprTemplateValuesMap(),
                        readTimestamp(c, request.getConsistencyLevel(), request.getUseDefaultConsistency(), request.getGuaranteeTimestamp()));
                long sessionTs = tso.next();
                if (count) {
                    return QueryResults.newBuilder().setStatus(ok()).setCollectionName(c.name).addOutputFields("count(*)")
                            .addFieldsData(FieldData.newBuilder().setFieldName("count(*)").setType(DataType.Int64)
                                    .setScalars(ScalarField.newBuilder().setLongData(LongArray.newBuilder().addData(matches.size()))))
                            .setSessionTs(sessionTs).build();
                }
                // With the iterator flag the proxy reduces results in primary-key order (the query iterator pages on pk > last);
                // otherwise rows come in segment (insertion) order.
                Comparator<FakeCollection.Row> order = iterator ? pkOrder(c) : Comparator.comparingLong(r -> r.sequence);
                matches.sort(order);
                int from = (int) Math.min(offset, matches.size());
                int to = limit < 0 ? matches.size() : (int) Math.min(matches.size(), offset + limit);
                List<FakeCollection.Row> page = matches.subList(from, to);
                List<String> fields = outputFields(c, outputs, true);
                QueryResults.Builder b = QueryResults.newBuilder().setStatus(ok()).setCollectionName(c.name)
                        .setPrimaryFieldName(c.primaryKey.getName()).setSessionTs(sessionTs);
                for (String field : fields) {
                    b.addOutputFields(field);
                    b.addFieldsData(column(c, field, page));
                }
                return b.build();
            }
        }, s -> QueryResults.newBuilder().setStatus(s).build());
    }

    private Comparator<FakeCollection.Row> pkOrder(FakeCollection c) {
        String pk = c.primaryKey.getName();
        if (c.primaryKey.getDataType() == DataType.VarChar) {
            return (a, b) -> RowPredicate.compareUtf8((String) a.values.get(pk), (String) b.values.get(pk));
        }
        return Comparator.comparingLong(r -> (Long) r.values.get(pk));
    }

    private List<FakeCollection.Row> select(FakeCollection c, List<Partition> partitions, String expr, Map<String, TemplateValue> templates,
                                            long readTs) {
        RowPredicate predicate = expr.isBlank() ? null : RowPredicate.compile(expr, c::typeOf, templates);
        Set<String> names = new HashSet<>();
        partitions.forEach(p -> names.add(p.name));
        List<FakeCollection.Row> out = new ArrayList<>();
        for (FakeCollection.Row row : c.rows) {
            if (row.visibleAt(readTs) && names.contains(row.partition)
                    && (predicate == null || predicate.matches(row.values::get, options.missingKeySemantics()))) {
                out.add(row);
            }
        }
        return out;
    }

    private static List<String> outputFields(FakeCollection c, List<String> requested, boolean withPrimaryKey) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        if (withPrimaryKey) {
            out.add(c.primaryKey.getName());
        }
        for (String field : requested) {
            if (field.equals("*")) {
                out.addAll(c.fields.keySet());
            } else if (!c.fields.containsKey(field)) {
                throw MilvusStatusException.invalid("field " + field + " not exist");
            } else {
                out.add(field);
            }
        }
        return List.copyOf(out);
    }

    private static FieldData column(FakeCollection c, String field, List<FakeCollection.Row> rows) {
        FieldSchema schema = c.fields.get(field);
        FieldData.Builder b = FieldData.newBuilder().setFieldName(field).setFieldId(schema.getFieldID()).setType(schema.getDataType());
        switch (schema.getDataType()) {
            case VarChar, String -> {
                StringArray.Builder s = StringArray.newBuilder();
                rows.forEach(r -> s.addData((String) r.values.get(field)));
                b.setScalars(ScalarField.newBuilder().setStringData(s));
            }
            case Int64 -> {
                LongArray.Builder l = LongArray.newBuilder();
                rows.forEach(r -> l.addData((Long) r.values.get(field)));
                b.setScalars(ScalarField.newBuilder().setLongData(l));
            }
            case Int32, Int16, Int8 -> {
                IntArray.Builder l = IntArray.newBuilder();
                rows.forEach(r -> l.addData(((Long) r.values.get(field)).intValue()));
                b.setScalars(ScalarField.newBuilder().setIntData(l));
            }
            case Bool -> {
                BoolArray.Builder l = BoolArray.newBuilder();
                rows.forEach(r -> l.addData((Boolean) r.values.get(field)));
                b.setScalars(ScalarField.newBuilder().setBoolData(l));
            }
            case Double -> {
                DoubleArray.Builder l = DoubleArray.newBuilder();
                rows.forEach(r -> l.addData((Double) r.values.get(field)));
                b.setScalars(ScalarField.newBuilder().setDoubleData(l));
            }
            case Float -> {
                FloatArray.Builder l = FloatArray.newBuilder();
                rows.forEach(r -> l.addData(((Double) r.values.get(field)).floatValue()));
                b.setScalars(ScalarField.newBuilder().setFloatData(l));
            }
            case JSON -> {
                JSONArray.Builder j = JSONArray.newBuilder();
                for (FakeCollection.Row r : rows) {
                    try {
                        j.addData(ByteString.copyFrom(JSON.writeValueAsBytes(r.values.get(field))));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
                b.setScalars(ScalarField.newBuilder().setJsonData(j));
            }
            case FloatVector -> {
                int dim = c.dimension();
                FloatArray.Builder f = FloatArray.newBuilder();
                for (FakeCollection.Row r : rows) {
                    for (float v : (float[]) r.values.get(field)) {
                        f.addData(v);
                    }
                }
                b.setVectors(VectorField.newBuilder().setDim(dim).setFloatVector(f));
            }
            default -> throw MilvusStatusException.invalid("cannot output field of type " + schema.getDataType());
        }
        return b.build();
    }

    @Override
    public void search(SearchRequest request, StreamObserver<SearchResults> observer) {
        respond("search", observer, () -> {
            FakeCollection c = collection(request.getDbName(), request.getCollectionName());
            synchronized (c) {
                List<Partition> partitions = readablePartitions(c, request.getPartitionNamesList());
                Map<String, String> params = new HashMap<>();
                request.getSearchParamsList().forEach(p -> params.put(p.getKey(), p.getValue()));
                long topK = Long.parseLong(params.getOrDefault("topk", params.getOrDefault("limit", "0")));
                long offset = Long.parseLong(params.getOrDefault("offset", "0"));
                if (topK < 1 || topK + offset > MAX_TOP_K) {
                    throw MilvusStatusException.invalid("topk [" + topK + "] is invalid, it should be in range [1, " + MAX_TOP_K + "]");
                }
                String annsField = params.getOrDefault("anns_field", c.vectorField().map(FieldSchema::getName).orElse(""));
                if (c.typeOf(annsField) != DataType.FloatVector) {
                    throw MilvusStatusException.invalid("failed to get field schema by name: " + annsField);
                }
                String metric = c.index.metricType();
                String requestedMetric = params.get("metric_type");
                if (requestedMetric != null && !requestedMetric.isEmpty() && !requestedMetric.equals(metric)) {
                    throw MilvusStatusException.invalid("metric type not match: invalid parameter[expected=" + metric + "][actual=" + requestedMetric + "]");
                }
                List<float[]> queries = queryVectors(request, c.dimension());
                List<FakeCollection.Row> candidates = select(c, partitions, request.getDsl(), request.getExprTemplateValuesMap(),
                        readTimestamp(c, request.getConsistencyLevel(), request.getUseDefaultConsistency(), request.getGuaranteeTimestamp()));
                List<String> fields = outputFields(c, request.getOutputFieldsList(), false);
                SearchResultData.Builder data = SearchResultData.newBuilder().setNumQueries(queries.size()).setTopK(topK)
                        .setPrimaryFieldName(c.primaryKey.getName()).addAllOutputFields(fields);
                StringArray.Builder stringIds = StringArray.newBuilder();
                LongArray.Builder longIds = LongArray.newBuilder();
                List<FakeCollection.Row> hits = new ArrayList<>();
                for (float[] query : queries) {
                    List<Scored> scored = new ArrayList<>();
                    for (FakeCollection.Row row : candidates) {
                        scored.add(new Scored(row, score(metric, query, (float[]) row.values.get(annsField))));
                    }
                    // L2 is a squared distance, smaller first; IP and COSINE are similarities, larger first.
                    Comparator<Scored> byScore = Comparator.comparingDouble(Scored::score);
                    scored.sort((metric.equals("L2") ? byScore : byScore.reversed()).thenComparingLong(s -> s.row().sequence));
                    List<Scored> top = scored.subList((int) Math.min(offset, scored.size()), (int) Math.min(scored.size(), offset + topK));
                    data.addTopks(top.size());
                    for (Scored s : top) {
                        data.addScores((float) s.score());
                        Object pk = s.row().values.get(c.primaryKey.getName());
                        if (pk instanceof String str) {
                            stringIds.addData(str);
                        } else {
                            longIds.addData((Long) pk);
                        }
                        hits.add(s.row());
                    }
                }
                data.setIds(c.primaryKey.getDataType() == DataType.VarChar ? IDs.newBuilder().setStrId(stringIds).build()
                        : IDs.newBuilder().setIntId(longIds).build());
                for (String field : fields) {
                    data.addFieldsData(column(c, field, hits));
                }
                return SearchResults.newBuilder().setStatus(ok()).setCollectionName(c.name).setResults(data).setSessionTs(tso.next()).build();
            }
        }, s -> SearchResults.newBuilder().setStatus(s).build());
    }

    private record Scored(FakeCollection.Row row, double score) {
    }

    private static List<float[]> queryVectors(SearchRequest request, int dim) {
        if (!request.hasPlaceholderGroup()) {
            throw MilvusStatusException.invalid("this fake searches by vectors only");
        }
        PlaceholderGroup group;
        try {
            group = PlaceholderGroup.parseFrom(request.getPlaceholderGroup());
        } catch (InvalidProtocolBufferException e) {
            throw MilvusStatusException.invalid("invalid placeholder group");
        }
        List<float[]> out = new ArrayList<>();
        for (PlaceholderValue value : group.getPlaceholdersList()) {
            if (value.getType() != PlaceholderType.FloatVector) {
                throw MilvusStatusException.invalid("search vector type " + value.getType() + " does not match the FloatVector field");
            }
            for (ByteString bytes : value.getValuesList()) {
                if (bytes.size() != dim * Float.BYTES) {
                    throw MilvusStatusException.invalid("vector dimension mismatch, expected vector size(byte) " + dim * Float.BYTES
                            + ", actual " + bytes.size() + ".");
                }
                ByteBuffer buffer = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                float[] v = new float[dim];
                for (int i = 0; i < dim; i++) {
                    v[i] = buffer.getFloat();
                    if (!Float.isFinite(v[i])) {
                        throw MilvusStatusException.invalid("the value of search vector is NaN or Inf");
                    }
                }
                out.add(v);
            }
        }
        return out;
    }

    static double score(String metric, float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        double l2 = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
            double d = (double) a[i] - b[i];
            l2 += d * d;
        }
        return switch (metric) {
            case "L2" -> l2;
            case "IP" -> dot;
            case "COSINE" -> na == 0 || nb == 0 ? 0 : dot / (Math.sqrt(na) * Math.sqrt(nb));
            default -> throw new IllegalStateException(metric);
        };
    }
}
