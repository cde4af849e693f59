package dev.partitiongateway.api;

import static dev.partitiongateway.support.TestApi.asOperator;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
    void should_answer_a_wrong_method_on_a_tenant_data_path_with_405_not_404() {
        // Two resource classes share the /v1/collections prefix; RESTEasy alone answered these 404.
        for (String method : List.of("POST", "DELETE", "PATCH")) {
            given().contentType(ContentType.JSON).body("{}").request(method, "/v1/collections/docs/vectors").then().statusCode(405)
                    .contentType("application/problem+json").body("code", equalTo("METHOD_NOT_ALLOWED")).header("Allow", equalTo("OPTIONS, PUT"));
        }
        for (String method : List.of("PUT", "PATCH", "DELETE", "POST")) {
            given().contentType(ContentType.JSON).body("{}").request(method, "/v1/collections/docs/vectors/v1").then().statusCode(405)
                    .body("code", equalTo("METHOD_NOT_ALLOWED")).header("Allow", equalTo("GET, HEAD, OPTIONS"));
        }
        given().get("/v1/collections/docs/vectors/v1/more").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        given().get("/v1/collections/docs/nothing").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
    }

    /** Every documented path, asked with each method it does not document: 405 with the documented ones in Allow, never 404. */
    @Test
    void should_answer_every_undocumented_method_of_every_documented_path_with_405() {
        Map<String, Map<String, Object>> paths = given().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath().getMap("paths");
        List<String> verbs = List.of("GET", "PUT", "POST", "DELETE", "PATCH");
        // A concrete path of each template; its methods are those of every template it matches (GET .../vectors/delete is a
        // GET of the vector with id "delete").
        Map<String, Set<String>> documented = new TreeMap<>();
        paths.keySet().forEach(template -> documented.put(template.replaceAll("\\{[^}]+}", "x1"), new TreeSet<>()));
        paths.forEach((template, operations) -> documented.forEach((path, methods) -> {
            if (path.matches(template.replaceAll("\\{[^}]+}", "[^/]+"))) {
                operations.keySet().stream().map(m -> m.toUpperCase(Locale.ROOT)).filter(verbs::contains).forEach(methods::add);
            }
        }));
        assertThat(documented).hasSizeGreaterThan(30);
        documented.forEach((path, methods) -> {
            Set<String> allow = new TreeSet<>(methods);
            allow.add("OPTIONS");
            if (methods.contains("GET")) {
                allow.add("HEAD");
            }
            for (String method : verbs) {
                if (!methods.contains(method)) {
                    given().contentType(ContentType.JSON).body("{}").request(method, path).then()
                            .statusCode(405).contentType("application/problem+json").body("code", equalTo("METHOD_NOT_ALLOWED"))
                            .header("Allow", equalTo(String.join(", ", allow)));
                }
            }
        });
    }

    @Test
    void should_answer_a_non_json_body_with_a_415_problem() {
        asOperator().contentType(ContentType.TEXT).body("id=abc").post("/v1/admin/tenants")
                .then().statusCode(415).contentType("application/problem+json").body("code", equalTo("UNSUPPORTED_MEDIA_TYPE"));
    }
}
