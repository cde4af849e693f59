package dev.partitiongateway.adapter.pinecone;

import com.google.protobuf.Struct;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.pinecone.configs.PineconeConfig;
import io.pinecone.configs.PineconeConnection;
import io.pinecone.proto.CreateNamespaceRequest;
import io.pinecone.proto.DeleteNamespaceRequest;
import io.pinecone.proto.DeleteRequest;
import io.pinecone.proto.DescribeIndexStatsRequest;
import io.pinecone.proto.DescribeIndexStatsResponse;
import io.pinecone.proto.DescribeNamespaceRequest;
import io.pinecone.proto.FetchRequest;
import io.pinecone.proto.ListNamespacesRequest;
import io.pinecone.proto.ListNamespacesResponse;
import io.pinecone.proto.ListRequest;
import io.pinecone.proto.ListResponse;
import io.pinecone.proto.QueryRequest;
import io.pinecone.proto.QueryResponse;
import io.pinecone.proto.UpsertRequest;
import io.pinecone.proto.Vector;
import io.pinecone.proto.VectorServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The data plane of one index host, through the client's {@link PineconeConnection} (its channel,
 * TLS, API-key and API-version headers and message-size limits) without the control plane.
 *
 * <p>The client's {@code Index} holds one blocking stub without a deadline, so a slow index would
 * hang a request for as long as the socket lives. Every call here takes the connection's stub with
 * {@code withDeadlineAfter(remaining)} instead, inside {@link PineconeCalls} (deadline and bounded
 * retries), and builds the protocol messages directly.
 */
final class DataPlane implements AutoCloseable {

    private final String description;
    private final PineconeConnection connection;
    private final PineconeCalls calls;
    private final Duration timeout;

    DataPlane(PineconeOptions options, String host, String description, PineconeCalls calls) {
        this.description = description;
        this.calls = calls;
        this.timeout = options.timeout();
        PineconeConfig config = new PineconeConfig(options.apiKey());
        config.setHost(host);
        config.setTLSEnabled(options.tls());
        config.setSourceTag("partition_gateway");
        this.connection = new PineconeConnection(config);
    }

    private VectorServiceGrpc.VectorServiceBlockingStub stub(Duration remaining) {
        return connection.getBlockingStub().withDeadlineAfter(remaining.toNanos(), TimeUnit.NANOSECONDS);
    }

    private String in(String operation, String namespace) {
        return operation + " in namespace '" + namespace + "' of " + description;
    }

    void upsert(String namespace, List<Vector> vectors) {
        UpsertRequest request = UpsertRequest.newBuilder().setNamespace(namespace).addAllVectors(vectors).build();
        calls.call(in("upsert", namespace), timeout, remaining -> stub(remaining).upsert(request));
    }

    Map<String, Vector> fetch(String namespace, List<String> ids) {
        FetchRequest request = FetchRequest.newBuilder().setNamespace(namespace).addAllIds(ids).build();
        return calls.call(in("fetch", namespace), timeout, remaining -> stub(remaining).fetch(request).getVectorsMap());
    }

    void deleteIds(String namespace, List<String> ids) {
        DeleteRequest request = DeleteRequest.newBuilder().setNamespace(namespace).addAllIds(ids).build();
        calls.call(in("delete", namespace), timeout, remaining -> {
            try {
                return stub(remaining).delete(request);
            } catch (StatusRuntimeException e) {
                // Some Pinecone versions answer a delete in a namespace that does not exist (or no longer
                // does) with NOT_FOUND, others accept it; either way nothing of these ids is left.
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return null;
                }
                throw e;
            }
        });
    }

    QueryResponse query(String namespace, List<Float> vector, int topK, Struct filter, boolean includeValues, boolean includeMetadata) {
        QueryRequest request = QueryRequest.newBuilder().setNamespace(namespace).addAllVector(vector).setTopK(topK)
                .setFilter(filter).setIncludeValues(includeValues).setIncludeMetadata(includeMetadata).build();
        return calls.call(in("query", namespace), timeout, remaining -> stub(remaining).query(request));
    }

    /** One page of ids with {@code prefix}, after {@code token} ({@code null}: the first page). */
    ListResponse list(String namespace, String prefix, String token, int limit) {
        ListRequest.Builder request = ListRequest.newBuilder().setNamespace(namespace).setPrefix(prefix).setLimit(limit);
        if (token != null) {
            request.setPaginationToken(token);
        }
        ListRequest built = request.build();
        return calls.call(in("list", namespace), timeout, remaining -> stub(remaining).list(built));
    }

    /** Whether the namespace exists (as far as the index's eventually consistent view knows). */
    boolean namespaceExists(String namespace) {
        DescribeNamespaceRequest request = DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build();
        return calls.call(in("describe namespace", namespace), timeout, remaining -> {
            try {
                stub(remaining).describeNamespace(request);
                return true;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** Creates the namespace; {@code false} when it already existed. */
    boolean createNamespace(String namespace) {
        CreateNamespaceRequest request = CreateNamespaceRequest.newBuilder().setName(namespace).build();
        return calls.call(in("create namespace", namespace), timeout, remaining -> {
            try {
                stub(remaining).createNamespace(request);
                return true;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** Deletes the namespace with all its records; {@code false} when it did not exist. */
    boolean deleteNamespace(String namespace) {
        DeleteNamespaceRequest request = DeleteNamespaceRequest.newBuilder().setNamespace(namespace).build();
        return calls.call(in("delete namespace", namespace), timeout, remaining -> {
            try {
                stub(remaining).deleteNamespace(request);
                return true;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return false;
                }
                throw e;
            }
        });
    }

    ListNamespacesResponse listNamespaces(String prefix, String token, int limit) {
        ListNamespacesRequest.Builder request = ListNamespacesRequest.newBuilder().setPrefix(prefix).setLimit(limit);
        if (token != null) {
            request.setPaginationToken(token);
        }
        ListNamespacesRequest built = request.build();
        return calls.call("list namespaces of " + description, timeout, remaining -> stub(remaining).listNamespaces(built));
    }

    DescribeIndexStatsResponse stats() {
        DescribeIndexStatsRequest request = DescribeIndexStatsRequest.getDefaultInstance();
        return calls.call("describe stats of " + description, timeout, remaining -> stub(remaining).describeIndexStats(request));
    }

    @Override
    public void close() {
        connection.close();
    }
}
