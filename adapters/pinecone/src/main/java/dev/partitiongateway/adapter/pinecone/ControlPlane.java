package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.spi.BackendException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.openapitools.db_control.client.ApiClient;
import org.openapitools.db_control.client.ApiException;
import org.openapitools.db_control.client.Configuration;
import org.openapitools.db_control.client.api.ManageIndexesApi;
import org.openapitools.db_control.client.model.CreateIndexRequest;
import org.openapitools.db_control.client.model.IndexList;
import org.openapitools.db_control.client.model.IndexModel;
import org.openapitools.db_control.client.model.IndexSpec;
import org.openapitools.db_control.client.model.IndexSpecServerless;
import org.openapitools.db_control.client.model.ServerlessSpec;

/**
 * The index-management REST API through the client's generated {@code ManageIndexesApi}. Used only
 * to find an index's host, dimension and metric (once per collection), and to create and delete
 * indexes when the operator allowed it; data calls never go through it.
 *
 * <p>The client's {@code Pinecone.Builder} ignores a custom control-plane host when a custom HTTP
 * client is given (6.1.0), so the API client is configured here directly: base URL, key, API
 * version header and connect/read/write timeouts.
 */
final class ControlPlane {

    private final ManageIndexesApi api;
    private final PineconeCalls calls;
    private final Duration budget;

    ControlPlane(PineconeOptions options, PineconeCalls calls) {
        this.calls = calls;
        ApiClient client = new ApiClient();
        client.setBasePath(options.controlPlaneUrl());
        client.setApiKey(options.apiKey());
        client.setUserAgent("partition-gateway; lang=java");
        client.addDefaultHeader("X-Pinecone-Api-Version", Configuration.VERSION);
        int millis = (int) Math.min(Integer.MAX_VALUE, options.controlPlaneTimeout().toMillis());
        client.setConnectTimeout(millis);
        client.setReadTimeout(millis);
        client.setWriteTimeout(millis);
        this.api = new ManageIndexesApi(client);
        // Connect, read and write are each bounded; retries of 429/5xx add at most this much again.
        this.budget = options.controlPlaneTimeout().multipliedBy(2);
    }

    /** The index, or empty when there is none by that name. */
    Optional<IndexModel> describe(String name) {
        return calls.call("describe of index '" + name + "'", budget, remaining -> {
            try {
                return Optional.of(parsed(api.describeIndex(Configuration.VERSION, name)));
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /** Creates a dense serverless index; an index created meanwhile by someone else is not an error. */
    void createServerless(String name, int dimension, String metric, String cloud, String region, Map<String, String> tags) {
        CreateIndexRequest request = new CreateIndexRequest().name(name).dimension(dimension).metric(metric)
                .spec(new IndexSpec(new IndexSpecServerless().serverless(new ServerlessSpec().cloud(cloud).region(region))))
                .deletionProtection("disabled").tags(tags);
        calls.call("creation of index '" + name + "'", budget, remaining -> {
            try {
                return api.createIndex(Configuration.VERSION, request);
            } catch (ApiException e) {
                if (e.getCode() == 409) {
                    return null;
                }
                throw e;
            }
        });
    }

    /** Deletes the index; {@code false} when there was none. */
    boolean delete(String name) {
        return calls.call("deletion of index '" + name + "'", budget, remaining -> {
            try {
                api.deleteIndex(Configuration.VERSION, name);
                return true;
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    return false;
                }
                throw e;
            }
        });
    }

    List<IndexModel> list() {
        return calls.call("listing of indexes", budget, remaining -> {
            IndexList list = api.listIndexes(Configuration.VERSION);
            return list.getIndexes() == null ? List.of() : list.getIndexes();
        });
    }

    private static IndexModel parsed(IndexModel model) {
        if (model == null || model.getHost() == null || model.getStatus() == null) {
            throw new BackendException.Unavailable("the Pinecone control plane described an index without host or status", null);
        }
        return model;
    }
}
