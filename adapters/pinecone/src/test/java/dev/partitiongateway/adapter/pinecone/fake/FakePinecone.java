package dev.partitiongateway.adapter.pinecone.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * A protocol-level Pinecone serverless project on localhost: the control plane (REST, the calls the
 * 6.1.0 client's {@code ManageIndexesApi} makes: list, describe, create and delete indexes) on one
 * HTTP port, and one gRPC {@code VectorService} per index on its own port, which is the index's
 * "host". Behaviour that the documentation does not settle, or that costs money to observe, is a
 * {@link Behaviour} switch; every behaviour is pinned by {@code FakePineconeTest}, which drives the
 * fake through the Pinecone client alone.
 *
 * <p>403 comes in two documented kinds besides plan quotas: a key whose role forbids the operation
 * ({@link #createViewerApiKey()}) and an index under deletion protection ({@link #protectFromDeletion}).
 */
public final class FakePinecone implements AutoCloseable {

    /** What a delete of records answers on a namespace that does not exist (UNCONFIRMED officially). */
    public enum MissingNamespaceDelete {
        /** NOT_FOUND "Namespace not found" (seen in the wild). */
        NOT_FOUND,
        /** Accepted, nothing happens. */
        OK
    }

    /**
     * Switches of the fake.
     *
     * @param apiKey                       the only key both planes accept
     * @param visibilityDelay              how long after acknowledgement a write becomes visible to reads
     * @param negationsMatchMissingFields  whether {@code $ne}/{@code $nin} match records without the field (undocumented)
     * @param missingNamespaceDelete       answer of a delete of records in a namespace that does not exist
     * @param maxNamespacesPerIndex        the plan's namespace cap (docs: 100 / 10,000 / 100,000 by plan)
     * @param maxIndexes                   the project's index cap
     * @param requestsPerSecondPerNamespace rate limit, 0 for none (docs: 100 per namespace)
     * @param retryAfterHint               sent as a {@code retry-after} trailer with rate-limit refusals, or null
     * @param indexInitialisation          how long a created index stays "Initializing"
     */
    public record Behaviour(String apiKey, Duration visibilityDelay, boolean negationsMatchMissingFields,
                            MissingNamespaceDelete missingNamespaceDelete, int maxNamespacesPerIndex, int maxIndexes,
                            int requestsPerSecondPerNamespace, Duration retryAfterHint, Duration indexInitialisation) {

        public static final Behaviour DEFAULTS = new Behaviour("fake-pinecone-key", Duration.ZERO, true,
                MissingNamespaceDelete.NOT_FOUND, 100_000, 1_000, 0, null, Duration.ZERO);

        public Behaviour {
            Objects.requireNonNull(apiKey, "apiKey");
            Objects.requireNonNull(visibilityDelay, "visibilityDelay");
            Objects.requireNonNull(missingNamespaceDelete, "missingNamespaceDelete");
            Objects.requireNonNull(indexInitialisation, "indexInitialisation");
        }

        public Behaviour withVisibilityDelay(Duration delay) {
            return new Behaviour(apiKey, delay, negationsMatchMissingFields, missingNamespaceDelete, maxNamespacesPerIndex,
                    maxIndexes, requestsPerSecondPerNamespace, retryAfterHint, indexInitialisation);
        }

        public Behaviour withNegationsMatchingMissingFields(boolean match) {
            return new Behaviour(apiKey, visibilityDelay, match, missingNamespaceDelete, maxNamespacesPerIndex,
                    maxIndexes, requestsPerSecondPerNamespace, retryAfterHint, indexInitialisation);
        }

        public Behaviour withMissingNamespaceDelete(MissingNamespaceDelete answer) {
            return new Behaviour(apiKey, visibilityDelay, negationsMatchMissingFields, answer, maxNamespacesPerIndex,
                    maxIndexes, requestsPerSecondPerNamespace, retryAfterHint, indexInitialisation);
        }

        public Behaviour withMaxNamespacesPerIndex(int max) {
            return new Behaviour(apiKey, visibilityDelay, negationsMatchMissingFields, missingNamespaceDelete, max,
                    maxIndexes, requestsPerSecondPerNamespace, retryAfterHint, indexInitialisation);
        }

        public Behaviour withMaxIndexes(int max) {
            return new Behaviour(apiKey, visibilityDelay, negationsMatchMissingFields, missingNamespaceDelete, maxNamespacesPerIndex,
                    max, requestsPerSecondPerNamespace, retryAfterHint, indexInitialisation);
        }

        public Behaviour withRateLimit(int requestsPerSecond, Duration retryAfter) {
            return new Behaviour(apiKey, visibilityDelay, negationsMatchMissingFields, missingNamespaceDelete, maxNamespacesPerIndex,
                    maxIndexes, requestsPerSecond, retryAfter, indexInitialisation);
        }

        public Behaviour withIndexInitialisation(Duration initialisation) {
            return new Behaviour(apiKey, visibilityDelay, negationsMatchMissingFields, missingNamespaceDelete, maxNamespacesPerIndex,
                    maxIndexes, requestsPerSecondPerNamespace, retryAfterHint, initialisation);
        }
    }

    /** One data-plane call as the fake received it, for tests that check what an adapter sent. */
    public record Call(String index, String method, String namespace, int items, int bytes) {
    }

    private static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,43}[a-z0-9])?");
    private static final Set<String> METRICS = Set.of("cosine", "euclidean", "dotproduct");
    private static final Set<String> CLOUDS = Set.of("aws", "gcp", "azure");
    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER);
    /** Data-plane methods that change something, refused to a viewer key. */
    private static final Set<String> WRITES = Set.of("Upsert", "Delete", "Update", "CreateNamespace", "DeleteNamespace",
            "StartImport", "CancelImport");
    /** A key's role forbids the operation (wording UNCONFIRMED: Pinecone documents 403 for roles, not the message). */
    static final String ROLE_DENIED = "Request failed. The API key's role does not allow this operation.";
    /** Documented answer to deleting an index with deletion protection (docs: manage indexes). */
    static final String DELETION_PROTECTED = "Deletion protection is enabled for this index. Disable deletion protection before retrying.";

    private final Behaviour behaviour;
    private final HttpServer controlPlane;
    private final ExecutorService controlPlaneThreads = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "fake-pinecone-control-plane");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, FakeIndex> indexes = new ConcurrentHashMap<>();
    private final Set<String> viewerKeys = ConcurrentHashMap.newKeySet();
    private final List<Call> calls = new ArrayList<>();
    private final Deque<InjectedFailure> injectedFailures = new ArrayDeque<>();
    private volatile Duration injectedLatency = Duration.ZERO;
    private final ObjectMapper json = new ObjectMapper();

    private FakePinecone(Behaviour behaviour, int port) {
        this.behaviour = behaviour;
        try {
            controlPlane = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the fake control plane on port " + port, e);
        }
        controlPlane.createContext("/indexes", this::handleIndexes);
        controlPlane.setExecutor(controlPlaneThreads);
        controlPlane.start();
    }

    /** A fake on a free port. */
    public static FakePinecone start(Behaviour behaviour) {
        return new FakePinecone(behaviour, 0);
    }

    /** A fake whose control plane listens on {@code port}. */
    public static FakePinecone start(Behaviour behaviour, int port) {
        return new FakePinecone(behaviour, port);
    }

    public Behaviour behaviour() {
        return behaviour;
    }

    public String apiKey() {
        return behaviour.apiKey();
    }

    /** The control plane base URL, e.g. {@code http://127.0.0.1:40123}. */
    public String controlPlaneUrl() {
        return "http://127.0.0.1:" + controlPlane.getAddress().getPort();
    }

    /** Provisions an index at once, as an operator would have done before starting the gateway. */
    public FakeIndex createIndex(String name, int dimension, String metric) {
        return createIndex(name, dimension, metric, "aws", "us-east-1", Map.of(), Instant.now());
    }

    public Optional<FakeIndex> index(String name) {
        return Optional.ofNullable(indexes.get(name));
    }

    public List<String> indexNames() {
        return indexes.keySet().stream().sorted().toList();
    }

    /** Every data-plane call received so far, oldest first. */
    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    public void clearCalls() {
        synchronized (calls) {
            calls.clear();
        }
    }

    /** The next {@code times} data-plane calls fail with {@code status} before reaching the index. */
    public void failNextCalls(Status status, int times) {
        failNextCalls(status, times, null);
    }

    /** As {@link #failNextCalls(Status, int)}, with a {@code retry-after} trailer (whole seconds) when given. */
    public void failNextCalls(Status status, int times, Duration retryAfter) {
        synchronized (injectedFailures) {
            for (int i = 0; i < times; i++) {
                injectedFailures.addLast(new InjectedFailure(status, retryAfter));
            }
        }
    }

    private record InjectedFailure(Status status, Duration retryAfter) {
    }

    /**
     * A new API key with the ProjectViewer role, as a project owner would create one: it reads on
     * both planes, and every write is refused with 403 (control plane) or PERMISSION_DENIED (data plane).
     */
    public String createViewerApiKey() {
        String key = "fake-pinecone-viewer-" + (viewerKeys.size() + 1);
        viewerKeys.add(key);
        return key;
    }

    /** Turns on an index's deletion protection, as an operator would in the console or with configure_index. */
    public void protectFromDeletion(String indexName) {
        FakeIndex index = indexes.get(indexName);
        if (index == null) {
            throw new IllegalArgumentException("no index " + indexName);
        }
        index.protectFromDeletion();
    }

    /** Every data-plane call waits this long on the server before it is answered (a slow backend). */
    public void slowDownCalls(Duration latency) {
        injectedLatency = latency;
    }

    @Override
    public void close() {
        controlPlane.stop(0);
        controlPlaneThreads.shutdownNow();
        indexes.values().forEach(FakeIndex::stop);
        indexes.clear();
    }

    void record(String index, String method, String namespace, int items, int bytes) {
        synchronized (calls) {
            calls.add(new Call(index, method, namespace, items, bytes));
        }
    }

    /** Authentication, then injected faults, in front of an index's service. */
    ServerInterceptor dataPlaneInterceptor(String indexName) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String key = headers.get(API_KEY);
                boolean viewer = key != null && viewerKeys.contains(key);
                if (!behaviour.apiKey().equals(key) && !viewer) {
                    call.close(Status.UNAUTHENTICATED.withDescription("Invalid API Key"), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                if (viewer && WRITES.contains(call.getMethodDescriptor().getBareMethodName())) {
                    call.close(Status.PERMISSION_DENIED.withDescription(ROLE_DENIED), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                InjectedFailure failure;
                synchronized (injectedFailures) {
                    failure = injectedFailures.pollFirst();
                }
                if (failure != null) {
                    record(indexName, call.getMethodDescriptor().getBareMethodName() + ":injected-" + failure.status().getCode(), "", 0, 0);
                    Metadata trailers = new Metadata();
                    if (failure.retryAfter() != null) {
                        trailers.put(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER), Long.toString(failure.retryAfter().toSeconds()));
                    }
                    call.close(failure.status(), trailers);
                    return new ServerCall.Listener<>() {
                    };
                }
                Duration latency = injectedLatency;
                if (!latency.isZero()) {
                    try {
                        Thread.sleep(latency.toMillis()); // a slow server, so that clients hit their deadlines
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return next.startCall(call, headers);
            }
        };
    }

    // ---------------------------------------------------------------- control plane

    private FakeIndex createIndex(String name, int dimension, String metric, String cloud, String region,
                                  Map<String, String> tags, Instant readyAt) {
        FakeIndex index = new FakeIndex(this, name, dimension, metric, cloud, region, tags, readyAt);
        FakeIndex previous = indexes.putIfAbsent(name, index);
        if (previous != null) {
            index.stop();
            throw new IllegalStateException("index " + name + " exists");
        }
        return index;
    }

    private void handleIndexes(HttpExchange exchange) throws IOException {
        try (exchange) {
            String key = exchange.getRequestHeaders().getFirst("Api-Key");
            boolean viewer = key != null && viewerKeys.contains(key);
            if (!behaviour.apiKey().equals(key) && !viewer) {
                error(exchange, 401, "UNAUTHENTICATED", "Invalid API Key");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (viewer && !method.equals("GET")) {
                error(exchange, 403, "FORBIDDEN", ROLE_DENIED);
                return;
            }
            if (path.equals("/indexes") || path.equals("/indexes/")) {
                if (method.equals("GET")) {
                    ObjectNode body = json.createObjectNode();
                    var list = body.putArray("indexes");
                    indexes.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(i -> list.add(model(i)));
                    respond(exchange, 200, body);
                } else if (method.equals("POST")) {
                    createFromRequest(exchange);
                } else {
                    error(exchange, 405, "METHOD_NOT_ALLOWED", method + " is not allowed on /indexes");
                }
                return;
            }
            String name = path.substring("/indexes/".length());
            FakeIndex index = indexes.get(name);
            if (method.equals("GET")) {
                if (index == null) {
                    error(exchange, 404, "NOT_FOUND", "Resource " + name + " not found");
                } else {
                    respond(exchange, 200, model(index));
                }
            } else if (method.equals("DELETE")) {
                if (index == null) {
                    error(exchange, 404, "NOT_FOUND", "Resource " + name + " not found");
                } else if (index.deletionProtected()) {
                    error(exchange, 403, "FORBIDDEN", DELETION_PROTECTED);
                } else {
                    indexes.remove(name);
                    index.stop();
                    exchange.sendResponseHeaders(202, -1);
                }
            } else {
                error(exchange, 405, "METHOD_NOT_ALLOWED", method + " is not allowed on /indexes/{name} by the fake");
            }
        } catch (RuntimeException e) {
            error(exchange, 500, "INTERNAL", e.toString());
        }
    }

    private void createFromRequest(HttpExchange exchange) throws IOException {
        JsonNode request;
        try (InputStream body = exchange.getRequestBody()) {
            request = json.readTree(body);
        }
        String name = request.path("name").asText("");
        if (!INDEX_NAME.matcher(name).matches()) {
            error(exchange, 400, "INVALID_ARGUMENT", "Name must consist of lower case alphanumeric characters or '-', "
                    + "start and end with an alphanumeric character, and be at most 45 characters");
            return;
        }
        String vectorType = request.path("vector_type").asText("dense");
        if (!vectorType.equals("dense")) {
            error(exchange, 400, "INVALID_ARGUMENT", "The fake only creates dense indexes");
            return;
        }
        int dimension = request.path("dimension").asInt(0);
        if (dimension < 1 || dimension > 20_000) {
            error(exchange, 400, "INVALID_ARGUMENT", "Dimension must be between 1 and 20000 for dense indexes");
            return;
        }
        String metric = request.path("metric").asText("cosine");
        if (!METRICS.contains(metric)) {
            error(exchange, 400, "INVALID_ARGUMENT", "Metric must be one of cosine, euclidean, dotproduct");
            return;
        }
        JsonNode serverless = request.path("spec").path("serverless");
        if (!serverless.isObject() || !CLOUDS.contains(serverless.path("cloud").asText()) || serverless.path("region").asText("").isEmpty()) {
            error(exchange, 400, "INVALID_ARGUMENT", "The fake creates serverless indexes only: spec.serverless needs a cloud (aws, gcp, azure) and a region");
            return;
        }
        if (indexes.containsKey(name)) {
            error(exchange, 409, "ALREADY_EXISTS", "Resource " + name + " already exists");
            return;
        }
        if (indexes.size() >= behaviour.maxIndexes()) {
            error(exchange, 403, "FORBIDDEN", "Request failed. You've reached the max serverless indexes allowed in project (" + behaviour.maxIndexes()
                    + "). To add more serverless indexes, upgrade your plan.");
            return;
        }
        Map<String, String> tags = new LinkedHashMap<>();
        request.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        FakeIndex index;
        try {
            index = createIndex(name, dimension, metric, serverless.path("cloud").asText(), serverless.path("region").asText(),
                    tags, Instant.now().plus(behaviour.indexInitialisation()));
        } catch (IllegalStateException e) {
            error(exchange, 409, "ALREADY_EXISTS", "Resource " + name + " already exists");
            return;
        }
        respond(exchange, 201, model(index));
    }

    /** The 2025-10 IndexModel, with every field the 6.1.0 client's parser requires (read_capacity among them). */
    private ObjectNode model(FakeIndex index) {
        ObjectNode model = json.createObjectNode();
        model.put("name", index.name());
        model.put("dimension", index.dimension());
        model.put("metric", index.metric());
        model.put("host", index.host());
        model.put("deletion_protection", index.deletionProtected() ? "enabled" : "disabled");
        if (!index.tags().isEmpty()) {
            ObjectNode tags = model.putObject("tags");
            index.tags().forEach(tags::put);
        }
        ObjectNode serverless = model.putObject("spec").putObject("serverless");
        serverless.put("cloud", index.cloud());
        serverless.put("region", index.region());
        ObjectNode readCapacity = serverless.putObject("read_capacity");
        readCapacity.put("mode", "OnDemand");
        readCapacity.putObject("status").put("state", "Ready");
        ObjectNode status = model.putObject("status");
        status.put("ready", index.ready());
        status.put("state", index.ready() ? "Ready" : "Initializing");
        model.put("vector_type", "dense");
        return model;
    }

    private void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        ObjectNode body = json.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        body.put("status", status);
        respond(exchange, status, body);
    }

    private void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

}
