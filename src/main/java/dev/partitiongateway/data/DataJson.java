package dev.partitiongateway.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Bodies of the tenant data API (see the REST contract in DESIGN.md). */
public final class DataJson {

    private DataJson() {
    }

    public record VectorInput(String id, float[] values, JsonNode metadata, JsonNode timestamp) {
    }

    public record UpsertRequest(List<VectorInput> vectors) {
    }

    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "QuotaUsage", description = "Vectors the tenant holds, and its quota")
    public record Usage(long vectors, long maxVectors) {
    }

    public record UpsertResponse(int upserted, int inserted, int updated, Usage usage) {
    }

    /** Record timestamps in {@code [from, to)}; each bound an ISO-8601 instant or epoch milliseconds, either may be absent. */
    public record TimeRange(JsonNode from, JsonNode to) {
    }

    /**
     * @param partitions     partition names to search (EXPLICIT routing)
     * @param routing        EXPLICIT, BROADCAST, FILTERED or SMART (default)
     * @param maxPartitions  SMART searches at most this many partitions (newest and largest first)
     * @param allowPartial   return what the partitions that answered found, instead of failing, when some fail
     * @param explain        add which partitions were searched and pruned, and why
     */
    public record SearchRequest(float[] vector, Integer topK, JsonNode filter, TimeRange timeRange,
                                Boolean includeMetadata, Boolean includeValues, List<String> partitions, String routing,
                                Integer maxPartitions, Boolean allowPartial, Boolean explain) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hit(String id, float score, Map<String, Object> metadata, float[] values) {
    }

    /** A partition that failed or missed the deadline in a partial search. */
    public record FailedPartition(String partition, String reason) {
    }

    /** One partition searched, in an explained search. */
    public record SearchedPartition(String partition, String describes, double latencyMs, int hits) {
    }

    /** One partition left out, in an explained search. */
    public record PrunedPartition(String partition, String describes, String reason) {
    }

    public record Explain(List<SearchedPartition> searched, List<PrunedPartition> pruned) {
    }

    /**
     * @param partitions the partitions searched
     * @param partial    true when {@code skipped} or {@code failed} is not empty: results may miss matches
     * @param archived   the caller's partitions whose vectors are only in an archive (ARCHIVED or RESTORING):
     *                   not searched, and named so that no gap is silent; absent when there are none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SearchResponse(List<Hit> results, List<String> partitions, boolean partial, List<String> skipped,
                                 List<FailedPartition> failed,
                                 @org.eclipse.microprofile.openapi.annotations.media.Schema(description = "Placements of your partitions "
                                         + "that are archived (or being restored) and were not searched: their vectors cannot be among the "
                                         + "results until they are restored. Absent when none.") List<String> archived,
                                 Explain explain) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VectorJson(String id, float[] values, Map<String, Object> metadata, Instant timestamp) {
    }

    /** Ids to fetch in one request; a repeated id is fetched once. */
    public record FetchRequest(List<String> ids) {
    }

    /**
     * @param vectors the stored vectors among the ids, in the order the ids were first given
     * @param missing the ids this tenant has no vector for in the collection
     */
    public record FetchResponse(List<VectorJson> vectors, List<String> missing) {
    }

    public record DeleteRequest(List<String> ids, JsonNode filter) {
    }

    public record DeleteResponse(long deleted) {
    }

    public record PartitionStats(String placement, String state, long vectorCount) {
    }

    public record StatsResponse(String collection, int dimension, String metric, long vectors, Usage usage,
                                List<PartitionStats> partitions) {
    }
}
