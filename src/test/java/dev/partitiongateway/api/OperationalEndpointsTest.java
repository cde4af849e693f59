package dev.partitiongateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
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
    void should_expose_prometheus_metrics() {
        given().get("/v1/tenant").then().statusCode(401);
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
    }
}
