package dev.partitiongateway.adapter.pinecone.fake;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.pinecone.proto.CreateNamespaceRequest;
import io.pinecone.proto.DeleteNamespaceRequest;
import io.pinecone.proto.DeleteRequest;
import io.pinecone.proto.DeleteResponse;
import io.pinecone.proto.DescribeIndexStatsRequest;
import io.pinecone.proto.DescribeIndexStatsResponse;
import io.pinecone.proto.DescribeNamespaceRequest;
import io.pinecone.proto.FetchRequest;
import io.pinecone.proto.FetchResponse;
import io.pinecone.proto.ListItem;
import io.pinecone.proto.ListNamespacesRequest;
import io.pinecone.proto.ListNamespacesResponse;
import io.pinecone.proto.ListRequest;
import io.pinecone.proto.ListResponse;
import io.pinecone.proto.NamespaceDescription;
import io.pinecone.proto.NamespaceSummary;
import io.pinecone.proto.Pagination;
import io.pinecone.proto.QueryRequest;
import io.pinecone.proto.QueryResponse;
import io.pinecone.proto.ScoredVector;
import io.pinecone.proto.UpsertRequest;
import io.pinecone.proto.UpsertResponse;
import io.pinecone.proto.Usage;
import io.pinecone.proto.Vector;
import io.pinecone.proto.VectorServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One serverless index of the fake: its data plane ({@code VectorService} over gRPC on its own
 * localhost port, as every real index has its own host) and its state.
 *
 * <h2>What it reproduces (see {@code ../shared/SDK-NOTES.md} and the Pinecone docs)</h2>
 * <ul>
 *   <li>Eventual consistency: every write (upsert, delete, namespace deletion) is queued and applied
 *       {@link FakePinecone.Behaviour#visibilityDelay()} after it was acknowledged; reads (fetch, query,
 *       list, stats, namespace descriptions) see only what is applied. Writes apply in the order they
 *       were acknowledged.</li>
 *   <li>Request limits: upsert 1..1000 vectors and at most 2 MiB; fetch and delete at most 1000 ids;
 *       top_k 1..10,000; list pages of 100 ids by default (at most 100, UNCONFIRMED).</li>
 *   <li>Record rules: ids of 1..512 bytes; exactly the index's dimension; finite values, not all zeros
 *       ("Dense vectors must contain at least one non-zero value"); metadata of strings, numbers,
 *       booleans and lists of strings only (no null, no nested object, keys not starting with '$'),
 *       at most 40,960 bytes as JSON ("metadata size is N bytes, which exceeds the limit of 40960
 *       bytes per vector").</li>
 *   <li>Scores: cosine and dotproduct higher is better; euclidean is the SQUARED distance, lower is better.</li>
 *   <li>Namespaces: created explicitly (visible at once) or implicitly by an upsert (visible with it);
 *       deleting all records leaves the namespace; {@code deleteNamespace} removes it (after the
 *       visibility delay). Delete on a missing namespace: NOT_FOUND "Namespace not found", or accepted
 *       ({@link FakePinecone.MissingNamespaceDelete}). Query, fetch and list on a missing namespace
 *       return nothing. A namespace cap answers PERMISSION_DENIED.</li>
 *   <li>Delete returns no count and takes exactly one of ids, delete_all or filter.</li>
 *   <li>list: ids sorted bytewise (UTF-8, unsigned), {@code pagination.next} only when more remain.</li>
 * </ul>
 * Not reproduced (answered UNIMPLEMENTED): update, fetch by metadata, query by id, sparse values.
 */
public final class FakeIndex {

    static final int MAX_UPSERT_VECTORS = 1000;
    static final int MAX_UPSERT_BYTES = 2 * 1024 * 1024;
    static final int MAX_IDS = 1000;
    static final int MAX_TOP_K = 10_000;
    static final int MAX_ID_BYTES = 512;
    static final int MAX_METADATA_BYTES = 40_960;
    static final int DEFAULT_LIST_LIMIT = 100;
    static final int MAX_LIST_LIMIT = 100;
    static final int MAX_QUERY_RESPONSE_BYTES = 4 * 1024 * 1024;

    /** UTF-8 bytes compared unsigned, which is what "bytewise" means for list order. */
    static final Comparator<String> BYTEWISE = (a, b) -> {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    };

    private final FakePinecone owner;
    private final String name;
    private final int dimension;
    private final String metric;
    private final String cloud;
    private final String region;
    private final Map<String, String> tags;
    private final Instant readyAt;
    private final Server server;
    private volatile boolean deletionProtected;

    private final Object lock = new Object();
    /** Namespace name -> records, as reads see them. */
    private final Map<String, TreeMap<String, Vector>> visible = new HashMap<>();
    /** Acknowledged writes not yet visible, oldest first. */
    private final Deque<PendingWrite> pending = new ArrayDeque<>();
    /** Namespaces an acknowledged but not yet visible write creates; they count against the cap. */
    private final Set<String> pendingNamespaces = new HashSet<>();
    private final Map<String, long[]> rateWindows = new HashMap<>();

    private record PendingWrite(long visibleAtNanos, String namespace, Runnable apply) {
    }

    FakeIndex(FakePinecone owner, String name, int dimension, String metric, String cloud, String region,
              Map<String, String> tags, Instant readyAt) {
        this.owner = owner;
        this.name = name;
        this.dimension = dimension;
        this.metric = metric;
        this.cloud = cloud;
        this.region = region;
        this.tags = Map.copyOf(tags);
        this.readyAt = readyAt;
        try {
            this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .maxInboundMessageSize(64 * 1024 * 1024)
                    .addService(ServerInterceptors.intercept(new Service(), owner.dataPlaneInterceptor(name)))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the data plane of fake index " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public int dimension() {
        return dimension;
    }

    public String metric() {
        return metric;
    }

    public Map<String, String> tags() {
        return tags;
    }

    String cloud() {
        return cloud;
    }

    String region() {
        return region;
    }

    /** {@code host:port} without a scheme, as the control plane reports an index host. */
    public String host() {
        return "127.0.0.1:" + server.getPort();
    }

    boolean ready() {
        return !Instant.now().isBefore(readyAt);
    }

    boolean deletionProtected() {
        return deletionProtected;
    }

    void protectFromDeletion() {
        deletionProtected = true;
    }

    void stop() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- state

    private void applyDueWrites() {
        long now = System.nanoTime();
        while (!pending.isEmpty() && pending.peekFirst().visibleAtNanos() - now <= 0) {
            pending.pollFirst().apply().run();
        }
    }

    private void enqueue(String namespace, Runnable apply) {
        long delay = owner.behaviour().visibilityDelay().toNanos();
        if (delay == 0 && pending.isEmpty()) {
            apply.run();
        } else {
            pending.addLast(new PendingWrite(System.nanoTime() + delay, namespace, apply));
        }
    }

    private boolean namespaceExistsOrIsPending(String namespace) {
        return visible.containsKey(namespace) || pendingNamespaces.contains(namespace);
    }

    private void requireRoomFor(String namespace) {
        if (namespaceExistsOrIsPending(namespace)) {
            return;
        }
        int cap = owner.behaviour().maxNamespacesPerIndex();
        Set<String> all = new HashSet<>(visible.keySet());
        all.addAll(pendingNamespaces);
        if (all.size() >= cap) {
            throw Status.PERMISSION_DENIED.withDescription("Request failed. You've reached the max namespaces allowed in serverless index "
                    + name + " (" + cap + "). To add more namespaces, upgrade your plan.").asRuntimeException();
        }
    }

    /** A fixed one-second window per namespace; the real limit is 100 requests/s per namespace (docs). */
    private void admit(String namespace) {
        int limit = owner.behaviour().requestsPerSecondPerNamespace();
        if (limit <= 0) {
            return;
        }
        long second = System.nanoTime() / 1_000_000_000L;
        long[] window = rateWindows.computeIfAbsent(namespace, k -> new long[] {second, 0});
        if (window[0] != second) {
            window[0] = second;
            window[1] = 0;
        }
        if (++window[1] > limit) {
            Metadata trailers = new Metadata();
            if (owner.behaviour().retryAfterHint() != null) {
                trailers.put(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER),
                        Long.toString(Math.max(1, owner.behaviour().retryAfterHint().toSeconds())));
            }
            throw Status.RESOURCE_EXHAUSTED.withDescription("Request rate limit exceeded for namespace " + namespace
                    + ": at most " + limit + " requests per second").asRuntimeException(trailers);
        }
    }

    // ---------------------------------------------------------------- validation

    private void validateVector(Vector vector) {
        String id = vector.getId();
        if (id.isEmpty()) {
            throw invalid("Vector ID must not be empty");
        }
        if (id.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            throw invalid("Vector ID '" + abbreviate(id) + "' is longer than " + MAX_ID_BYTES + " bytes");
        }
        if (vector.hasSparseValues()) {
            throw Status.UNIMPLEMENTED.withDescription("the fake does not reproduce sparse values").asRuntimeException();
        }
        if (vector.getValuesCount() != dimension) {
            throw invalid("Vector dimension " + vector.getValuesCount() + " does not match the dimension of the index " + dimension);
        }
        boolean allZero = true;
        for (float v : vector.getValuesList()) {
            if (!Float.isFinite(v)) {
                throw invalid("Vector ID '" + abbreviate(id) + "' contains a value that is not a finite number");
            }
            allZero &= v == 0f;
        }
        if (allZero) {
            throw invalid("Dense vectors must contain at least one non-zero value. Vector ID '" + abbreviate(id) + "' contains only zeros");
        }
        validateMetadata(vector.getMetadata());
    }

    /** Pinecone's metadata rules; throws INVALID_ARGUMENT as the data plane does. Public for tests of what an adapter sends. */
    public static void validateMetadata(Struct metadata) {
        for (Map.Entry<String, Value> field : metadata.getFieldsMap().entrySet()) {
            String key = field.getKey();
            if (key.isEmpty() || key.startsWith("$")) {
                throw invalid("Metadata key '" + key + "' is not allowed: keys must be non-empty and must not start with '$'");
            }
            Value value = field.getValue();
            switch (value.getKindCase()) {
                case STRING_VALUE, BOOL_VALUE -> {
                }
                case NUMBER_VALUE -> {
                    if (!Double.isFinite(value.getNumberValue())) {
                        throw invalid("Metadata value for field '" + key + "' must be a finite number");
                    }
                }
                case LIST_VALUE -> {
                    for (Value element : value.getListValue().getValuesList()) {
                        if (!element.hasStringValue()) {
                            throw invalid("Metadata value for field '" + key + "' must be a string, number, boolean or list of strings; "
                                    + "lists may only contain strings");
                        }
                    }
                }
                case NULL_VALUE -> throw invalid("Metadata value for field '" + key + "' is null; null values are not supported");
                case STRUCT_VALUE -> throw invalid("Metadata value for field '" + key + "' is an object; nested objects are not supported");
                default -> throw invalid("Metadata value for field '" + key + "' has no value");
            }
        }
        int size = FakeJson.size(metadata);
        if (size > MAX_METADATA_BYTES) {
            throw invalid("metadata size is " + size + " bytes, which exceeds the limit of " + MAX_METADATA_BYTES + " bytes per vector");
        }
    }

    private FakeMetadataFilter filter(Struct filter) {
        try {
            return FakeMetadataFilter.parse(filter, owner.behaviour().negationsMatchMissingFields());
        } catch (FakeMetadataFilter.InvalidFilter e) {
            throw invalid(e.getMessage());
        }
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static String abbreviate(String id) {
        return id.length() <= 40 ? id : id.substring(0, 40) + "...";
    }

    // ---------------------------------------------------------------- scoring

    private float score(List<Float> query, Vector stored) {
        double dot = 0;
        double normQuery = 0;
        double normStored = 0;
        double squaredDistance = 0;
        for (int i = 0; i < dimension; i++) {
            double a = query.get(i);
            double b = stored.getValues(i);
            dot += a * b;
            normQuery += a * a;
            normStored += b * b;
            squaredDistance += (a - b) * (a - b);
        }
        return (float) switch (metric) {
            case "cosine" -> normQuery == 0 || normStored == 0 ? 0 : dot / (Math.sqrt(normQuery) * Math.sqrt(normStored));
            case "dotproduct" -> dot;
            case "euclidean" -> squaredDistance;
            default -> throw new IllegalStateException(metric);
        };
    }

    private boolean lowerIsBetter() {
        return metric.equals("euclidean");
    }

    // ---------------------------------------------------------------- the service

    private final class Service extends VectorServiceGrpc.VectorServiceImplBase {

        private <T> void answer(StreamObserver<T> out, String namespace, Supplier<T> body) {
            T response;
            try {
                if (!ready()) {
                    throw Status.UNAVAILABLE.withDescription("Index " + name + " is not ready").asRuntimeException();
                }
                synchronized (lock) {
                    admit(namespace);
                    applyDueWrites();
                    response = body.get();
                }
            } catch (StatusRuntimeException e) {
                out.onError(e);
                return;
            }
            out.onNext(response);
            out.onCompleted();
        }

        @Override
        public void upsert(UpsertRequest request, StreamObserver<UpsertResponse> out) {
            String namespace = request.getNamespace();
            owner.record(name, "upsert", namespace, request.getVectorsCount(), request.getSerializedSize());
            answer(out, namespace, () -> {
                if (request.getVectorsCount() == 0) {
                    throw invalid("No vectors provided");
                }
                if (request.getVectorsCount() > MAX_UPSERT_VECTORS) {
                    throw invalid("Upsert request has " + request.getVectorsCount() + " vectors; at most "
                            + MAX_UPSERT_VECTORS + " are allowed per request");
                }
                if (request.getSerializedSize() > MAX_UPSERT_BYTES) {
                    throw invalid("Request size " + (request.getSerializedSize() / (1024 * 1024)) + "MB exceeds the maximum supported size of 2MB");
                }
                // Everything is checked before anything is applied: a refused request changes nothing.
                request.getVectorsList().forEach(FakeIndex.this::validateVector);
                requireRoomFor(namespace);
                List<Vector> vectors = List.copyOf(request.getVectorsList());
                if (!visible.containsKey(namespace)) {
                    pendingNamespaces.add(namespace);
                }
                enqueue(namespace, () -> {
                    pendingNamespaces.remove(namespace);
                    TreeMap<String, Vector> records = visible.computeIfAbsent(namespace, k -> new TreeMap<>(BYTEWISE));
                    vectors.forEach(v -> records.put(v.getId(), v));
                });
                return UpsertResponse.newBuilder().setUpsertedCount(vectors.size()).build();
            });
        }

        @Override
        public void fetch(FetchRequest request, StreamObserver<FetchResponse> out) {
            String namespace = request.getNamespace();
            owner.record(name, "fetch", namespace, request.getIdsCount(), request.getSerializedSize());
            answer(out, namespace, () -> {
                if (request.getIdsCount() == 0) {
                    throw invalid("No IDs provided");
                }
                if (request.getIdsCount() > MAX_IDS) {
                    throw invalid("Fetch request has " + request.getIdsCount() + " IDs; at most " + MAX_IDS + " are allowed");
                }
                FetchResponse.Builder response = FetchResponse.newBuilder().setNamespace(namespace)
                        .setUsage(Usage.newBuilder().setReadUnits(1));
                TreeMap<String, Vector> records = visible.getOrDefault(namespace, new TreeMap<>());
                for (String id : request.getIdsList()) {
                    Vector vector = records.get(id);
                    if (vector != null) {
                        response.putVectors(id, vector);
                    }
                }
                return response.build();
            });
        }

        @Override
        public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
            String namespace = request.getNamespace();
            owner.record(name, "delete", namespace, request.getIdsCount(), request.getSerializedSize());
            answer(out, namespace, () -> {
                int modes = (request.getIdsCount() > 0 ? 1 : 0) + (request.getDeleteAll() ? 1 : 0) + (request.hasFilter() ? 1 : 0);
                if (modes != 1) {
                    throw invalid("Exactly one of ids, delete_all or filter must be given");
                }
                if (request.getIdsCount() > MAX_IDS) {
                    throw invalid("Delete request has " + request.getIdsCount() + " IDs; at most " + MAX_IDS + " are allowed");
                }
                FakeMetadataFilter filter = request.hasFilter() ? filter(request.getFilter()) : null;
                if (!namespaceExistsOrIsPending(namespace)) {
                    if (owner.behaviour().missingNamespaceDelete() == FakePinecone.MissingNamespaceDelete.NOT_FOUND) {
                        throw Status.NOT_FOUND.withDescription("Namespace not found").asRuntimeException();
                    }
                    return DeleteResponse.getDefaultInstance();
                }
                List<String> ids = List.copyOf(request.getIdsList());
                boolean all = request.getDeleteAll();
                enqueue(namespace, () -> {
                    TreeMap<String, Vector> records = visible.get(namespace);
                    if (records == null) {
                        return;
                    }
                    if (all) {
                        records.clear(); // the namespace itself stays
                    } else if (filter != null) {
                        records.values().removeIf(v -> filter.matches(v.getMetadata()));
                    } else {
                        ids.forEach(records::remove);
                    }
                });
                return DeleteResponse.getDefaultInstance();
            });
        }

        @Override
        public void list(ListRequest request, StreamObserver<ListResponse> out) {
            String namespace = request.getNamespace();
            owner.record(name, "list", namespace, 0, request.getSerializedSize());
            answer(out, namespace, () -> {
                int limit = request.hasLimit() ? request.getLimit() : DEFAULT_LIST_LIMIT;
                if (limit < 1 || limit > MAX_LIST_LIMIT) {
                    throw invalid("limit must be between 1 and " + MAX_LIST_LIMIT);
                }
                String prefix = request.hasPrefix() ? request.getPrefix() : "";
                String after = request.hasPaginationToken() ? decodeToken(request.getPaginationToken()) : null;
                TreeMap<String, Vector> records = visible.getOrDefault(namespace, new TreeMap<>(BYTEWISE));
                ListResponse.Builder response = ListResponse.newBuilder().setNamespace(namespace)
                        .setUsage(Usage.newBuilder().setReadUnits(1));
                // Bytewise order keeps the ids that share a prefix together, starting at the prefix itself.
                var candidates = after == null
                        ? records.navigableKeySet().tailSet(prefix, true)
                        : records.navigableKeySet().tailSet(after, false);
                String last = null;
                boolean more = false;
                for (String id : candidates) {
                    if (!id.startsWith(prefix)) {
                        break;
                    }
                    if (response.getVectorsCount() == limit) {
                        more = true;
                        break;
                    }
                    response.addVectors(ListItem.newBuilder().setId(id));
                    last = id;
                }
                if (more) {
                    response.setPagination(Pagination.newBuilder().setNext(encodeToken(last)));
                }
                return response.build();
            });
        }

        @Override
        public void query(QueryRequest request, StreamObserver<QueryResponse> out) {
            String namespace = request.getNamespace();
            owner.record(name, "query", namespace, request.getTopK(), request.getSerializedSize());
            answer(out, namespace, () -> {
                if (request.getQueriesCount() > 0 || !request.getId().isEmpty() || request.hasSparseVector()) {
                    throw Status.UNIMPLEMENTED.withDescription("the fake answers dense queries by vector only").asRuntimeException();
                }
                if (request.getTopK() < 1 || request.getTopK() > MAX_TOP_K) {
                    throw invalid("top_k must be between 1 and " + MAX_TOP_K + ", not " + request.getTopK());
                }
                if (request.getVectorCount() != dimension) {
                    throw invalid("Query vector dimension " + request.getVectorCount() + " does not match the dimension of the index " + dimension);
                }
                FakeMetadataFilter filter = request.hasFilter() ? filter(request.getFilter()) : null;
                List<Float> query = request.getVectorList();
                List<ScoredVector> scored = new ArrayList<>();
                for (Vector v : visible.getOrDefault(namespace, new TreeMap<>()).values()) {
                    if (filter == null || filter.matches(v.getMetadata())) {
                        scored.add(ScoredVector.newBuilder().setId(v.getId()).setScore(score(query, v)).build());
                    }
                }
                Comparator<ScoredVector> byScore = Comparator.comparingDouble(ScoredVector::getScore);
                scored.sort((lowerIsBetter() ? byScore : byScore.reversed()).thenComparing(ScoredVector::getId, BYTEWISE));
                QueryResponse.Builder response = QueryResponse.newBuilder().setNamespace(namespace)
                        .setUsage(Usage.newBuilder().setReadUnits(1));
                TreeMap<String, Vector> records = visible.getOrDefault(namespace, new TreeMap<>());
                for (ScoredVector match : scored.subList(0, Math.min(request.getTopK(), scored.size()))) {
                    ScoredVector.Builder m = match.toBuilder();
                    Vector stored = records.get(match.getId());
                    if (request.getIncludeValues()) {
                        m.addAllValues(stored.getValuesList());
                    }
                    if (request.getIncludeMetadata() && stored.hasMetadata()) {
                        m.setMetadata(stored.getMetadata());
                    }
                    response.addMatches(m);
                }
                QueryResponse built = response.build();
                if (built.getSerializedSize() > MAX_QUERY_RESPONSE_BYTES) {
                    throw invalid("Query response size exceeds the limit of 4MB; lower top_k or exclude values or metadata");
                }
                return built;
            });
        }

        @Override
        public void describeIndexStats(DescribeIndexStatsRequest request, StreamObserver<DescribeIndexStatsResponse> out) {
            owner.record(name, "describeIndexStats", "", 0, request.getSerializedSize());
            answer(out, "", () -> {
                if (request.hasFilter()) {
                    throw invalid("Serverless and starter indexes do not support describing index stats with metadata filtering");
                }
                DescribeIndexStatsResponse.Builder response = DescribeIndexStatsResponse.newBuilder()
                        .setDimension(dimension).setMetric(metric).setVectorType("dense").setIndexFullness(0f);
                int total = 0;
                for (Map.Entry<String, TreeMap<String, Vector>> ns : visible.entrySet()) {
                    response.putNamespaces(ns.getKey(), NamespaceSummary.newBuilder().setVectorCount(ns.getValue().size()).build());
                    total += ns.getValue().size();
                }
                return response.setTotalVectorCount(total).build();
            });
        }

        @Override
        public void listNamespaces(ListNamespacesRequest request, StreamObserver<ListNamespacesResponse> out) {
            owner.record(name, "listNamespaces", "", 0, request.getSerializedSize());
            answer(out, "", () -> {
                int limit = request.hasLimit() ? request.getLimit() : DEFAULT_LIST_LIMIT;
                if (limit < 1 || limit > MAX_LIST_LIMIT) {
                    throw invalid("limit must be between 1 and " + MAX_LIST_LIMIT);
                }
                String prefix = request.hasPrefix() ? request.getPrefix() : "";
                String after = request.hasPaginationToken() && !request.getPaginationToken().isEmpty()
                        ? decodeToken(request.getPaginationToken()) : null;
                List<String> names = visible.keySet().stream().filter(n -> n.startsWith(prefix)).sorted(BYTEWISE).toList();
                ListNamespacesResponse.Builder response = ListNamespacesResponse.newBuilder().setTotalCount(names.size());
                String last = null;
                boolean more = false;
                for (String ns : names) {
                    if (after != null && BYTEWISE.compare(ns, after) <= 0) {
                        continue;
                    }
                    if (response.getNamespacesCount() == limit) {
                        more = true;
                        break;
                    }
                    response.addNamespaces(NamespaceDescription.newBuilder().setName(ns).setRecordCount(visible.get(ns).size()));
                    last = ns;
                }
                if (more) {
                    response.setPagination(Pagination.newBuilder().setNext(encodeToken(last)));
                }
                return response.build();
            });
        }

        @Override
        public void describeNamespace(DescribeNamespaceRequest request, StreamObserver<NamespaceDescription> out) {
            String namespace = request.getNamespace();
            owner.record(name, "describeNamespace", namespace, 0, request.getSerializedSize());
            answer(out, namespace, () -> {
                TreeMap<String, Vector> records = visible.get(namespace);
                if (records == null) {
                    throw Status.NOT_FOUND.withDescription("Namespace not found").asRuntimeException();
                }
                return NamespaceDescription.newBuilder().setName(namespace).setRecordCount(records.size()).build();
            });
        }

        @Override
        public void createNamespace(CreateNamespaceRequest request, StreamObserver<NamespaceDescription> out) {
            String namespace = request.getName();
            owner.record(name, "createNamespace", namespace, 0, request.getSerializedSize());
            answer(out, namespace, () -> {
                if (namespace.isEmpty() || namespace.equals("__default__")) {
                    throw invalid("Invalid namespace name '" + namespace + "'");
                }
                if (visible.containsKey(namespace)) {
                    throw Status.ALREADY_EXISTS.withDescription("Namespace already exists").asRuntimeException();
                }
                requireRoomFor(namespace);
                // Created at once; writes still queued for it apply after it, in order.
                visible.put(namespace, new TreeMap<>(BYTEWISE));
                return NamespaceDescription.newBuilder().setName(namespace).setRecordCount(0).build();
            });
        }

        @Override
        public void deleteNamespace(DeleteNamespaceRequest request, StreamObserver<DeleteResponse> out) {
            String namespace = request.getNamespace();
            owner.record(name, "deleteNamespace", namespace, 0, request.getSerializedSize());
            answer(out, namespace, () -> {
                if (!namespaceExistsOrIsPending(namespace)) {
                    throw Status.NOT_FOUND.withDescription("Namespace not found").asRuntimeException();
                }
                enqueue(namespace, () -> visible.remove(namespace));
                return DeleteResponse.getDefaultInstance();
            });
        }
    }

    // ---------------------------------------------------------------- pagination tokens

    /** Opaque to clients, like the real ones; here the last id returned, base64url. */
    private static String encodeToken(String lastId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("after:" + lastId).getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith("after:")) {
                return decoded.substring("after:".length());
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw invalid("Invalid pagination token");
    }

    /** The namespaces reads see now (for assertions on what an adapter left behind, never to wait for visibility). */
    public Set<String> namespaces() {
        synchronized (lock) {
            applyDueWrites();
            return new LinkedHashSet<>(visible.keySet());
        }
    }
}
