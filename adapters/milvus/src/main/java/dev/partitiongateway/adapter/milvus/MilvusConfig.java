package dev.partitiongateway.adapter.milvus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Operator settings of the Milvus backend ({@code gateway.milvus.*}). Every key has a default, so a
 * gateway that never uses Milvus starts without any of them; see {@code config/milvus.properties}.
 */
@ConfigMapping(prefix = "gateway.milvus")
public interface MilvusConfig {

    /** gRPC endpoint of Milvus or Zilliz Cloud: {@code http://host:19530} (plaintext) or {@code https://...} (TLS). */
    @WithDefault("http://localhost:19530")
    String uri();

    /** {@code user:password} for Milvus with authentication, or a Zilliz Cloud API key. */
    Optional<String> token();

    /** Milvus database holding the gateway's collections; Milvus's {@code default} database when absent. */
    Optional<String> database();

    /** How long the first connection (the Connect RPC) may take. */
    @WithDefault("10s")
    Duration connectTimeout();

    /** Deadline of every RPC (the SDK's rpcDeadlineMs); a slower Milvus call fails as a timeout. */
    @WithDefault("10s")
    Duration callTimeout();

    /** Read consistency: STRONG, SESSION, BOUNDED or EVENTUALLY (see the README before changing it). */
    @WithDefault("STRONG")
    String consistencyLevel();

    /** Partitions per Milvus collection, counting {@code _default}: Milvus's rootCoord.maxPartitionNum. */
    @WithDefault("1024")
    int maxPartitions();

    /** How long a shared bucket found to exist is trusted before it is checked again; 0 checks on every call. */
    @WithDefault("30s")
    Duration sharedPlacementCacheTtl();

    /**
     * How long ensuring a collection, partition or shared bucket waits for Milvus to load it. A read
     * that finds its data not loaded waits at most {@link #callTimeout()}.
     */
    @WithDefault("60s")
    Duration loadTimeout();

    /** Largest estimated size of one insert/upsert request; bigger batches are split (Milvus refuses requests over 64 MiB). */
    @WithDefault("16777216")
    int writeRequestBytes();

    Index index();

    Search search();

    Retry retry();

    interface Index {
        /** Vector index type: HNSW (self-hosted Milvus) or AUTOINDEX (Zilliz Cloud); IVF_FLAT and FLAT also work. */
        @WithDefault("HNSW")
        String type();

        /** HNSW: neighbours per node. */
        @WithDefault("16")
        int m();

        /** HNSW: candidates considered while building the graph. */
        @WithDefault("200")
        int efConstruction();
    }

    interface Search {
        /** HNSW: candidates explored per search; raised to topK when smaller. */
        @WithDefault("100")
        int ef();
    }

    interface Retry {
        /**
         * Attempts per RPC, the first included; the SDK would otherwise try 75 times. The gateway retries
         * failed backend calls itself ({@code gateway.backend.retry.*}), so one attempt here is the default.
         */
        @WithDefault("1")
        int maxAttempts();

        /** Wait before the first retry, multiplied by 3 for each further one. */
        @WithDefault("100ms")
        Duration initialBackoff();

        /** Longest wait between two attempts. */
        @WithDefault("1s")
        Duration maxBackoff();

        /** Whether a rate-limited call (Milvus code 8) is retried within the budget, or reported at once. */
        @WithDefault("true")
        boolean onRateLimit();
    }
}
