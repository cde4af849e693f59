package dev.partitiongateway.tenant;

import static dev.partitiongateway.support.TestApi.OPERATOR_KEY;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.listAll;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class TenantAdminApiTest {

    @Test
    void should_create_a_tenant_and_return_it_with_quota_and_zero_usage() {
        String id = uniqueTenantId("acme");
        asOperator().body(Map.of("id", id, "name", "Acme Inc", "quota", Map.of("maxVectors", 5000)))
                .post("/v1/admin/tenants")
                .then().statusCode(201)
                .header("Location", notNullValue())
                .body("id", equalTo(id))
                .body("name", equalTo("Acme Inc"))
                .body("status", equalTo("ACTIVE"))
                .body("quota.maxVectors", equalTo(5000))
                .body("usage.vectors", equalTo(0))
                .body("createdAt", notNullValue());
    }

    @Test
    void should_default_name_and_quota_when_omitted() {
        String id = uniqueTenantId("bare");
        asOperator().body(Map.of("id", id)).post("/v1/admin/tenants")
                .then().statusCode(201).body("name", equalTo(id)).body("quota.maxVectors", equalTo(100000));
    }

    @Test
    void should_refuse_a_duplicate_tenant_with_409() {
        String id = createTenant("dup");
        asOperator().body(Map.of("id", id)).post("/v1/admin/tenants")
                .then().statusCode(409).contentType("application/problem+json").body("code", equalTo("CONFLICT"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Upper", "-leading-dash", "_leading", "has space", "dot.ted",
            "a2345678901234567890123456789012345678901234567890123456789012345"})
    void should_refuse_invalid_tenant_ids_with_400(String id) {
        asOperator().body(Map.of("id", id)).post("/v1/admin/tenants")
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED")).body("errors.field", hasItem("id"));
        if (!id.isEmpty()) {
            asOperator().get("/v1/admin/tenants/{id}", id).then().statusCode(404);
        }
    }

    @Test
    void should_accept_the_longest_valid_id() {
        String id = "t" + "x".repeat(55) + uniqueTenantId("").substring(1, 9);
        asOperator().body(Map.of("id", id)).post("/v1/admin/tenants").then().statusCode(201);
    }

    @Test
    void should_refuse_a_negative_quota_and_keep_nothing() {
        String id = uniqueTenantId("neg");
        asOperator().body(Map.of("id", id, "quota", Map.of("maxVectors", -1))).post("/v1/admin/tenants")
                .then().statusCode(400).body("errors.field", hasItem("quota.maxVectors"));
        asOperator().get("/v1/admin/tenants/" + id).then().statusCode(404);
    }

    @Test
    void should_list_tenants() {
        String id = createTenant("listed");
        asOperator().get("/v1/admin/tenants").then().statusCode(200);
        assertThat(listAll(OPERATOR_KEY, "/v1/admin/tenants", "tenants", 1000)).extracting(t -> t.get("id")).contains(id);
    }

    @Test
    void should_get_a_tenant_with_usage_and_404_for_an_unknown_one() {
        String id = createTenant("got");
        asOperator().get("/v1/admin/tenants/" + id).then().statusCode(200)
                .body("id", equalTo(id)).body("usage.vectors", equalTo(0));
        asOperator().get("/v1/admin/tenants/nobody-here").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
    }

    @Test
    void should_patch_name_quota_and_status() {
        String id = createTenant("patched");
        asOperator().body(Map.of("name", "Renamed", "quota", Map.of("maxVectors", 42), "status", "SUSPENDED"))
                .patch("/v1/admin/tenants/" + id)
                .then().statusCode(200)
                .body("name", equalTo("Renamed")).body("quota.maxVectors", equalTo(42)).body("status", equalTo("SUSPENDED"));
        asOperator().body(Map.of("status", "ACTIVE")).patch("/v1/admin/tenants/" + id)
                .then().statusCode(200).body("status", equalTo("ACTIVE")).body("name", equalTo("Renamed"));
    }

    @Test
    void should_refuse_an_unknown_status_and_change_nothing() {
        String id = createTenant("badstatus");
        asOperator().body(Map.of("status", "PAUSED", "name", "Changed")).patch("/v1/admin/tenants/" + id)
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
        asOperator().get("/v1/admin/tenants/" + id).then().body("status", equalTo("ACTIVE")).body("name", equalTo("Tenant " + id));
    }

    @Test
    void should_refuse_unknown_fields() {
        String id = uniqueTenantId("unknownfield");
        asOperator().body(Map.of("id", id, "colour", "blue")).post("/v1/admin/tenants")
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED")).body("errors.field", hasItem("colour"));
        asOperator().get("/v1/admin/tenants/" + id).then().statusCode(404);
    }

    @Test
    void should_patch_and_delete_unknown_tenants_with_404() {
        asOperator().body(Map.of("name", "x")).patch("/v1/admin/tenants/ghost").then().statusCode(404);
        asOperator().delete("/v1/admin/tenants/ghost").then().statusCode(404);
    }

    @Test
    void should_delete_a_tenant() {
        String id = createTenant("deleted");
        asOperator().delete("/v1/admin/tenants/" + id).then().statusCode(204);
        asOperator().get("/v1/admin/tenants/" + id).then().statusCode(404);
    }
}
