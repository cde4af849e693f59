package dev.partitiongateway.adapter.pinecone;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the Pinecone backend needs, validated once. Built from {@link PineconeBackendConfig} by the
 * factory, or directly by tests. See {@code config/pinecone.properties} for the meaning of each setting.
 *
 * @param apiKey              the project API key (control plane and data plane)
 * @param controlPlaneUrl     base URL of the control plane, {@code https://api.pinecone.io} in production
 * @param tls                 TLS on data-plane connections; off only for a local test server
 * @param indexes             the index of particular gateway collections, by collection name
 * @param defaultIndex        the index of every other collection, or {@code null}: then a collection's
 *                            index is named {@code indexNamePrefix + collection}
 * @param createIndexes       whether the gateway may create (paid) serverless indexes that do not exist
 * @param cloud               serverless cloud of created indexes (aws, gcp, azure)
 * @param region              serverless region of created indexes
 * @param indexNamePrefix     prefix of index names derived from collection names
 * @param timeout             deadline of each data-plane call, retries included
 * @param controlPlaneTimeout connect, read and write timeout of each control-plane request
 * @param indexReadyTimeout   how long {@code ensureCollection} waits for a created index to be ready
 * @param retry               retries of rate-limited (429) and unavailable calls, within the deadline
 * @param maxUpsertBytes      largest upsert request sent (Pinecone refuses above 2 MB)
 * @param listPageSize        ids per {@code list} page (Pinecone's default and, as far as known, maximum: 100)
 */
public record PineconeOptions(String apiKey, String controlPlaneUrl, boolean tls, Map<String, IndexLocation> indexes,
                              IndexLocation defaultIndex, boolean createIndexes, String cloud, String region,
                              String indexNamePrefix, Duration timeout, Duration controlPlaneTimeout,
                              Duration indexReadyTimeout, RetryPolicy retry, int maxUpsertBytes, int listPageSize) {

    public static final String DEFAULT_CONTROL_PLANE = "https://api.pinecone.io";
    static final int PINECONE_MAX_UPSERT_BYTES = 2_000_000;
    static final int PINECONE_MAX_LIST_PAGE = 100;

    /**
     * Where an index is: by {@code name} (its host is looked up once through the control plane), or by
     * {@code host} (no control-plane call at all for data; shape checks use index stats).
     */
    public record IndexLocation(String name, String host) {
        public IndexLocation {
            if ((name == null || name.isBlank()) && (host == null || host.isBlank())) {
                throw new IllegalArgumentException("an index is given by name or by host");
            }
            name = name == null || name.isBlank() ? null : name;
            host = host == null || host.isBlank() ? null : host;
        }

        public static IndexLocation named(String name) {
            return new IndexLocation(name, null);
        }

        public static IndexLocation at(String host) {
            return new IndexLocation(null, host);
        }

        String describe() {
            return name != null ? "index '" + name + "'" : "index at " + host;
        }
    }

    /** Attempts (the first included) and exponential backoff between them. */
    public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        public RetryPolicy {
            if (maxAttempts < 1 || maxAttempts > 20) {
                throw new IllegalArgumentException("retry.max-attempts must be in 1..20, not " + maxAttempts);
            }
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("retry backoff must satisfy 0 <= initial <= max");
            }
        }
    }

    public PineconeOptions {
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("gateway.pinecone.api-key is required to use the Pinecone backend");
        }
        Objects.requireNonNull(controlPlaneUrl, "controlPlaneUrl");
        indexes = Map.copyOf(indexes);
        Objects.requireNonNull(cloud, "cloud");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(indexNamePrefix, "indexNamePrefix");
        requirePositive(timeout, "timeout");
        requirePositive(controlPlaneTimeout, "control-plane-timeout");
        requirePositive(indexReadyTimeout, "index-ready-timeout");
        Objects.requireNonNull(retry, "retry");
        if (maxUpsertBytes < 100_000 || maxUpsertBytes > PINECONE_MAX_UPSERT_BYTES) {
            throw new IllegalArgumentException("max-upsert-bytes must be in 100000.." + PINECONE_MAX_UPSERT_BYTES + ", not " + maxUpsertBytes);
        }
        if (listPageSize < 1 || listPageSize > PINECONE_MAX_LIST_PAGE) {
            throw new IllegalArgumentException("list-page-size must be in 1.." + PINECONE_MAX_LIST_PAGE + ", not " + listPageSize);
        }
        if (!indexNamePrefix.matches("[a-z0-9-]{0,20}")) {
            throw new IllegalArgumentException("index-name-prefix must be at most 20 of a-z, 0-9 and '-', not '" + indexNamePrefix + "'");
        }
    }

    /** The documented defaults, with the given key and control plane. */
    public static PineconeOptions defaults(String apiKey, String controlPlaneUrl) {
        return new PineconeOptions(apiKey, controlPlaneUrl, true, Map.of(), null, false, "aws", "us-east-1", "pg-",
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(50),
                new RetryPolicy(1, Duration.ofMillis(100), Duration.ofSeconds(2)), PINECONE_MAX_UPSERT_BYTES, PINECONE_MAX_LIST_PAGE);
    }

    public PineconeOptions withTls(boolean enabled) {
        return new PineconeOptions(apiKey, controlPlaneUrl, enabled, indexes, defaultIndex, createIndexes, cloud, region,
                indexNamePrefix, timeout, controlPlaneTimeout, indexReadyTimeout, retry, maxUpsertBytes, listPageSize);
    }

    public PineconeOptions withIndex(String collection, IndexLocation location) {
        Map<String, IndexLocation> more = new LinkedHashMap<>(indexes);
        more.put(collection, location);
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, more, defaultIndex, createIndexes, cloud, region,
                indexNamePrefix, timeout, controlPlaneTimeout, indexReadyTimeout, retry, maxUpsertBytes, listPageSize);
    }

    public PineconeOptions withDefaultIndex(IndexLocation location) {
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, indexes, location, createIndexes, cloud, region,
                indexNamePrefix, timeout, controlPlaneTimeout, indexReadyTimeout, retry, maxUpsertBytes, listPageSize);
    }

    public PineconeOptions withCreatedIndexes(String inCloud, String inRegion) {
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, indexes, defaultIndex, true, inCloud, inRegion,
                indexNamePrefix, timeout, controlPlaneTimeout, indexReadyTimeout, retry, maxUpsertBytes, listPageSize);
    }

    public PineconeOptions withIndexNamePrefix(String prefix) {
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, indexes, defaultIndex, createIndexes, cloud, region,
                prefix, timeout, controlPlaneTimeout, indexReadyTimeout, retry, maxUpsertBytes, listPageSize);
    }

    public PineconeOptions withTimeouts(Duration dataPlane, Duration controlPlane, Duration indexReady) {
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, indexes, defaultIndex, createIndexes, cloud, region,
                indexNamePrefix, dataPlane, controlPlane, indexReady, retry, maxUpsertBytes, listPageSize);
    }

    public PineconeOptions withRetry(RetryPolicy policy) {
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, indexes, defaultIndex, createIndexes, cloud, region,
                indexNamePrefix, timeout, controlPlaneTimeout, indexReadyTimeout, policy, maxUpsertBytes, listPageSize);
    }

    public PineconeOptions withMaxUpsertBytes(int bytes) {
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, indexes, defaultIndex, createIndexes, cloud, region,
                indexNamePrefix, timeout, controlPlaneTimeout, indexReadyTimeout, retry, bytes, listPageSize);
    }

    public PineconeOptions withListPageSize(int size) {
        return new PineconeOptions(apiKey, controlPlaneUrl, tls, indexes, defaultIndex, createIndexes, cloud, region,
                indexNamePrefix, timeout, controlPlaneTimeout, indexReadyTimeout, retry, maxUpsertBytes, size);
    }

    private static void requirePositive(Duration duration, String name) {
        if (duration == null || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException(name + " must be a positive duration, not " + duration);
        }
    }
}
