package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.RawHttp;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an adversarial client sent and got a 500, an empty body or a silent acceptance for: each is
 * now a 4xx problem naming what is wrong, and nothing is stored.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class HostileInputTest {

    String cosine;
    String key;

    @BeforeEach
    void setUp() {
        cosine = createCollection("hostile", 4, "COSINE");
        key = readWriteKey(createTenant("hostile"));
    }

    private ValidatableResponse putRaw(String collection, String body) {
        return as(key).body(body).put("/v1/collections/" + collection + "/vectors").then();
    }

    private ValidatableResponse searchRaw(String body) {
        return as(key).body(body).post("/v1/collections/" + cosine + "/search").then();
    }

    private static ValidatableResponse problem(ValidatableResponse response, int status, String code) {
        return response.statusCode(status).contentType("application/problem+json").body("code", equalTo(code));
    }

    @Test
    void should_refuse_ids_with_nul_or_control_characters() {
        for (String id : List.of("a\\u0000b", "tab\\there", "bell\\u0007", "del\\u007f", "c1\\u0085")) {
            problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"" + id + "\",\"values\":[1,0,0,0]}]}"), 400, "VALIDATION_FAILED")
                    .body("errors.field", hasItem("vectors[0].id"));
        }
        assertThat(usage(key)).isZero();
    }

    @Test
    void should_refuse_ids_with_lone_surrogates_instead_of_merging_them() {
        putRaw(cosine, "{\"vectors\":[{\"id\":\"sur?\",\"values\":[1,0,0,0]}]}").statusCode(200);
        for (String id : List.of("sur\\ud800", "sur\\udc00", "\\udbff", "x\\ud800\\ud800")) {
            problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"" + id + "\",\"values\":[0,1,0,0]}]}"), 400, "VALIDATION_FAILED")
                    .body("errors.field", hasItem("vectors[0].id"));
        }
        // A well-formed pair is one character, and a real id.
        putRaw(cosine, "{\"vectors\":[{\"id\":\"emoji\\ud83d\\ude00\",\"values\":[0,0,1,0]}]}").statusCode(200).body("inserted", equalTo(1));
        assertThat(usage(key)).isEqualTo(2);
        fetch(key, cosine, "sur?").statusCode(200).body("values[0]", equalTo(1.0f));
    }

    @Test
    void should_refuse_the_ids_dot_and_dot_dot_that_no_path_can_reach() {
        for (String id : List.of(".", "..")) {
            problem(upsert(key, cosine, List.of(vector(id, 1, 0, 0, 0))), 400, "VALIDATION_FAILED");
        }
        putRaw(cosine, "{\"vectors\":[{\"id\":\"...\",\"values\":[1,0,0,0]}]}").statusCode(200);
        fetch(key, cosine, "...").statusCode(200);
    }

    @Test
    void should_refuse_nul_and_lone_surrogates_in_names() {
        String tenant = uniqueTenantId("named");
        problem(asOperator().body("{\"id\":\"" + tenant + "\",\"name\":\"evil\\u0000name\"}").post("/v1/admin/tenants").then(),
                400, "VALIDATION_FAILED").body("errors.field", hasItem("name"));
        problem(asOperator().body("{\"id\":\"" + tenant + "\",\"name\":\"half \\ud800\"}").post("/v1/admin/tenants").then(),
                400, "VALIDATION_FAILED").body("errors.field", hasItem("name"));
        asOperator().get("/v1/admin/tenants/" + tenant).then().statusCode(404);
        String existing = createTenant("renamed");
        problem(asOperator().body("{\"name\":\"x\\u0000\"}").patch("/v1/admin/tenants/" + existing).then(), 400, "VALIDATION_FAILED");
        problem(asOperator().body("{\"name\":\"key\\u0000\",\"scopes\":[\"read\"]}").post("/v1/admin/tenants/" + existing + "/keys").then(),
                400, "VALIDATION_FAILED").body("errors.field", hasItem("name"));
        asOperator().get("/v1/admin/tenants/" + existing + "/keys").then().statusCode(200).body("keys.size()", equalTo(0));
    }

    @Test
    void should_refuse_lone_surrogates_and_nul_in_metadata_and_filters() {
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"m\",\"values\":[1,0,0,0],\"metadata\":{\"k\":\"v\\ud800\"}}]}"), 400,
                "VALIDATION_FAILED").body("errors.field", hasItem("vectors[0].metadata.k"));
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"m\",\"values\":[1,0,0,0],\"metadata\":{\"tags\":[\"ok\",\"a\\u0000\"]}}]}"), 400,
                "VALIDATION_FAILED").body("errors.field", hasItem("vectors[0].metadata.tags[1]"));
        problem(searchRaw("{\"vector\":[1,0,0,0],\"filter\":{\"k\":\"\\udc00\"}}"), 400, "INVALID_FILTER");
        assertThat(usage(key)).isZero();
    }

    @Test
    void should_refuse_vectors_given_as_strings_with_a_problem() {
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"s\",\"values\":\"0.5,0.5,0,0\"}]}"), 400, "VALIDATION_FAILED")
                .body("errors.field", hasItem("vectors[0].values"));
        problem(searchRaw("{\"vector\":\"1,0,0,0\"}"), 400, "VALIDATION_FAILED").body("errors.field", hasItem("vector"));
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"s\",\"values\":[\"0.5\",0.5,0,0]}]}"), 400, "VALIDATION_FAILED");
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"s\",\"values\":[true,0.5,0,0]}]}"), 400, "VALIDATION_FAILED");
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"s\",\"values\":[[1],0.5,0,0]}]}"), 400, "VALIDATION_FAILED");
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":7,\"values\":[1,0,0,0]}]}"), 400, "VALIDATION_FAILED")
                .body("errors.field", hasItem("vectors[0].id"));
    }

    @Test
    void should_refuse_null_inside_values_instead_of_storing_zero() {
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"n\",\"values\":[1,null,0,0]}]}"), 400, "VALIDATION_FAILED");
        problem(searchRaw("{\"vector\":[1,null,0,0]}"), 400, "VALIDATION_FAILED");
        fetch(key, cosine, "n").statusCode(404);
    }

    @Test
    void should_refuse_a_field_level_not_nested_beyond_the_limit_with_a_problem() {
        // 900 levels are refused by the JSON parser's own nesting limit, before any filter code runs.
        String deep = "{\"genre\":" + "{\"$not\":".repeat(900) + "{\"$eq\":\"news\"}" + "}".repeat(900) + "}";
        problem(searchRaw("{\"vector\":[1,0,0,0],\"filter\":" + deep + "}"), 400, "MALFORMED_JSON");
        String deepButParsable = "{\"genre\":" + "{\"$not\":".repeat(40) + "{\"$eq\":\"news\"}" + "}".repeat(40) + "}";
        problem(searchRaw("{\"vector\":[1,0,0,0],\"filter\":" + deepButParsable + "}"), 400, "INVALID_FILTER");
        String justDeepEnough = "{\"genre\":" + "{\"$not\":".repeat(15) + "{\"$eq\":\"news\"}" + "}".repeat(15) + "}";
        searchRaw("{\"vector\":[1,0,0,0],\"filter\":" + justDeepEnough + "}").statusCode(200);
        String tooDeep = "{\"genre\":" + "{\"$not\":".repeat(17) + "{\"$eq\":\"news\"}" + "}".repeat(17) + "}";
        problem(searchRaw("{\"vector\":[1,0,0,0],\"filter\":" + tooDeep + "}"), 400, "INVALID_FILTER");
    }

    @Test
    void should_refuse_json_nested_far_beyond_any_legitimate_request() {
        String arrays = "[".repeat(5_000) + "]".repeat(5_000);
        problem(searchRaw("{\"vector\":[1,0,0,0],\"filter\":{\"a\":" + arrays + "}}"), 400, "MALFORMED_JSON");
        String objects = "{\"a\":".repeat(2_000) + "1" + "}".repeat(2_000);
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"d\",\"values\":[1,0,0,0],\"metadata\":" + objects + "}]}"), 400, "MALFORMED_JSON");
    }

    @Test
    void should_refuse_trailing_content_and_second_documents() {
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"t\",\"values\":[1,0,0,0]}]} trailing"), 400, "MALFORMED_JSON");
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"t\",\"values\":[1,0,0,0]}]}{\"vectors\":[]}"), 400, "MALFORMED_JSON");
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"t\",\"values\":[1,0,0,0]}]}]"), 400, "MALFORMED_JSON");
        fetch(key, cosine, "t").statusCode(404);
    }

    @Test
    void should_refuse_duplicate_keys() {
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"d1\",\"id\":\"d2\",\"values\":[1,0,0,0]}]}"), 400, "MALFORMED_JSON");
        problem(putRaw(cosine, "{\"vectors\":[{\"id\":\"d1\",\"values\":[1,0,0,0],\"metadata\":{\"a\":1,\"a\":2}}]}"), 400, "MALFORMED_JSON");
        problem(searchRaw("{\"vector\":[1,0,0,0],\"filter\":{\"a\":1,\"a\":2}}"), 400, "MALFORMED_JSON");
        fetch(key, cosine, "d1").statusCode(404);
        fetch(key, cosine, "d2").statusCode(404);
    }

    @Test
    void should_refuse_numbers_of_the_wrong_kind_instead_of_coercing_them() {
        problem(searchRaw("{\"vector\":[1,0,0,0],\"topK\":\"5\"}"), 400, "VALIDATION_FAILED").body("errors.field", hasItem("topK"));
        problem(searchRaw("{\"vector\":[1,0,0,0],\"topK\":2.5}"), 400, "VALIDATION_FAILED").body("errors.field", hasItem("topK"));
        problem(searchRaw("{\"vector\":[1,0,0,0],\"includeMetadata\":\"yes\"}"), 400, "VALIDATION_FAILED");
        problem(searchRaw("{\"vector\":[1,0,0,0],\"includeValues\":1}"), 400, "VALIDATION_FAILED");
        for (String dimension : List.of("\"4\"", "4.5", "true")) {
            problem(asOperator().body("{\"name\":\"typed_dim\",\"dimension\":" + dimension + ",\"metric\":\"L2\"}")
                    .post("/v1/admin/collections").then(), 400, "VALIDATION_FAILED").body("errors.field", hasItem("dimension"));
        }
        asOperator().get("/v1/admin/collections/typed_dim").then().statusCode(404);
        String tenant = uniqueTenantId("fractional");
        for (String quota : List.of("1.5", "\"10\"", "1e3")) {
            problem(asOperator().body("{\"id\":\"" + tenant + "\",\"quota\":{\"maxVectors\":" + quota + "}}").post("/v1/admin/tenants").then(),
                    400, "VALIDATION_FAILED").body("errors.field", hasItem("quota.maxVectors"));
        }
        asOperator().get("/v1/admin/tenants/" + tenant).then().statusCode(404);
        problem(asOperator().body("{\"name\":\"k\",\"scopes\":\"read\"}").post("/v1/admin/tenants/" + createTenant("scoped") + "/keys").then(),
                400, "VALIDATION_FAILED");
    }

    @Test
    void should_refuse_values_whose_metric_would_overflow() {
        problem(upsert(key, cosine, List.of(vector("huge", 3e38, 0, 0, 0))), 400, "VALIDATION_FAILED")
                .body("errors.field", hasItem("vectors[0].values"));
        problem(upsert(key, cosine, List.of(vector("tiny", 1e-30, 0, 0, 0))), 400, "VALIDATION_FAILED");
        String dot = createCollection("hostile_dot", 4, "DOT");
        problem(upsert(key, dot, List.of(vector("huge", 2e19, 2e19, 0, 0))), 400, "VALIDATION_FAILED");
        String l2 = createCollection("hostile_l2", 4, "L2");
        problem(upsert(key, l2, List.of(vector("huge", 1e19, 1e19, 1e19, 1e19))), 400, "VALIDATION_FAILED");
        problem(as(key).body(Map.of("vector", List.of(3e38, 3e38, 0, 0))).post("/v1/collections/" + dot + "/search").then(),
                400, "VALIDATION_FAILED").body("errors.field", hasItem("vector"));

        // Large but safe magnitudes are accepted, and every score stays a finite JSON number.
        upsert(key, dot, List.of(vector("big", 1e18, 0, 0, 0), vector("other", 0, 1e18, 0, 0))).statusCode(200);
        as(key).body(Map.of("vector", List.of(1e18, 1e18, 0, 0), "topK", 2)).post("/v1/collections/" + dot + "/search").then()
                .statusCode(200).body("results.size()", equalTo(2)).body("results[0].score", notNullValue())
                .body(not(containsString("Infinity"))).body(not(containsString("NaN")));
        assertThat(usage(key)).isEqualTo(2);
    }

    @Test
    void should_accept_a_full_batch_of_large_vectors_and_answer_an_oversized_body_with_a_413_problem() throws Exception {
        String big = createCollection("hostile_big", 1536, "L2");
        // 500 vectors of 1536 dimensions (OpenAI's size), numbers as clients print them: well over the 10 MiB default.
        StringBuilder body = new StringBuilder("{\"vectors\":[");
        for (int i = 0; i < 500; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"v").append(i).append("\",\"values\":[");
            for (int d = 0; d < 1536; d++) {
                body.append(d == 0 ? "" : ",").append("-0.0123456789012345");
            }
            body.append("]}");
        }
        body.append("]}");
        assertThat(body.length()).isGreaterThan(10 * 1024 * 1024);
        as(key).body(body.toString()).put("/v1/collections/" + big + "/vectors").then().statusCode(200).body("inserted", equalTo(500));

        try (RawHttp client = new RawHttp(port)) {
            RawHttp.Answer answer = client.start("PUT", "/v1/collections/" + big + "/vectors", key, 1L << 31, "{\"vectors\":[").read();
            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.headers()).containsIgnoringCase("content-type: application/problem+json");
            assertThat(answer.body()).contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
        }
    }

    @TestHTTPResource
    java.net.URL url;
    int port;

    @BeforeEach
    void port() {
        port = url.getPort();
    }

    @Test
    void should_answer_an_unexpected_failure_with_a_500_problem_with_an_error_id_and_no_internals() {
        for (String path : List.of("/test/failures/exception", "/test/failures/error")) {
            given().get(path).then().statusCode(500).contentType("application/problem+json")
                    .body("code", equalTo("INTERNAL_ERROR"))
                    .body("errorId", matchesPattern("[0-9a-f-]{36}"))
                    .body(not(containsString("secret")))
                    .body(not(containsString("postgres://")))
                    .body(not(containsString("at dev.partitiongateway")));
        }
    }
}
