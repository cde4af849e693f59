package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
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
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/collections/{name}/vectors/fetch}: many vectors by id in one request, only the caller's own. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class BatchFetchTest {

    String collection;
    String acme;
    String globex;

    @BeforeEach
    void setUp() {
        collection = createCollection("batch", 2, "L2");
        acme = readWriteKey(createTenant("acme-fetch"));
        globex = readWriteKey(createTenant("globex-fetch"));
        upsert(acme, collection, List.of(
                vector("a", List.of(1.0, 0.0), Map.of("genre", "news")),
                vector("b", List.of(0.0, 1.0), null),
                vector("c", List.of(0.5, 0.5), null))).statusCode(200);
        upsert(globex, collection, List.of(vector("z", List.of(1.0, 1.0), null))).statusCode(200);
    }

    private ValidatableResponse fetchRaw(String key, String body) {
        return as(key).body(body).post("/v1/collections/" + collection + "/vectors/fetch").then();
    }

    private static void problem(ValidatableResponse response, int status, String code) {
        response.statusCode(status).contentType("application/problem+json").body("code", equalTo(code));
    }

    @Test
    void should_return_the_stored_vectors_in_the_order_asked_and_name_the_missing_ones() {
        fetchRaw(acme, "{\"ids\":[\"c\",\"nope\",\"a\"]}").statusCode(200)
                .body("vectors.id", contains("c", "a"))
                .body("vectors[1].values", contains(1.0f, 0.0f))
                .body("vectors[1].metadata.genre", equalTo("news"))
                .body("missing", contains("nope"));
    }

    @Test
    void should_fetch_a_repeated_id_once() {
        fetchRaw(acme, "{\"ids\":[\"a\",\"b\",\"a\",\"a\"]}").statusCode(200)
                .body("vectors.id", contains("a", "b")).body("missing", hasSize(0));
    }

    @Test
    void should_never_return_another_tenants_vectors() {
        fetchRaw(acme, "{\"ids\":[\"z\"]}").statusCode(200).body("vectors", hasSize(0)).body("missing", contains("z"));
        fetchRaw(globex, "{\"ids\":[\"a\",\"z\"]}").statusCode(200).body("vectors.id", contains("z")).body("missing", contains("a"));
    }

    @Test
    void should_fetch_as_many_ids_as_a_delete_may_name_and_refuse_one_more_with_413() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add("id-" + i);
        }
        ids.set(999, "b");
        as(acme).body(Map.of("ids", ids)).post("/v1/collections/" + collection + "/vectors/fetch").then().statusCode(200)
                .body("vectors.id", contains("b")).body("missing", hasSize(999));
        ids.add("one-too-many");
        problem(as(acme).body(Map.of("ids", ids)).post("/v1/collections/" + collection + "/vectors/fetch").then(), 413, "PAYLOAD_TOO_LARGE");
    }

    @Test
    void should_refuse_hostile_bodies_with_a_400_problem() {
        problem(fetchRaw(acme, "{}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[]}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":null}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":\"a\"}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[1,2]}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[[\"a\"]]}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[{\"id\":\"a\"}]}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[null]}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[\"\"]}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[\"a\"],\"filter\":{}}"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[\"a\"]} {}"), 400, "MALFORMED_JSON");
        problem(fetchRaw(acme, "{\"ids\":[\"a\""), 400, "MALFORMED_JSON");
        problem(fetchRaw(acme, "[\"a\"]"), 400, "VALIDATION_FAILED");
        problem(fetchRaw(acme, "{\"ids\":[\"a\"],\"ids\":[\"b\"]}"), 400, "MALFORMED_JSON");
        fetchRaw(acme, "{\"ids\":[\"a\\u0000b\"]}").statusCode(400).body("errors.field", hasItem("ids[0]"));
        fetchRaw(acme, "{\"ids\":[\"ok\",\"sur\\ud800\"]}").statusCode(400).body("errors.field", hasItem("ids[1]"));
        fetchRaw(acme, "{\"ids\":[\"" + "x".repeat(513) + "\"]}").statusCode(400).body("errors.field", hasItem("ids[0]"));
        problem(as(acme).body("").post("/v1/collections/" + collection + "/vectors/fetch").then(), 400, "VALIDATION_FAILED");
        assertThat(usage(acme)).isEqualTo(3);
    }

    @Test
    void should_answer_404_for_an_unknown_collection_and_403_without_read_scope() {
        problem(as(acme).body("{\"ids\":[\"a\"]}").post("/v1/collections/no_such_collection/vectors/fetch").then(), 404, "NOT_FOUND");
        String writeOnly = issueKey(createTenant("fetch-write-only"), "write");
        problem(fetchRaw(writeOnly, "{\"ids\":[\"a\"]}"), 403, "FORBIDDEN");
    }

    @Test
    void should_still_fetch_one_vector_by_id_in_the_path() {
        as(acme).get("/v1/collections/{c}/vectors/{id}", collection, "a").then().statusCode(200).body("id", equalTo("a"));
    }
}
