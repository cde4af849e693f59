package dev.partitiongateway.api;

import static dev.partitiongateway.support.TestApi.asOperator;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ProblemDetailsTest {

    @Test
    void should_answer_malformed_json_with_a_400_problem() {
        asOperator().body("{\"id\": \"abc\",").post("/v1/admin/tenants")
                .then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("MALFORMED_JSON"))
                .body("status", equalTo(400))
                .body("type", equalTo("https://partition-gateway.dev/problems/malformed-json"))
                .body("title", equalTo("Bad Request"))
                .body("instance", equalTo("/v1/admin/tenants"))
                .body("detail", notNullValue());
        asOperator().get("/v1/admin/tenants/abc").then().statusCode(404);
    }

    @Test
    void should_answer_a_wrongly_typed_field_with_a_400_problem() {
        asOperator().body("{\"id\": \"typed\", \"quota\": {\"maxVectors\": \"lots\"}}").post("/v1/admin/tenants")
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("quota.maxVectors"));
    }

    @Test
    void should_answer_a_missing_body_with_a_400_problem() {
        asOperator().post("/v1/admin/tenants").then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("VALIDATION_FAILED"));
    }

    @Test
    void should_answer_unknown_routes_with_a_404_problem() {
        given().get("/v1/nothing/here").then().statusCode(404).contentType("application/problem+json")
                .body("code", equalTo("NOT_FOUND"));
        given().get("/nowhere").then().statusCode(404).contentType("application/problem+json")
                .body("code", equalTo("NOT_FOUND"));
    }

    @Test
    void should_answer_a_wrong_method_with_a_405_problem() {
        asOperator().put("/v1/admin/tenants").then().statusCode(405).contentType("application/problem+json")
                .body("code", equalTo("METHOD_NOT_ALLOWED"));
    }

    @Test
    void should_answer_a_non_json_body_with_a_415_problem() {
        asOperator().contentType(ContentType.TEXT).body("id=abc").post("/v1/admin/tenants")
                .then().statusCode(415).contentType("application/problem+json").body("code", equalTo("UNSUPPORTED_MEDIA_TYPE"));
    }
}
