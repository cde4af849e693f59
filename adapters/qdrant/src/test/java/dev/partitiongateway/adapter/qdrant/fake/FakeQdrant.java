package dev.partitiongateway.adapter.qdrant.fake;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.qdrant.client.grpc.Collections.StrictModeConfig;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckRequest;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Qdrant 1.x server for tests, speaking Qdrant's real gRPC protocol (the service stubs of the
 * {@code io.qdrant:client} jar) on a localhost port, so that the real {@code QdrantClient} talks to it
 * exactly as to a Qdrant node. It reproduces what Qdrant does, not what an adapter expects; the
 * behaviours and their sources are listed on {@link PointFilter}, {@link PointId}, {@link PayloadJson},
 * {@link PayloadPath}, {@link FakeCollection} and the services, and pinned by {@code FakeQdrantTest}.
 *
 * <p>Switches for behaviour that depends on how a real deployment is configured:
 * <ul>
 *   <li>{@link #strictModeByDefault(boolean)}: new collections get Qdrant Cloud's strict mode (filters on
 *       payload keys without a suitable index are refused);</li>
 *   <li>{@link #maxCollections}: the node's {@code max_collections} (Qdrant Cloud: 1,000);</li>
 *   <li>{@link #applyUnwaitedWritesAfter}: a write sent with {@code wait=false} is acknowledged at once and
 *       applied later, as Qdrant's update queue does (a later {@code wait=true} write applies it first);</li>
 *   <li>{@link #keepCollectionMetadata}: off, the node behaves as Qdrant before 1.15.4, which knows no
 *       collection metadata and drops it from requests without a word (protobuf skips unknown fields);</li>
 *   <li>{@link #requireApiKey}, {@link #rateLimitNext} and {@link #delayResponses}: authentication, the
 *       rate limiter's RESOURCE_EXHAUSTED with {@code retry-after}, and a slow node;</li>
 *   <li>{@link #failNext}: one call of a given method fails, without effect, as when a node goes away
 *       before handling it (to interrupt a sequence of calls at a chosen point).</li>
 * </ul>
 */
public final class FakeQdrant implements AutoCloseable {

    static final String VERSION = "1.18.0";
    private static final Logger LOG = Logger.getLogger(FakeQdrant.class.getName());
    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> WRITE_METHODS = Set.of("Upsert", "Delete", "UpdateVectors", "DeleteVectors", "SetPayload",
            "OverwritePayload", "DeletePayload", "ClearPayload", "CreateFieldIndex", "DeleteFieldIndex", "UpdateBatch");

    /** Collections by name; guarded by {@code this}. */
    final Map<String, FakeCollection> collections = new TreeMap<>();
    private final Deque<Runnable> unappliedWrites = new ArrayDeque<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "fake-qdrant-updates");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong operationIds = new AtomicLong();
    private final Server server;

    private volatile StrictModeConfig strictModeByDefault;
    private volatile Integer maxCollections;
    private volatile boolean keepCollectionMetadata = true;
    private volatile Duration unwaitedWriteDelay = Duration.ZERO;
    private volatile String apiKey;
    private volatile Duration responseDelay = Duration.ZERO;
    private final AtomicInteger rateLimitedCalls = new AtomicInteger();
    private final Map<String, Status> failNext = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Duration rateLimitRetryAfter = Duration.ofSeconds(1);

    private FakeQdrant(int port) {
        ServerInterceptor faults = new Faults();
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .maxInboundMessageSize(64 * 1024 * 1024)
                .addService(ServerInterceptors.intercept(new FakeCollectionsService(this), faults))
                .addService(ServerInterceptors.intercept(new FakePointsService(this), faults))
                .addService(ServerInterceptors.intercept(new Health(), faults))
                .build();
    }

    /** Starts a server on a free localhost port. */
    public static FakeQdrant start() {
        return start(0);
    }

    /** Starts a server on {@code port} of the loopback interface (0: any free port). */
    public static FakeQdrant start(int port) {
        FakeQdrant fake = new FakeQdrant(port);
        try {
            fake.server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port, e);
        }
        return fake;
    }

    public int port() {
        return server.getPort();
    }

    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    /** Collections created from now on get strict mode with unindexed filtering refused (Qdrant Cloud's default). */
    public FakeQdrant strictModeByDefault(boolean on) {
        return strictModeByDefault(on ? StrictModeConfig.newBuilder()
                .setEnabled(true).setUnindexedFilteringRetrieve(false).setUnindexedFilteringUpdate(false).build() : null);
    }

    /** Collections created from now on get this strict mode (a request's own settings win); {@code null}: none. */
    public FakeQdrant strictModeByDefault(StrictModeConfig config) {
        this.strictModeByDefault = config;
        return this;
    }

    /** The node's {@code max_collections}; {@code null} for no limit (the self-hosted default). */
    public FakeQdrant maxCollections(Integer limit) {
        this.maxCollections = limit;
        return this;
    }

    /** Whether collections keep metadata (Qdrant 1.15.4 and later); {@code false}: as an older Qdrant, metadata in requests is ignored. */
    public FakeQdrant keepCollectionMetadata(boolean on) {
        this.keepCollectionMetadata = on;
        return this;
    }

    /** Writes with {@code wait=false} are applied this long after they were acknowledged (zero: as soon as the update worker runs). */
    public FakeQdrant applyUnwaitedWritesAfter(Duration delay) {
        this.unwaitedWriteDelay = delay;
        return this;
    }

    /** Every call but the health check must carry this key ({@code api-key} or {@code authorization: Bearer}); {@code null}: none. */
    public FakeQdrant requireApiKey(String key) {
        this.apiKey = key;
        return this;
    }

    /** The next {@code calls} calls are refused by the rate limiter, asking to retry after {@code retryAfter}. */
    public FakeQdrant rateLimitNext(int calls, Duration retryAfter) {
        this.rateLimitRetryAfter = retryAfter;
        this.rateLimitedCalls.set(calls);
        return this;
    }

    /**
     * The next call of {@code fullMethodName} (such as {@code qdrant.Points/Delete}) fails with
     * {@code status} before the service sees it, so it changes nothing.
     */
    public FakeQdrant failNext(String fullMethodName, Status status) {
        failNext.put(fullMethodName, status);
        return this;
    }

    /** Every response is sent this long after the call was handled (the work itself is done at once, as on a node that is slow to answer). */
    public FakeQdrant delayResponses(Duration delay) {
        this.responseDelay = delay;
        return this;
    }

    /** Forgets every collection and resets the switches. */
    public synchronized void reset() {
        collections.clear();
        unappliedWrites.clear();
        strictModeByDefault = null;
        maxCollections = null;
        keepCollectionMetadata = true;
        unwaitedWriteDelay = Duration.ZERO;
        apiKey = null;
        responseDelay = Duration.ZERO;
        rateLimitedCalls.set(0);
        failNext.clear();
    }

    /** Names of the collections, for tests that check what an adapter left behind. */
    public synchronized Set<String> collectionNames() {
        return Set.copyOf(collections.keySet());
    }

    StrictModeConfig strictModeByDefault() {
        return strictModeByDefault;
    }

    Integer maxCollectionsLimit() {
        return maxCollections;
    }

    boolean keepsCollectionMetadata() {
        return keepCollectionMetadata;
    }

    /** The collection, or NOT_FOUND as Qdrant words it. Callers hold the lock on {@code this}. */
    FakeCollection collection(String name) {
        FakeCollection collection = collections.get(name);
        if (collection == null) {
            throw QdrantStatus.collectionNotFound(name);
        }
        return collection;
    }

    /**
     * Runs a write through the update queue. With {@code wait}, every earlier write is applied first,
     * then this one, before the call returns (errors reach the caller); without it the write is only
     * queued, and applied after the configured delay (errors are only logged, as Qdrant's update worker
     * does). Returns the operation id.
     */
    long write(Runnable apply, boolean wait) {
        long operationId = operationIds.incrementAndGet();
        synchronized (this) {
            if (wait) {
                applyUnappliedWrites();
                apply.run();
                return operationId;
            }
            unappliedWrites.add(apply);
        }
        scheduler.schedule(this::applyOldestUnappliedWrite, unwaitedWriteDelay.toMillis(), TimeUnit.MILLISECONDS);
        return operationId;
    }

    private synchronized void applyOldestUnappliedWrite() {
        Runnable oldest = unappliedWrites.poll();
        if (oldest != null) {
            applyQuietly(oldest);
        }
    }

    private void applyUnappliedWrites() {
        for (Runnable pending = unappliedWrites.poll(); pending != null; pending = unappliedWrites.poll()) {
            applyQuietly(pending);
        }
    }

    private static void applyQuietly(Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an unwaited write failed when applied: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        scheduler.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until the server stops (for the standalone main). */
    void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    private static final class Health extends QdrantGrpc.QdrantImplBase {
        @Override
        public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckReply> responseObserver) {
            responseObserver.onNext(HealthCheckReply.newBuilder().setTitle("qdrant - vector search engine").setVersion(VERSION).build());
            responseObserver.onCompleted();
        }
    }

    /** Authentication, rate limiting and slowness, in front of every service. */
    private final class Faults implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            String method = call.getMethodDescriptor().getBareMethodName();
            boolean health = "HealthCheck".equals(method);
            String required = apiKey;
            if (required != null && !health) {
                String presented = headers.get(API_KEY);
                String bearer = headers.get(AUTHORIZATION);
                if (presented == null && bearer != null && bearer.startsWith("Bearer ")) {
                    presented = bearer.substring(7);
                }
                if (presented == null) {
                    return refuse(call, Status.UNAUTHENTICATED.withDescription("Must provide an API key or an Authorization bearer token"), new Metadata());
                }
                if (!presented.equals(required)) {
                    return refuse(call, Status.UNAUTHENTICATED.withDescription("Invalid API key or JWT"), new Metadata());
                }
            }
            Status failure = failNext.remove(call.getMethodDescriptor().getFullMethodName());
            if (failure != null) {
                return refuse(call, failure, new Metadata());
            }
            if (!health && rateLimitedCalls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                StatusRuntimeException limited = QdrantStatus.rateLimited(WRITE_METHODS.contains(method) ? "Write" : "Read", rateLimitRetryAfter);
                return refuse(call, limited.getStatus(), limited.getTrailers());
            }
            Duration delay = responseDelay;
            if (delay.isZero()) {
                return next.startCall(call, headers);
            }
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    scheduler.schedule(() -> {
                        try {
                            super.close(status, trailers);
                        } catch (IllegalStateException alreadyCancelled) {
                            // the client gave up first, as it should with a deadline
                        }
                    }, delay.toMillis(), TimeUnit.MILLISECONDS);
                }
            }, headers);
        }

        private <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status, Metadata trailers) {
            call.close(status, trailers);
            return new ServerCall.Listener<>() {
            };
        }
    }
}
