package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every refusal is a 4xx problem naming the field, and the tenant's data and usage are unchanged. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class BadInputTest {

    String collection;
    String key;

    @BeforeEach
    void setUp() {
        collection = createCollection("strict", 3, "COSINE");
        key = readWriteKey(createTenant("careless"));
        upsert(key, collection, List.of(vector("existing", 1, 0, 0))).statusCode(200);
    }

    @AfterEach
    void nothingChanged() {
        assertThat(usage(key)).isEqualTo(1);
        fetch(key, collection, "good").statusCode(404);
        fetch(key, collection, "existing").statusCode(200).body("values[0]", equalTo(1.0f));
    }

    /** A batch with one valid new vector ("good") and one bad one; the whole batch must be refused. */
    private void refused(Map<String, Object> bad, int status, String field) {
        upsert(key, collection, List.of(vector("good", 0, 1, 0), bad)).statusCode(status)
                .contentType("application/problem+json")
                .body("errors.field", field == null ? org.hamcrest.Matchers.anything() : hasItem(field));
    }

    @Test
    void should_refuse_a_wrong_dimension() {
        refused(vector("x", 1, 0), 400, "vectors[1].values");
        refused(vector("x", 1, 0, 0, 0), 400, "vectors[1].values");
    }

    @Test
    void should_refuse_nan_and_infinite_values() {
        refused(vector("x", List.of(1.0, Double.NaN, 0.0), null), 400, "vectors[1].values[1]");
        refused(vector("x", List.of(1.0, 1e39, 0.0), null), 400, "vectors[1].values[1]");
        as(key).body("{\"vectors\":[{\"id\":\"good\",\"values\":[1,NaN,0]}]}").put("/v1/collections/" + collection + "/vectors")
                .then().statusCode(400).body("code", equalTo("MALFORMED_JSON"));
    }

    @Test
    void should_refuse_an_all_zero_vector_for_cosine() {
        refused(vector("x", 0, 0, 0), 400, "vectors[1].values");
    }

    @Test
    void should_refuse_an_empty_or_missing_batch() {
        upsert(key, collection, List.of()).statusCode(400).body("errors.field", hasItem("vectors"));
        as(key).body(Map.of()).put("/v1/collections/" + collection + "/vectors").then().statusCode(400);
        as(key).put("/v1/collections/" + collection + "/vectors").then().statusCode(400);
    }

    @Test
    void should_refuse_a_batch_over_the_maximum_with_413() {
        List<Map<String, Object>> batch = new ArrayList<>();
        IntStream.range(0, 1001).forEach(i -> batch.add(vector("v" + i, 1, 0, 0)));
        upsert(key, collection, batch).statusCode(413).body("code", equalTo("PAYLOAD_TOO_LARGE"));
    }

    @Test
    void should_refuse_duplicate_ids_in_one_batch() {
        refused(vector("good", 0, 0, 1), 400, "vectors[1].id");
    }

    @Test
    void should_refuse_empty_missing_and_overlong_ids() {
        refused(vector("", 1, 0, 0), 400, "vectors[1].id");
        Map<String, Object> noId = new HashMap<>(vector("x", 1, 0, 0));
        noId.remove("id");
        refused(noId, 400, "vectors[1].id");
        refused(vector("x".repeat(513), 1, 0, 0), 400, "vectors[1].id");
    }

    @Test
    void should_accept_an_id_of_exactly_512_characters() {
        String id = "y".repeat(512);
        upsert(key, collection, List.of(vector(id, 1, 0, 0))).statusCode(200);
        fetch(key, collection, id).statusCode(200);
        delete(key, collection, Map.of("ids", List.of(id))).statusCode(200).body("deleted", equalTo(1));
    }

    @Test
    void should_refuse_metadata_that_is_not_an_object_of_json_values() {
        refused(withMetadata(List.of(1, 2)), 400, "vectors[1].metadata");
        refused(withMetadata("text"), 400, "vectors[1].metadata");
        refused(withMetadata(Map.of("a", List.of(Map.of("b", 1)))), 400, "vectors[1].metadata.a[0]");
        refused(withMetadata(Map.of("dotted.key", 1)), 400, "vectors[1].metadata.dotted.key");
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("a", null);
        refused(withMetadata(withNull), 400, "vectors[1].metadata.a");
        refused(withMetadata(Map.of("big", "z".repeat(41_000))), 400, "vectors[1].metadata");
    }

    @Test
    void should_refuse_unknown_fields_and_wrong_types() {
        Map<String, Object> extra = new HashMap<>(vector("x", 1, 0, 0));
        extra.put("tenant", "someone-else");
        refused(extra, 400, "vectors[1].tenant");
        Map<String, Object> stringValues = new HashMap<>(vector("x", 1, 0, 0));
        stringValues.put("values", List.of("a", "b", "c"));
        refused(stringValues, 400, null);
    }

    @Test
    void should_refuse_an_unknown_collection_with_404() {
        upsert(key, "no_such_collection", List.of(vector("good", 0, 1, 0))).statusCode(404).body("code", equalTo("NOT_FOUND"));
        search(key, "no_such_collection", Map.of("vector", List.of(1, 0, 0))).statusCode(404);
        fetch(key, "no_such_collection", "existing").statusCode(404);
        delete(key, "no_such_collection", Map.of("ids", List.of("existing"))).statusCode(404);
    }

    @Test
    void should_refuse_top_k_out_of_range() {
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 0)).statusCode(400).body("errors.field", hasItem("topK"));
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 1001)).statusCode(400).body("errors.field", hasItem("topK"));
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 1000)).statusCode(200);
    }

    @Test
    void should_refuse_a_search_vector_of_the_wrong_dimension() {
        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(400).body("errors.field", hasItem("vector"));
        search(key, collection, Map.of("topK", 3)).statusCode(400).body("errors.field", hasItem("vector"));
    }

    @Test
    void should_refuse_unknown_operators_and_malformed_filters() {
        for (Object filter : Arrays.asList(
                Map.of("genre", Map.of("$regex", "n.*")),
                Map.of("$nor", List.of(Map.of("a", 1))),
                Map.of("year", Map.of("$gt", "2020")),
                Map.of("tags", Map.of("$in", List.of())),
                Map.of("$and", Map.of("a", 1)),
                Map.of("a", List.of(1, 2)),
                Map.of("a", Map.of("$exists", "yes")),
                List.of(Map.of("a", 1)),
                "genre == 'news'")) {
            search(key, collection, Map.of("vector", List.of(1, 0, 0), "filter", filter))
                    .statusCode(400).body("code", equalTo("INVALID_FILTER"));
            delete(key, collection, Map.of("filter", filter)).statusCode(400).body("code", equalTo("INVALID_FILTER"));
        }
    }

    @Test
    void should_refuse_ambiguous_or_empty_deletes() {
        delete(key, collection, Map.of()).statusCode(400);
        delete(key, collection, Map.of("ids", List.of("existing"), "filter", Map.of("a", 1))).statusCode(400);
        delete(key, collection, Map.of("filter", Map.of())).statusCode(400);
        delete(key, collection, Map.of("ids", List.of())).statusCode(400);
        delete(key, collection, Map.of("ids", List.of(""))).statusCode(400).body("errors.field", hasItem("ids[0]"));
        delete(key, collection, Map.of("ids", IntStream.range(0, 1001).mapToObj(i -> "id" + i).toList())).statusCode(413);
    }

    @Test
    void should_refuse_malformed_time_ranges() {
        for (Object range : List.of(Map.of("from", "yesterday"), Map.of("from", "2024-01-02T00:00:00Z", "to", "2024-01-01T00:00:00Z"),
                Map.of("from", 1.5), Map.of("to", List.of()), "2024")) {
            search(key, collection, Map.of("vector", List.of(1, 0, 0), "timeRange", range)).statusCode(400);
        }
        // On a collection not partitioned by time, a range filters on record timestamps: untimed records never match.
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "timeRange", Map.of("from", "2024-01-01T00:00:00Z")))
                .statusCode(200).body("results", org.hamcrest.Matchers.hasSize(0));
    }

    private static Map<String, Object> withMetadata(Object metadata) {
        Map<String, Object> v = new HashMap<>(vector("x", 1, 0, 0));
        v.put("metadata", metadata);
        return v;
    }
}
