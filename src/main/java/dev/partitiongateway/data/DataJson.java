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

    public record Usage(long vectors, long maxVectors) {
    }

    public record UpsertResponse(int upserted, int inserted, int updated, Usage usage) {
    }

    public record TimeRange(Instant from, Instant to) {
    }

    public record SearchRequest(float[] vector, Integer topK, JsonNode filter, TimeRange timeRange,
                                Boolean includeMetadata, Boolean includeValues) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hit(String id, float score, Map<String, Object> metadata, float[] values) {
    }

    public record SearchResponse(List<Hit> results, List<String> partitions) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VectorJson(String id, float[] values, Map<String, Object> metadata, Instant timestamp) {
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
