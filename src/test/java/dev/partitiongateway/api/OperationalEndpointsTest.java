package dev.partitiongateway.api;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class OperationalEndpointsTest {

    @Test
    void should_report_liveness_and_readiness_including_the_database() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("Database connections health check"));
    }

    @Test
    void should_publish_the_openapi_document_and_swagger_ui() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/v1/admin/tenants'", org.hamcrest.Matchers.notNullValue())
                .body("paths.'/v1/tenant'", org.hamcrest.Matchers.notNullValue());
        given().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }

    @Test
    void should_time_backend_calls_and_count_quota_refusals() {
        String collection = createCollection("metered", 2, "L2");
        String key = readWriteKey(createTenant(uniqueTenantId("metered"), 1));
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200);
        upsert(key, collection, List.of(vector("b", 0, 1))).statusCode(403);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("gateway_backend_calls_seconds_count{backend=\"lucene\",operation=\"upsert\",outcome=\"ok\"}"))
                .body(containsString("gateway_backend_calls_seconds_count{backend=\"lucene\",operation=\"ensure_partition\",outcome=\"ok\"}"))
                .body(matchesPattern("(?s).*gateway_quota_refusals_total(\\{[^}]*\\})? [1-9].*"));
    }

    @Test
    void should_count_each_data_request_under_its_collection_operation_and_outcome() {
        String collection = createCollection("req_metered", 2, "L2");
        String key = readWriteKey(createTenant(uniqueTenantId("req_metered"), 10));
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200);
        upsert(key, collection, List.of(Map.of("id", "b", "vector", List.of(1, 2, 3)))).statusCode(400);
        for (int round = 1; round <= 2; round++) {
            // Twice, so that a request recorded into a timer kept from an earlier one is counted too.
            for (int i = 0; i < round; i++) {
                search(key, collection, Map.of("vector", List.of(1, 0), "topK", 1)).statusCode(200);
            }
            given().get("/q/metrics").then().statusCode(200)
                    .body(containsString(requests(collection, "upsertVectors", "ok") + " 1.0"))
                    .body(containsString(requests(collection, "upsertVectors", "client_error") + " 1.0"))
                    .body(containsString(requests(collection, "searchVectors", "ok") + " " + (round == 1 ? "1.0" : "3.0")));
        }
        search(key, "req_metered_no_such", Map.of("vector", List.of(1, 0), "topK", 1)).statusCode(404);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString(requests("_none", "searchVectors", "client_error")))
                .body(org.hamcrest.Matchers.not(containsString("req_metered_no_such")));
    }

    private static String requests(String collection, String operation, String outcome) {
        return "gateway_requests_seconds_count{collection=\"" + collection + "\",operation=\"" + operation
                + "\",outcome=\"" + outcome + "\"}";
    }

    @Test
    void should_expose_prometheus_metrics() {
        given().get("/v1/tenant").then().statusCode(401);
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
    }
}
