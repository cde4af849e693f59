package dev.partitiongateway.adapter.milvus;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The Milvus backend's settings, validated (see {@link MilvusConfig} for each one's meaning).
 *
 * @param database         Milvus database, or {@code null} for Milvus's {@code default}
 * @param token            credentials, or {@code null}
 * @param consistencyLevel one of STRONG, SESSION, BOUNDED, EVENTUALLY
 * @param indexType        HNSW, AUTOINDEX, IVF_FLAT or FLAT
 */
public record MilvusOptions(
        String uri,
        String token,
        String database,
        Duration connectTimeout,
        Duration callTimeout,
        String consistencyLevel,
        int maxPartitions,
        Duration sharedPlacementCacheTtl,
        Duration loadTimeout,
        int writeRequestBytes,
        String indexType,
        int hnswM,
        int hnswEfConstruction,
        int searchEf,
        int retryMaxAttempts,
        Duration retryInitialBackoff,
        Duration retryMaxBackoff,
        boolean retryOnRateLimit) {

    static final Set<String> CONSISTENCY_LEVELS = Set.of("STRONG", "SESSION", "BOUNDED", "EVENTUALLY");
    static final Set<String> INDEX_TYPES = Set.of("HNSW", "AUTOINDEX", "IVF_FLAT", "FLAT");

    public MilvusOptions {
        Objects.requireNonNull(uri, "uri");
        if (!(uri.startsWith("http://") || uri.startsWith("https://"))) {
            throw new IllegalArgumentException("gateway.milvus.uri must start with http:// or https://, not " + uri);
        }
        token = token == null || token.isBlank() ? null : token;
        database = database == null || database.isBlank() ? null : database;
        requirePositive(connectTimeout, "connect-timeout");
        requirePositive(callTimeout, "call-timeout");
        requirePositive(loadTimeout, "load-timeout");
        Objects.requireNonNull(sharedPlacementCacheTtl, "shared-placement-cache-ttl");
        if (sharedPlacementCacheTtl.isNegative()) {
            throw new IllegalArgumentException("gateway.milvus.shared-placement-cache-ttl must not be negative");
        }
        consistencyLevel = consistencyLevel.toUpperCase(Locale.ROOT);
        if (!CONSISTENCY_LEVELS.contains(consistencyLevel)) {
            throw new IllegalArgumentException("gateway.milvus.consistency-level must be one of " + CONSISTENCY_LEVELS + ", not " + consistencyLevel);
        }
        indexType = indexType.toUpperCase(Locale.ROOT);
        if (!INDEX_TYPES.contains(indexType)) {
            throw new IllegalArgumentException("gateway.milvus.index.type must be one of " + INDEX_TYPES + ", not " + indexType);
        }
        if (maxPartitions < 2) {
            throw new IllegalArgumentException("gateway.milvus.max-partitions must be at least 2 (it counts _default)");
        }
        if (writeRequestBytes < 1024) {
            throw new IllegalArgumentException("gateway.milvus.write-request-bytes must be at least 1024");
        }
        if (hnswM < 2 || hnswM > 2048 || hnswEfConstruction < 1 || searchEf < 1) {
            throw new IllegalArgumentException("HNSW parameters out of range: M=" + hnswM + ", efConstruction=" + hnswEfConstruction + ", ef=" + searchEf);
        }
        if (retryMaxAttempts < 1 || retryMaxAttempts > 20) {
            throw new IllegalArgumentException("gateway.milvus.retry.max-attempts must be in 1..20, not " + retryMaxAttempts);
        }
        requirePositive(retryInitialBackoff, "retry.initial-backoff");
        requirePositive(retryMaxBackoff, "retry.max-backoff");
    }

    /** The defaults of {@link MilvusConfig} for a server at {@code uri}. */
    public static MilvusOptions defaults(String uri) {
        return new MilvusOptions(uri, null, null, Duration.ofSeconds(10), Duration.ofSeconds(10), "STRONG", 1024,
                Duration.ofSeconds(30), Duration.ofSeconds(60), 16 * 1024 * 1024, "HNSW", 16, 200, 100, 1,
                Duration.ofMillis(100), Duration.ofSeconds(1), true);
    }

    static MilvusOptions from(MilvusConfig config) {
        return new MilvusOptions(config.uri(), config.token().orElse(null), config.database().orElse(null), config.connectTimeout(),
                config.callTimeout(), config.consistencyLevel(), config.maxPartitions(), config.sharedPlacementCacheTtl(),
                config.loadTimeout(), config.writeRequestBytes(), config.index().type(), config.index().m(),
                config.index().efConstruction(), config.search().ef(), config.retry().maxAttempts(), config.retry().initialBackoff(),
                config.retry().maxBackoff(), config.retry().onRateLimit());
    }

    public MilvusOptions withToken(String value) {
        return new MilvusOptions(uri, value, database, connectTimeout, callTimeout, consistencyLevel, maxPartitions, sharedPlacementCacheTtl,
                loadTimeout, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withDatabase(String value) {
        return new MilvusOptions(uri, token, value, connectTimeout, callTimeout, consistencyLevel, maxPartitions, sharedPlacementCacheTtl,
                loadTimeout, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withCallTimeout(Duration value) {
        return new MilvusOptions(uri, token, database, connectTimeout, value, consistencyLevel, maxPartitions, sharedPlacementCacheTtl,
                loadTimeout, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withLoadTimeout(Duration value) {
        return new MilvusOptions(uri, token, database, connectTimeout, callTimeout, consistencyLevel, maxPartitions, sharedPlacementCacheTtl,
                value, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withMaxPartitions(int value) {
        return new MilvusOptions(uri, token, database, connectTimeout, callTimeout, consistencyLevel, value, sharedPlacementCacheTtl,
                loadTimeout, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withWriteRequestBytes(int value) {
        return new MilvusOptions(uri, token, database, connectTimeout, callTimeout, consistencyLevel, maxPartitions, sharedPlacementCacheTtl,
                loadTimeout, value, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withRetry(int maxAttempts, Duration initialBackoff, boolean onRateLimit) {
        return new MilvusOptions(uri, token, database, connectTimeout, callTimeout, consistencyLevel, maxPartitions, sharedPlacementCacheTtl,
                loadTimeout, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, maxAttempts, initialBackoff,
                retryMaxBackoff, onRateLimit);
    }

    public MilvusOptions withSharedPlacementCacheTtl(Duration value) {
        return new MilvusOptions(uri, token, database, connectTimeout, callTimeout, consistencyLevel, maxPartitions, value,
                loadTimeout, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withIndexType(String value) {
        return new MilvusOptions(uri, token, database, connectTimeout, callTimeout, consistencyLevel, maxPartitions, sharedPlacementCacheTtl,
                loadTimeout, writeRequestBytes, value, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    public MilvusOptions withConsistencyLevel(String value) {
        return new MilvusOptions(uri, token, database, connectTimeout, callTimeout, value, maxPartitions, sharedPlacementCacheTtl,
                loadTimeout, writeRequestBytes, indexType, hnswM, hnswEfConstruction, searchEf, retryMaxAttempts, retryInitialBackoff,
                retryMaxBackoff, retryOnRateLimit);
    }

    private static void requirePositive(Duration value, String key) {
        Objects.requireNonNull(value, key);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("gateway.milvus." + key + " must be positive, not " + value);
        }
    }
}
