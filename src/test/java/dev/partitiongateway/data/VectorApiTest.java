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
import static dev.partitiongateway.support.TestApi.issueKey;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class VectorApiTest {

    String collection;
    String key;

    @BeforeEach
    void setUp() {
        collection = createCollection("docs", 3, "COSINE");
        key = readWriteKey(createTenant("writer"));
    }

    @Test
    void should_upsert_then_fetch_with_metadata_and_values() {
        upsert(key, collection, List.of(vector("a", List.of(1.0, 0.0, 0.0),
                Map.of("genre", "news", "year", 2021, "tags", List.of("x", "y"), "author", Map.of("name", "Ada")))))
                .statusCode(200)
                .body("upserted", equalTo(1)).body("inserted", equalTo(1)).body("updated", equalTo(0))
                .body("usage.vectors", equalTo(1)).body("usage.maxVectors", equalTo(1000));
        fetch(key, collection, "a").statusCode(200)
                .body("id", equalTo("a"))
                .body("values", contains(1.0f, 0.0f, 0.0f))
                .body("metadata.genre", equalTo("news"))
                .body("metadata.year", equalTo(2021))
                .body("metadata.tags", contains("x", "y"))
                .body("metadata.author.name", equalTo("Ada"));
        fetch(key, collection, "missing").statusCode(404).body("code", equalTo("NOT_FOUND"));
    }

    @Test
    void should_count_an_upsert_of_an_existing_id_as_an_update() {
        upsert(key, collection, List.of(vector("a", 1, 0, 0), vector("b", 0, 1, 0))).statusCode(200);
        upsert(key, collection, List.of(vector("a", 0, 0, 1), vector("c", 1, 1, 0))).statusCode(200)
                .body("inserted", equalTo(1)).body("updated", equalTo(1)).body("usage.vectors", equalTo(3));
        fetch(key, collection, "a").body("values", contains(0.0f, 0.0f, 1.0f));
        assertThat(usage(key)).isEqualTo(3);
    }

    @Test
    void should_search_best_first_with_filters_and_report_the_partitions_searched() {
        upsert(key, collection, List.of(
                vector("near", List.of(1.0, 0.1, 0.0), Map.of("genre", "news", "year", 2022)),
                vector("mid", List.of(1.0, 1.0, 0.0), Map.of("genre", "sport", "year", 2019)),
                vector("far", List.of(0.0, 0.0, 1.0), Map.of("genre", "news", "year", 2018)))).statusCode(200);
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 3)).statusCode(200)
                .body("results.id", contains("near", "mid", "far"))
                .body("results[0].metadata.genre", equalTo("news"))
                .body("results[0].values", nullValue())
                .body("partitions", hasSize(1));
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 2)).body("results.id", contains("near", "mid"));
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 3,
                "filter", Map.of("genre", Map.of("$eq", "news"), "year", Map.of("$lt", 2020))))
                .statusCode(200).body("results.id", contains("far"));
        search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 3, "includeValues", true, "includeMetadata", false,
                "filter", Map.of("$or", List.of(Map.of("genre", "sport"), Map.of("year", Map.of("$gte", 2022))))))
                .statusCode(200)
                .body("results.id", contains("near", "mid"))
                .body("results[0].metadata", nullValue())
                .body("results[0].values", hasSize(3));
    }

    @Test
    void should_return_no_results_before_the_first_write() {
        search(key, collection, Map.of("vector", List.of(1, 0, 0))).statusCode(200)
                .body("results", hasSize(0)).body("partitions", hasSize(0));
    }

    @Test
    void should_delete_by_ids_and_give_quota_back() {
        upsert(key, collection, List.of(vector("a", 1, 0, 0), vector("b", 0, 1, 0), vector("c", 0, 0, 1))).statusCode(200);
        delete(key, collection, Map.of("ids", List.of("a", "b", "nope"))).statusCode(200).body("deleted", equalTo(2));
        fetch(key, collection, "a").statusCode(404);
        fetch(key, collection, "c").statusCode(200);
        assertThat(usage(key)).isEqualTo(1);
        search(key, collection, Map.of("vector", List.of(1, 0, 0))).body("results.id", contains("c"));
    }

    @Test
    void should_delete_by_filter_and_give_quota_back() {
        upsert(key, collection, List.of(
                vector("a", List.of(1.0, 0.0, 0.0), Map.of("draft", true)),
                vector("b", List.of(0.0, 1.0, 0.0), Map.of("draft", false)),
                vector("c", List.of(0.0, 0.0, 1.0), null))).statusCode(200);
        delete(key, collection, Map.of("filter", Map.of("draft", Map.of("$ne", false)))).statusCode(200).body("deleted", equalTo(2));
        assertThat(usage(key)).isEqualTo(1);
        fetch(key, collection, "b").statusCode(200);
        fetch(key, collection, "c").statusCode(404);
    }

    @Test
    void should_report_collection_stats_for_the_tenant() {
        upsert(key, collection, List.of(vector("a", 1, 0, 0), vector("b", 0, 1, 0))).statusCode(200);
        as(key).get("/v1/collections/" + collection + "/stats").then().statusCode(200)
                .body("collection", equalTo(collection)).body("dimension", equalTo(3)).body("metric", equalTo("COSINE"))
                .body("vectors", equalTo(2)).body("usage.vectors", equalTo(2))
                .body("partitions[0].vectorCount", equalTo(2)).body("partitions[0].state", equalTo("ACTIVE"));
    }

    @Test
    void should_need_the_write_scope_to_write_and_the_read_scope_to_read() {
        String tenant = createTenant("scoped");
        String readOnly = issueKey(tenant, "read");
        String writeOnly = issueKey(tenant, "write");
        upsert(readOnly, collection, List.of(vector("a", 1, 0, 0))).statusCode(403).body("code", equalTo("FORBIDDEN"));
        upsert(writeOnly, collection, List.of(vector("a", 1, 0, 0))).statusCode(200);
        search(writeOnly, collection, Map.of("vector", List.of(1, 0, 0))).statusCode(403);
        search(readOnly, collection, Map.of("vector", List.of(1, 0, 0))).statusCode(200).body("results.id", contains("a"));
        delete(readOnly, collection, Map.of("ids", List.of("a"))).statusCode(403);
        fetch(readOnly, collection, "a").statusCode(200);
    }
}
