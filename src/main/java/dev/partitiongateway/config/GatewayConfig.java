package dev.partitiongateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/** The gateway's own settings, under {@code gateway.*} (env {@code GATEWAY_*}). */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    /** Root of embedded state: {@code postgres/} and {@code lucene/} live under it. */
    @WithDefault("./data")
    String dataDir();

    Admin admin();

    Auth auth();

    Tenants tenants();

    Limits limits();

    Backend backend();

    Reconciler reconciler();

    Search search();

    TimeWindows timeWindows();

    Retention retention();

    Jobs jobs();

    Split split();

    interface Split {
        /**
         * Vectors one batch of a split moves: one transaction, which holds those vectors' registry rows (a
         * write or delete of one of them waits for the batch) and writes each new shard once.
         */
        @WithDefault("1000")
        int batchSize();

        /**
         * How long a split waits after its directory switch before it moves the first vector, so that
         * every gateway process has its change notification and searches the new shards too.
         */
        @WithDefault("1s")
        Duration announceGrace();
    }

    interface Jobs {
        /** Whether this process runs lifecycle jobs (it can enqueue and show them either way). */
        @WithDefault("true")
        boolean enabled();

        /** How often an idle process looks for a job to run. */
        @WithDefault("1s")
        Duration pollInterval();

        /** How long a run owns its job without renewing; a job whose process died is resumed elsewhere after this. */
        @WithDefault("30s")
        Duration lease();

        /** Runs of one job that fail transiently (backend or PostgreSQL unavailable) before it is FAILED. */
        @WithDefault("10")
        int maxAttempts();

        /** How long shutdown waits for a running job to stop at its next batch. */
        @WithDefault("20s")
        Duration shutdownGrace();
    }

    Archive archive();

    /**
     * Where partition archives are kept (see docs/archive-format.md): a local directory by default, or
     * any S3-compatible object store.
     */
    interface Archive {
        /** {@code local} (a directory, see {@link #localDir()}) or {@code s3} (needs at least {@link #bucket()}). */
        @WithDefault("local")
        Kind kind();

        /** The directory of a {@code local} store; {@code <gateway.data-dir>/archives} when absent. */
        Optional<String> localDir();

        /** S3 endpoint, for a store other than AWS S3 (MinIO, Ceph, R2, ...): {@code https://host:port}. */
        Optional<String> endpoint();

        /** The bucket (s3 only); it must exist. */
        Optional<String> bucket();

        /** Key prefix under which this gateway's archives live, in the bucket or the local directory. */
        Optional<String> prefix();

        /** The bucket's region; {@code us-east-1} with an endpoint, otherwise the AWS SDK's default chain when absent. */
        Optional<String> region();

        /** Static credentials; when absent, the AWS SDK's default chain (environment, profile, instance role). */
        Optional<String> accessKey();

        Optional<String> secretKey();

        /** Path-style requests ({@code endpoint/bucket/key}), which most S3-compatible stores need. */
        @WithDefault("false")
        boolean pathStyle();

        /** Records per archive file: a file is closed and uploaded when it reaches this many. */
        @WithDefault("100000")
        int recordsPerFile();

        /** An archive file is also closed and uploaded when its encoded size reaches this (for large vectors). */
        @WithDefault("512M")
        MemorySize maxFileSize();

        /**
         * Parquet row group size. A row group is what a writer buffers and a reader decodes at once, so
         * it bounds the heap an archive or restore needs, whatever the partition's size.
         */
        @WithDefault("8M")
        MemorySize rowGroupSize();

        /** Files larger than this are uploaded to S3 in parts of this size (at least 5M). */
        @WithDefault("64M")
        MemorySize multipartPartSize();

        /** Where archive files are written before upload and downloaded before reading; the JVM's temp directory when absent. */
        Optional<String> workDir();

        enum Kind { LOCAL, S3 }
    }

    interface Search {
        /** Deadline of a search over all the partitions it covers; a partition that has not answered by then has failed. */
        @WithDefault("2s")
        Duration deadline();
    }

    interface TimeWindows {
        /** How far in the future a vector's timestamp may be (clock skew between clients and the gateway). */
        @WithDefault("5m")
        Duration maxFutureSkew();
    }

    interface Retention {
        /** Whether the scheduled retention rounds run ({@code POST .../retention} works either way). */
        @WithDefault("true")
        boolean enabled();

        /** How often a retention round runs, on one of the gateway processes sharing the database. */
        @WithDefault("1h")
        Duration interval();
    }

    interface Admin {
        /**
         * The operator key. When absent, one is generated on first start, only its hash is kept,
         * and it is printed once in the log.
         */
        Optional<String> key();
    }

    interface Auth {
        /** How long a key or tenant lookup is served from memory; changes made on this instance apply at once. */
        @WithDefault("60s")
        Duration cacheTtl();

        /** How often last-used times of keys are written to PostgreSQL (not on every request). */
        @WithDefault("30s")
        Duration lastUsedFlushInterval();
    }

    interface Tenants {
        /** Quota of a tenant created without one. */
        @WithDefault("100000")
        long defaultMaxVectors();

        /** Requests per second one tenant may make (per gateway process), unless the tenant has its own. */
        @WithDefault("500")
        int requestsPerSecond();

        /** Vectors per second one tenant may upsert (per gateway process), unless the tenant has its own. */
        @WithDefault("50000")
        int vectorsPerSecond();

        /**
         * Requests of one tenant in progress at once (per gateway process), unless the tenant has its own:
         * the share of the gateway's threads that one tenant can hold, for instance with bodies it never
         * finishes sending.
         */
        @WithDefault("32")
        int maxConcurrentRequests();
    }

    interface Limits {
        /** Most vectors in one upsert request (413 beyond). */
        @WithDefault("1000")
        int maxBatch();

        /** Largest topK of a search. */
        @WithDefault("1000")
        int maxTopK();

        /** Largest metadata object of one vector, serialised as JSON. */
        @WithDefault("40960")
        int maxMetadataBytes();

        /** Most ids in one delete request. */
        @WithDefault("1000")
        int maxDeleteIds();

        /**
         * Requests in progress at once, over all tenants, at which the gateway reports itself not ready,
         * so that a load balancer sends new work elsewhere. Keep it below the worker pool's size
         * ({@code quarkus.thread-pool.max-threads}, 200 by default).
         */
        @WithDefault("180")
        int maxInFlight();

    }

    interface Reconciler {
        /** Whether the scheduled pass runs ({@code POST /v1/admin/reconcile} works either way). */
        @WithDefault("true")
        boolean enabled();

        /** How often a pass starts on one of the gateway processes sharing the database. */
        @WithDefault("10m")
        Duration interval();

        /** What to do with a record the backend holds and the registry does not: delete it, or adopt it (counted against quota). */
        @WithDefault("delete")
        OrphanPolicy orphans();

        /**
         * With an eventually consistent backend, registry rows changed more recently than this are not
         * judged (a write may not be visible yet).
         */
        @WithDefault("2m")
        Duration settle();

        enum OrphanPolicy { DELETE, ADOPT }
    }

    interface Backend {
        /** Backend of collections created without one: lucene, milvus, qdrant or pinecone. */
        @WithName("default")
        @WithDefault("lucene")
        String defaultKind();

        Retry retry();

        CircuitBreaker circuitBreaker();

        /**
         * Retries of a backend call that failed in a retryable way (unavailable, timed out, rate
         * limited). Every SPI call is idempotent, so a retry never applies a write twice.
         */
        interface Retry {
            /** Retries after the first attempt; 0 turns retries off. */
            @WithDefault("2")
            int maxRetries();

            /** Wait before the first retry; doubles for each further one (with jitter). */
            @WithDefault("50ms")
            Duration delay();

            /** No retry starts after this long since the first attempt. */
            @WithDefault("2s")
            Duration maxDuration();
        }

        /**
         * One circuit breaker per backend kind: when at least {@code failure-ratio} of the last
         * {@code request-volume} calls failed as unavailable or timed out, calls fail fast with 503 for
         * {@code delay}, then a few trial calls decide whether it closes again.
         */
        interface CircuitBreaker {
            @WithDefault("20")
            int requestVolume();

            @WithDefault("0.5")
            double failureRatio();

            @WithDefault("5s")
            Duration delay();

            /** Trial calls that must succeed, after {@code delay}, to close the circuit. */
            @WithDefault("2")
            int successThreshold();
        }
    }
}
