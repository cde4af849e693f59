package dev.partitiongateway.adapter.qdrant;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The settings a {@link QdrantBackend} runs with, checked once: the plain-Java form of
 * {@link QdrantConfig}, so that tests build backends without CDI.
 *
 * @param apiKey         {@code null} for none
 * @param hnswPayloadM   {@code null} for Qdrant's default
 * @param searchHnswEf   {@code null} for Qdrant's default
 * @param readConsistency {@code null}, {@code all}, {@code majority} or {@code quorum}
 */
public record QdrantOptions(
        String host,
        int port,
        boolean tls,
        String apiKey,
        Duration timeout,
        int maxRetries,
        Duration retryBackoff,
        PartitionMode partitionMode,
        int maxCollections,
        String collectionPrefix,
        String registryCollection,
        Duration placementCacheTtl,
        boolean indexFilteredKeys,
        int maxMetadataIndexes,
        int hnswM,
        int hnswEfConstruct,
        Integer hnswPayloadM,
        Integer searchHnswEf,
        String readConsistency,
        int maxBatchSize) {

    /** Where a dedicated placement's records live. Shared placements are always payload values. */
    public enum PartitionMode {
        /** One Qdrant collection per gateway collection; a placement is the value of the {@code partition} payload field. */
        PAYLOAD,
        /** As {@link #PAYLOAD} for shared placements; each dedicated placement gets a Qdrant collection of its own. */
        COLLECTION;

        static PartitionMode parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gateway.qdrant.partition-mode is '" + value + "'; use payload or collection", e);
            }
        }
    }

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]{0,64}");

    public QdrantOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(partitionMode, "partitionMode");
        collectionPrefix = collectionPrefix == null ? "" : collectionPrefix;
        require(port > 0 && port < 65536, "gateway.qdrant.port must be a TCP port, not " + port);
        require(timeout != null && !timeout.isNegative() && !timeout.isZero(), "gateway.qdrant.timeout must be positive");
        require(maxRetries >= 0, "gateway.qdrant.max-retries must not be negative");
        require(retryBackoff != null && !retryBackoff.isNegative(), "gateway.qdrant.retry-backoff must not be negative");
        require(maxCollections >= 1, "gateway.qdrant.max-collections must be at least 1");
        // Gateway names have no '-' and no '.', the prefix no '.', the registry name a '.': no data collection can clash with it.
        require(PREFIX.matcher(collectionPrefix).matches(), "gateway.qdrant.collection-prefix is 0-64 of letters, digits, '_' and '-'");
        require(registryCollection != null && registryCollection.contains(".") && registryCollection.length() <= 255
                && registryCollection.chars().noneMatch(c -> "<>:\"/\\|?*".indexOf(c) >= 0 || c < 0x20),
                "gateway.qdrant.registry-collection must be a Qdrant collection name with a '.' in it");
        require(placementCacheTtl != null && !placementCacheTtl.isNegative(), "gateway.qdrant.placement-cache-ttl must not be negative");
        require(maxMetadataIndexes >= 0, "gateway.qdrant.max-metadata-indexes must not be negative");
        require(hnswM >= 0 && hnswEfConstruct >= 4, "gateway.qdrant.hnsw-m must be >= 0 and hnsw-ef-construct >= 4");
        require(hnswPayloadM == null || hnswPayloadM >= 0, "gateway.qdrant.hnsw-payload-m must not be negative");
        require(searchHnswEf == null || searchHnswEf >= 1, "gateway.qdrant.search-hnsw-ef must be positive");
        require(readConsistency == null || readConsistency.matches("(?i)all|majority|quorum"),
                "gateway.qdrant.read-consistency is all, majority or quorum");
        require(maxBatchSize >= 1, "gateway.qdrant.max-batch-size must be positive");
    }

    /** The defaults of {@link QdrantConfig} for a plaintext node at {@code host:port}. */
    public static QdrantOptions defaults(String host, int port) {
        return builder(host, port).build();
    }

    /** Options starting from the defaults of {@link QdrantConfig}. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    static QdrantOptions from(QdrantConfig config) {
        return builder(config.host(), config.port())
                .tls(config.tls())
                .apiKey(config.apiKey().orElse(null))
                .timeout(config.timeout(), config.maxRetries(), config.retryBackoff())
                .partitionMode(PartitionMode.parse(config.partitionMode()))
                .maxCollections(config.maxCollections())
                .collectionPrefix(config.collectionPrefix().orElse(""))
                .registry(config.registryCollection(), config.placementCacheTtl())
                .indexFilteredKeys(config.indexFilteredKeys(), config.maxMetadataIndexes())
                .hnsw(config.hnswM(), config.hnswEfConstruct(),
                        config.hnswPayloadM().isPresent() ? config.hnswPayloadM().getAsInt() : null,
                        config.searchHnswEf().isPresent() ? config.searchHnswEf().getAsInt() : null)
                .readConsistency(config.readConsistency().orElse(null))
                .maxBatchSize(config.maxBatchSize())
                .build();
    }

    /** Collects settings over the defaults; {@link #build()} checks them. */
    public static final class Builder {
        private final String host;
        private final int port;
        private boolean tls;
        private String apiKey;
        private Duration timeout = Duration.ofSeconds(10);
        private int maxRetries = 0;
        private Duration retryBackoff = Duration.ofMillis(200);
        private PartitionMode partitionMode = PartitionMode.PAYLOAD;
        private int maxCollections = 1000;
        private String collectionPrefix = "";
        private String registryCollection = "partition_gateway.placements";
        private Duration placementCacheTtl = Duration.ofSeconds(60);
        private boolean indexFilteredKeys = true;
        private int maxMetadataIndexes = 64;
        private int hnswM = 16;
        private int hnswEfConstruct = 100;
        private Integer hnswPayloadM;
        private Integer searchHnswEf;
        private String readConsistency;
        private int maxBatchSize = 256;

        private Builder(String host, int port) {
            this.host = host;
            this.port = port;
        }

        public Builder tls(boolean on) {
            this.tls = on;
            return this;
        }

        public Builder apiKey(String key) {
            this.apiKey = key;
            return this;
        }

        public Builder timeout(Duration deadline, int retries, Duration backoff) {
            this.timeout = deadline;
            this.maxRetries = retries;
            this.retryBackoff = backoff;
            return this;
        }

        public Builder partitionMode(PartitionMode mode) {
            this.partitionMode = mode;
            return this;
        }

        public Builder maxCollections(int limit) {
            this.maxCollections = limit;
            return this;
        }

        public Builder collectionPrefix(String prefix) {
            this.collectionPrefix = prefix;
            return this;
        }

        public Builder registry(String collection, Duration cacheTtl) {
            this.registryCollection = collection;
            this.placementCacheTtl = cacheTtl;
            return this;
        }

        public Builder indexFilteredKeys(boolean on) {
            this.indexFilteredKeys = on;
            return this;
        }

        public Builder indexFilteredKeys(boolean on, int maxIndexesPerCollection) {
            this.indexFilteredKeys = on;
            this.maxMetadataIndexes = maxIndexesPerCollection;
            return this;
        }

        public Builder hnsw(int m, int efConstruct, Integer payloadM, Integer searchEf) {
            this.hnswM = m;
            this.hnswEfConstruct = efConstruct;
            this.hnswPayloadM = payloadM;
            this.searchHnswEf = searchEf;
            return this;
        }

        public Builder readConsistency(String level) {
            this.readConsistency = level;
            return this;
        }

        public Builder maxBatchSize(int records) {
            this.maxBatchSize = records;
            return this;
        }

        public QdrantOptions build() {
            return new QdrantOptions(host, port, tls, apiKey, timeout, maxRetries, retryBackoff, partitionMode, maxCollections,
                    collectionPrefix, registryCollection, placementCacheTtl, indexFilteredKeys, maxMetadataIndexes, hnswM, hnswEfConstruct, hnswPayloadM,
                    searchHnswEf, readConsistency, maxBatchSize);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
