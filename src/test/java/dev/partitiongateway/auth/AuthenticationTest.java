package dev.partitiongateway.auth;

import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.issueKey;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class AuthenticationTest {

    @Inject
    KeyUsageRecorder usage;

    private static void unauthenticated(ValidatableResponse r) {
        r.statusCode(401).contentType("application/problem+json").body("code", equalTo("UNAUTHENTICATED"))
                .header("WWW-Authenticate", startsWith("Bearer"));
    }

    @Test
    void should_return_401_without_a_key() {
        unauthenticated(given().get("/v1/tenant").then());
        unauthenticated(given().get("/v1/admin/tenants").then());
    }

    @Test
    void should_return_401_for_a_non_bearer_or_empty_authorization() {
        unauthenticated(given().header("Authorization", "Basic dXNlcjpwYXNz").get("/v1/tenant").then());
        unauthenticated(given().header("Authorization", "Bearer ").get("/v1/tenant").then());
    }

    @Test
    void should_return_401_for_malformed_and_unknown_keys() {
        unauthenticated(as("not-a-key").get("/v1/tenant").then());
        unauthenticated(as("pgw_abcdefghijkl_" + "A".repeat(43)).get("/v1/tenant").then());
        unauthenticated(as("pgw_abcdefghijkl_" + "A".repeat(43)).get("/v1/admin/tenants").then());
    }

    @Test
    void should_return_401_for_a_known_prefix_with_the_wrong_secret() {
        String key = issueKey(createTenant("wrongsecret"), "read");
        String tampered = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");
        unauthenticated(as(tampered).get("/v1/tenant").then());
    }

    @Test
    void should_serve_the_tenant_its_own_view_with_usage_and_quota() {
        String tenant = createTenant("self");
        as(issueKey(tenant, "read")).get("/v1/tenant").then().statusCode(200)
                .body("id", equalTo(tenant)).body("quota.maxVectors", equalTo(1000)).body("usage.vectors", equalTo(0));
    }

    @Test
    void should_forbid_a_tenant_key_on_admin_paths() {
        String key = issueKey(createTenant("notadmin"), "read", "write");
        as(key).get("/v1/admin/tenants").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        as(key).body(Map.of("id", "sneaky")).post("/v1/admin/tenants").then().statusCode(403);
        asOperator().get("/v1/admin/tenants/sneaky").then().statusCode(404);
    }

    @Test
    void should_forbid_the_operator_key_on_tenant_paths() {
        asOperator().get("/v1/tenant").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
    }

    @Test
    void should_forbid_a_key_without_the_needed_scope() {
        String writeOnly = issueKey(createTenant("writeonly"), "write");
        as(writeOnly).get("/v1/tenant").then().statusCode(403).body("code", equalTo("FORBIDDEN"))
                .body("detail", equalTo("this key lacks the 'read' scope"));
    }

    @Test
    void should_forbid_a_suspended_tenant_at_once_and_allow_it_again_when_reactivated() {
        String tenant = createTenant("suspended");
        String key = issueKey(tenant, "read");
        as(key).get("/v1/tenant").then().statusCode(200);
        asOperator().body(Map.of("status", "SUSPENDED")).patch("/v1/admin/tenants/" + tenant).then().statusCode(200);
        as(key).get("/v1/tenant").then().statusCode(403).body("code", equalTo("TENANT_SUSPENDED"));
        asOperator().body(Map.of("status", "ACTIVE")).patch("/v1/admin/tenants/" + tenant).then().statusCode(200);
        as(key).get("/v1/tenant").then().statusCode(200);
    }

    @Test
    void should_reject_a_revoked_key_on_the_next_request() {
        String tenant = createTenant("revoked");
        String key = issueKey(tenant, "read");
        as(key).get("/v1/tenant").then().statusCode(200); // now cached
        String keyId = asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().extract().path("keys[0].id");
        asOperator().delete("/v1/admin/tenants/" + tenant + "/keys/" + keyId).then().statusCode(204);
        unauthenticated(as(key).get("/v1/tenant").then());
        asOperator().delete("/v1/admin/tenants/" + tenant + "/keys/" + keyId).then().statusCode(204); // idempotent
        asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().body("keys[0].revokedAt", notNullValue());
    }

    @Test
    void should_reject_keys_of_a_deleted_tenant() {
        String tenant = createTenant("gone");
        String key = issueKey(tenant, "read");
        as(key).get("/v1/tenant").then().statusCode(200);
        asOperator().delete("/v1/admin/tenants/" + tenant).then().statusCode(204);
        unauthenticated(as(key).get("/v1/tenant").then());
    }

    @Test
    void should_return_the_secret_once_and_never_in_listings() {
        String tenant = createTenant("listing");
        String key = asOperator().body(Map.of("name", "ci", "scopes", List.of("read")))
                .post("/v1/admin/tenants/" + tenant + "/keys")
                .then().statusCode(201)
                .body("name", equalTo("ci")).body("scopes", equalTo(List.of("read"))).body("prefix", notNullValue())
                .extract().path("key");
        asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(200)
                .body("keys[0].name", equalTo("ci"))
                .body("keys[0].key", nullValue())
                .body(not(org.hamcrest.Matchers.containsString(key.substring(17))));
    }

    @Test
    void should_record_when_a_key_was_last_used() {
        String tenant = createTenant("lastused");
        String key = issueKey(tenant, "read");
        asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().body("keys[0].lastUsedAt", nullValue());
        as(key).get("/v1/tenant").then().statusCode(200);
        usage.flush();
        asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().body("keys[0].lastUsedAt", notNullValue());
    }

    @Test
    void should_refuse_bad_key_requests() {
        String tenant = createTenant("badkeys");
        asOperator().body(Map.of("name", "x", "scopes", List.of("read", "delete")))
                .post("/v1/admin/tenants/" + tenant + "/keys")
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED")).body("errors.field", hasItem("scopes[1]"));
        asOperator().body(Map.of("name", "x", "scopes", List.of()))
                .post("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(400);
        asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().body("keys", equalTo(List.of()));
        asOperator().body(Map.of("name", "x", "scopes", List.of("read")))
                .post("/v1/admin/tenants/nobody/keys").then().statusCode(404);
        asOperator().delete("/v1/admin/tenants/" + tenant + "/keys/" + java.util.UUID.randomUUID()).then().statusCode(404);
        asOperator().delete("/v1/admin/tenants/" + tenant + "/keys/not-a-uuid").then().statusCode(404);
    }
}
