package dev.partitiongateway.adapter.milvus.fake;

import io.milvus.shaded.io.grpc.Context;
import io.milvus.shaded.io.grpc.Contexts;
import io.milvus.shaded.io.grpc.Metadata;
import io.milvus.shaded.io.grpc.Server;
import io.milvus.shaded.io.grpc.ServerCall;
import io.milvus.shaded.io.grpc.ServerCallHandler;
import io.milvus.shaded.io.grpc.ServerInterceptor;
import io.milvus.shaded.io.grpc.ServerInterceptors;
import io.milvus.shaded.io.grpc.Status;
import io.milvus.shaded.io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A Milvus server for tests and for trying the gateway without Milvus: the real gRPC protocol of
 * {@code milvus.proto.milvus.MilvusService} (the service base class inside milvus-sdk-java, hosted on
 * the SDK's shaded Netty server on a real localhost port), with state in memory.
 *
 * <p>It reproduces what a Milvus 2.5/2.6 standalone does for the calls a client makes: Connect,
 * collections with schemas and a vector index, load state and its errors, partitions and their cap,
 * partition-key mode and its refusals, the filter expression language with templates, consistency
 * levels, upsert/insert/delete semantics and counts, writes refused when built from another version of
 * the collection (schema mismatch), L2 as squared distance, status codes with their legacy error codes. See {@code FakeMilvusServerTest} for each behaviour.
 */
public final class FakeMilvusServer implements AutoCloseable {

    /**
     * @param missingKeySemantics how JSON-path predicates treat missing keys (see {@link MissingKeySemantics})
     * @param maxPartitionNum     rootCoord.maxPartitionNum: partitions per collection including {@code _default}
     * @param loadingPolls        load-state polls a load takes before it reports loaded (Milvus loads asynchronously)
     * @param visibilityLag       how far Bounded/Eventually reads lag behind acknowledged writes (the query node's tsafe)
     * @param token               when set, every call must carry it (as MilvusClientV2 sends {@code token}); else UNAUTHENTICATED
     * @param maxRequestBytes     largest request the server accepts (gRPC max inbound message size)
     */
    public record Options(MissingKeySemantics missingKeySemantics, int maxPartitionNum, int loadingPolls, Duration visibilityLag,
                          String token, int maxRequestBytes) {
        public Options {
            Objects.requireNonNull(missingKeySemantics, "missingKeySemantics");
            Objects.requireNonNull(visibilityLag, "visibilityLag");
        }

        /** Milvus's defaults, with loads that take two polls and no read lag. */
        public static Options defaults() {
            return new Options(MissingKeySemantics.TWO_VALUED, 1024, 2, Duration.ZERO, null, 64 * 1024 * 1024);
        }

        public Options withMissingKeySemantics(MissingKeySemantics value) {
            return new Options(value, maxPartitionNum, loadingPolls, visibilityLag, token, maxRequestBytes);
        }

        public Options withMaxPartitionNum(int value) {
            return new Options(missingKeySemantics, value, loadingPolls, visibilityLag, token, maxRequestBytes);
        }

        public Options withLoadingPolls(int value) {
            return new Options(missingKeySemantics, maxPartitionNum, value, visibilityLag, token, maxRequestBytes);
        }

        public Options withVisibilityLag(Duration value) {
            return new Options(missingKeySemantics, maxPartitionNum, loadingPolls, value, token, maxRequestBytes);
        }

        public Options withToken(String value) {
            return new Options(missingKeySemantics, maxPartitionNum, loadingPolls, visibilityLag, value, maxRequestBytes);
        }

        public Options withMaxRequestBytes(int value) {
            return new Options(missingKeySemantics, maxPartitionNum, loadingPolls, visibilityLag, token, value);
        }
    }

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> DATABASE = Metadata.Key.of("dbname", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final FakeMilvusService service;
    private final Options options;

    private FakeMilvusServer(Server server, FakeMilvusService service, Options options) {
        this.server = server;
        this.service = service;
        this.options = options;
    }

    /** Starts on a free localhost port. */
    public static FakeMilvusServer start(Options options) {
        return start("127.0.0.1", 0, options);
    }

    public static FakeMilvusServer start(String host, int port, Options options) {
        FakeMilvusService service = new FakeMilvusService(options);
        ServerInterceptor headers = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
                if (options.token() != null) {
                    String expected = Base64.getEncoder().encodeToString(options.token().getBytes(StandardCharsets.UTF_8));
                    if (!expected.equals(metadata.get(AUTHORIZATION))) {
                        call.close(Status.UNAUTHENTICATED.withDescription("auth check failure, please check username and password are correct"),
                                new Metadata());
                        return new ServerCall.Listener<>() {
                        };
                    }
                }
                String database = metadata.get(DATABASE);
                Context context = Context.current().withValue(FakeMilvusService.DATABASE_HEADER, database);
                return Contexts.interceptCall(context, call, metadata, next);
            }
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .maxInboundMessageSize(options.maxRequestBytes())
                .addService(ServerInterceptors.intercept(service, headers))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake Milvus server on " + host + ":" + port, e);
        }
        return new FakeMilvusServer(server, service, options);
    }

    public int port() {
        return server.getPort();
    }

    /** What MilvusClientV2's {@code ConnectConfig.uri} takes. */
    public String uri() {
        return "http://127.0.0.1:" + port();
    }

    public Options options() {
        return options;
    }

    /** Adds a database, as {@code CREATE DATABASE} would. */
    public void createDatabase(String name) {
        service.createDatabase(name);
    }

    /** The next {@code times} calls of {@code rpc} ("search", "upsert", ..., or "*") answer this Milvus status. */
    public void failNext(String rpc, int code, String reason, int times) {
        service.faults().add(rpc, code, reason, null, null, times);
    }

    /** The next {@code times} calls of {@code rpc} fail at the gRPC level (e.g. UNAVAILABLE while Milvus restarts). */
    public void failNextWithGrpc(String rpc, Status.Code code, int times) {
        service.faults().add(rpc, 0, null, Status.fromCode(code).withDescription("injected by the fake"), null, times);
    }

    /** The next {@code times} calls of {@code rpc} take {@code delay} before they are answered normally. */
    public void delayNext(String rpc, Duration delay, int times) {
        service.faults().add(rpc, 0, null, null, delay, times);
    }

    /** Injected failures not used yet: how many calls did not happen. */
    public int pendingFaults() {
        return service.faults().pending();
    }

    public void clearFaults() {
        service.faults().clear();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
