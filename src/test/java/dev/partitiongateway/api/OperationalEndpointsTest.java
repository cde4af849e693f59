package dev.partitiongateway.api;

import static dev.partitiongateway.support.DataApi.createCollection;
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
    void should_expose_prometheus_metrics() {
        given().get("/v1/tenant").then().statusCode(401);
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
    }
}
