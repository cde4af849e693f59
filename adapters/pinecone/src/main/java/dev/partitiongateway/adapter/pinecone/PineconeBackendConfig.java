package dev.partitiongateway.adapter.pinecone;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Operator settings of the Pinecone backend ({@code gateway.pinecone.*}). Every key has a default or
 * is optional, so a gateway that never uses Pinecone starts without any of them; the API key is
 * checked only when the backend is opened. {@code config/pinecone.properties} explains each one.
 */
@ConfigMapping(prefix = "gateway.pinecone")
public interface PineconeBackendConfig {

    /** The Pinecone project API key (env {@code GATEWAY_PINECONE_API_KEY}); required when the backend is used. */
    Optional<String> apiKey();

    /** Base URL of the control plane (index management). */
    @WithDefault(PineconeOptions.DEFAULT_CONTROL_PLANE)
    String controlPlaneUrl();

    /** TLS on data-plane (gRPC) connections; turn off only for a local test server. */
    @WithDefault("true")
    boolean tls();

    /** The index of particular collections: {@code gateway.pinecone.indexes."<collection>".name} or {@code .host}. */
    Map<String, Index> indexes();

    /** The index of every collection not listed under {@code indexes}; absent: an index per collection. */
    Optional<Index> defaultIndex();

    /** Whether the gateway may create missing serverless indexes (they cost money). */
    @WithDefault("false")
    boolean createIndexes();

    /** Cloud of created serverless indexes: aws, gcp or azure. */
    @WithDefault("aws")
    String cloud();

    /** Region of created serverless indexes. */
    @WithDefault("us-east-1")
    String region();

    /** Prefix of the index name derived from a collection name ({@code pg-} + collection, '_' as '-'). */
    @WithDefault("pg-")
    String indexNamePrefix();

    /** Deadline of each data-plane call, retries included. */
    @WithDefault("10s")
    Duration timeout();

    /** Connect, read and write timeout of each control-plane request. */
    @WithDefault("30s")
    Duration controlPlaneTimeout();

    /** How long creating a collection waits for a newly created index to be ready (keep below the 60 s transaction timeout). */
    @WithDefault("50s")
    Duration indexReadyTimeout();

    Retry retry();

    /** Largest upsert request sent; Pinecone's limit is 2 MB. */
    @WithDefault("2000000")
    int maxUpsertBytes();

    /** Ids per list page when scanning or counting (1..100). */
    @WithDefault("100")
    int listPageSize();

    /** An index by name (host looked up once through the control plane) or by host (no control-plane call). */
    interface Index {
        Optional<String> name();

        Optional<String> host();
    }

    /** Retries of rate-limited (429) and unavailable calls, with exponential backoff, within the deadline. */
    interface Retry {
        /**
         * Attempts per call, the first included. The gateway retries failed backend calls itself
         * ({@code gateway.backend.retry.*}), so one attempt here is the default.
         */
        @WithDefault("1")
        int maxAttempts();

        @WithDefault("100ms")
        Duration initialBackoff();

        @WithDefault("2s")
        Duration maxBackoff();
    }
}
