package dev.partitiongateway.adapter.qdrant;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Operator settings of the Qdrant backend ({@code gateway.qdrant.*}). Every key has a default, so a
 * gateway that never uses Qdrant starts without any of them; see {@code config/qdrant.properties}.
 */
@ConfigMapping(prefix = "gateway.qdrant")
public interface QdrantConfig {

    /** Host of a Qdrant node or of Qdrant Cloud (gRPC). */
    @WithDefault("localhost")
    String host();

    /** Qdrant's gRPC port (the REST port 6333 is not used). */
    @WithDefault("6334")
    int port();

    /** TLS on the gRPC connection: required by Qdrant Cloud. */
    @WithDefault("false")
    boolean tls();

    /** Sent as the {@code api-key} header on every call; none when absent. */
    Optional<String> apiKey();

    /** Deadline of each call to Qdrant; an overrun is a timeout, never a hang. */
    @WithDefault("10s")
    Duration timeout();

    /**
     * Extra attempts after UNAVAILABLE (a node restarting, a connection reset); never after a timeout or a
     * rate limit. The gateway retries failed backend calls itself ({@code gateway.backend.retry.*}), so none here by default.
     */
    @WithDefault("0")
    int maxRetries();

    /** Wait before the first retry; doubled for each further one. */
    @WithDefault("200ms")
    Duration retryBackoff();

    /** {@code payload}: placements are payload values in one collection; {@code collection}: one collection per dedicated placement. */
    @WithDefault("payload")
    String partitionMode();

    /** Collections the gateway may hold on the cluster (Qdrant Cloud allows 1,000); creating more is refused before Qdrant would. */
    @WithDefault("1000")
    int maxCollections();

    /** Prepended to every collection the gateway creates, for clusters shared with other applications. */
    Optional<String> collectionPrefix();

    /** The collection where the gateway records which placements exist. Its name has a '.' so that it never clashes with a data collection. */
    @WithDefault("partition_gateway.placements")
    String registryCollection();

    /** How long this gateway trusts its memory of a placement's existence for reads; writes always check. */
    @WithDefault("60s")
    Duration placementCacheTtl();

    /**
     * Create a payload index on a metadata key when a filter uses it and some record holds it (needed in
     * Qdrant Cloud's strict mode). Keys no record holds never get one: filters on them match nothing.
     */
    @WithDefault("true")
    boolean indexFilteredKeys();

    /**
     * Metadata payload indexes the gateway creates at most per Qdrant collection (the four scope indexes
     * not counted). Beyond it filters on further keys run unindexed, and strict mode refuses them with 507.
     */
    @WithDefault("64")
    int maxMetadataIndexes();

    /** HNSW neighbours per node of new collections ({@code m}); 0 disables the global graph (see hnsw-payload-m). */
    @WithDefault("16")
    int hnswM();

    /** HNSW build beam of new collections ({@code ef_construct}). */
    @WithDefault("100")
    int hnswEfConstruct();

    /** Neighbours per node of the per-tenant graphs ({@code payload_m}); Qdrant's default (= m) when absent. */
    OptionalInt hnswPayloadM();

    /** Search beam ({@code hnsw_ef}); Qdrant's default when absent. */
    OptionalInt searchHnswEf();

    /** Read consistency on replicated collections: all, majority or quorum; Qdrant's default (one replica) when absent. */
    Optional<String> readConsistency();

    /** Records per upsert, fetch or delete call the gateway sends. */
    @WithDefault("256")
    int maxBatchSize();
}
