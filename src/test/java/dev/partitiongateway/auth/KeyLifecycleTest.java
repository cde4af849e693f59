package dev.partitiongateway.auth;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Keys belong to one tenant incarnation, may expire, and rotate in one call. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class KeyLifecycleTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_never_let_a_deleted_tenants_key_act_for_a_new_tenant_with_the_same_id() {
        String collection = createCollection("reborn", 2, "L2");
        String tenant = createTenant(uniqueTenantId("cat-r"), 100);
        String oldKey = readWriteKey(tenant);
        upsert(oldKey, collection, List.of(vector("a", 1, 0))).statusCode(200); // key and tenant now cached

        asOperator().delete("/v1/admin/tenants/" + tenant).then().statusCode(204);
        createTenant(tenant, 100);

        as(oldKey).get("/v1/tenant").then().statusCode(401).body("code", equalTo("UNAUTHENTICATED"));
        upsert(oldKey, collection, List.of(vector("b", 0, 1))).statusCode(401);
        String newKey = readWriteKey(tenant);
        assertThat(usage(newKey)).isZero();
        upsert(newKey, collection, List.of(vector("c", 1, 1))).statusCode(200).body("inserted", equalTo(1));
    }

    @Test
    void should_refuse_a_key_issued_to_an_earlier_incarnation_of_the_tenant() throws Exception {
        String tenant = createTenant("incarnation");
        String genuine = readWriteKey(tenant);
        as(genuine).get("/v1/tenant").then().statusCode(200);
        // A key row that names the tenant id but not this incarnation of it (what a cache could still hold
        // after a delete and re-create on another replica).
        var generated = KeyMaterial.generate();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     INSERT INTO api_keys (id, tenant_id, tenant_uid, prefix, secret_hash, name, scopes, created_at)
                     VALUES (?, ?, ?, ?, ?, 'stale', 'read,write', now())""")) {
            s.setObject(1, UUID.randomUUID());
            s.setString(2, tenant);
            s.setObject(3, UUID.randomUUID());
            s.setString(4, generated.prefix());
            s.setBytes(5, KeyMaterial.hash(generated.key()));
            s.executeUpdate();
        }
        as(generated.key()).get("/v1/tenant").then().statusCode(401);
        as(genuine).get("/v1/tenant").then().statusCode(200);
    }

    @Test
    void should_refuse_a_key_after_its_expiry_and_refuse_an_expiry_in_the_past() {
        String tenant = createTenant("expiring");
        asOperator().body(Map.of("name", "old", "scopes", List.of("read"), "expiresAt", Instant.now().minusSeconds(1).toString()))
                .post("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(400).body("errors.field", hasItem("expiresAt"));
        Instant expiry = Instant.now().plusSeconds(2);
        String key = asOperator().body(Map.of("name", "short", "scopes", List.of("read"), "expiresAt", expiry.toString()))
                .post("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(201)
                .body("expiresAt", notNullValue()).extract().path("key");
        as(key).get("/v1/tenant").then().statusCode(200);

        int status = awaitStatusChange(key, 200, 10);
        assertThat(status).isEqualTo(401);
        assertThat(Instant.now()).isAfterOrEqualTo(expiry);
        as(key).get("/v1/tenant").then().statusCode(401).body("detail", equalTo("API key expired"));
    }

    @Test
    void should_rotate_a_key_into_one_with_the_same_name_and_scopes_and_end_the_old_one_at_once() {
        String tenant = createTenant("rotating");
        String old = asOperator().body(Map.of("name", "backend", "scopes", List.of("read", "write")))
                .post("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(201).extract().path("key");
        String oldId = asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().extract().path("keys[0].id");
        as(old).get("/v1/tenant").then().statusCode(200);

        ExtractableResponse<Response> rotation = asOperator().post("/v1/admin/tenants/" + tenant + "/keys/" + oldId + "/rotate")
                .then().statusCode(201)
                .body("key.name", equalTo("backend")).body("key.scopes", equalTo(List.of("read", "write")))
                .body("key.key", notNullValue()).body("previous.id", equalTo(oldId)).body("previous.revokedAt", notNullValue())
                .body("previous.key", nullValue()).extract();
        String replacement = rotation.path("key.key");

        as(old).get("/v1/tenant").then().statusCode(401);
        as(replacement).get("/v1/tenant").then().statusCode(200);
        asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then()
                .body("keys.find { it.id == '" + oldId + "' }.rotatedTo", equalTo(rotation.path("key.id")));
        asOperator().post("/v1/admin/tenants/" + tenant + "/keys/" + oldId + "/rotate").then().statusCode(409)
                .body("code", equalTo("CONFLICT"));
    }

    @Test
    void should_keep_the_old_key_working_for_the_grace_period_only() {
        String tenant = createTenant("graceful");
        String old = readWriteKey(tenant);
        String oldId = asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().extract().path("keys[0].id");
        as(old).get("/v1/tenant").then().statusCode(200);

        String replacement = asOperator().body(Map.of("gracePeriodSeconds", 2))
                .post("/v1/admin/tenants/" + tenant + "/keys/" + oldId + "/rotate").then().statusCode(201)
                .body("previous.expiresAt", notNullValue()).body("previous.revokedAt", nullValue()).extract().path("key.key");

        as(old).get("/v1/tenant").then().statusCode(200);
        as(replacement).get("/v1/tenant").then().statusCode(200);
        assertThat(awaitStatusChange(old, 200, 10)).isEqualTo(401);
        as(replacement).get("/v1/tenant").then().statusCode(200);
    }

    @Test
    void should_refuse_bad_rotations() {
        String tenant = createTenant("badrotation");
        readWriteKey(tenant);
        String keyId = asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().extract().path("keys[0].id");
        asOperator().body(Map.of("gracePeriodSeconds", -1)).post("/v1/admin/tenants/" + tenant + "/keys/" + keyId + "/rotate")
                .then().statusCode(400);
        asOperator().body(Map.of("gracePeriodSeconds", 31L * 24 * 3600)).post("/v1/admin/tenants/" + tenant + "/keys/" + keyId + "/rotate")
                .then().statusCode(400);
        asOperator().body("{\"gracePeriodSeconds\":\"10\"}").post("/v1/admin/tenants/" + tenant + "/keys/" + keyId + "/rotate")
                .then().statusCode(400);
        asOperator().post("/v1/admin/tenants/" + tenant + "/keys/" + UUID.randomUUID() + "/rotate").then().statusCode(404);
        asOperator().post("/v1/admin/tenants/" + createTenant("otherowner") + "/keys/" + keyId + "/rotate").then().statusCode(404);
        asOperator().get("/v1/admin/tenants/" + tenant + "/keys").then().body("keys.size()", equalTo(1));
    }

    /** Polls (bounded) until the key's answer on /v1/tenant is no longer {@code current}; returns the new status. */
    private static int awaitStatusChange(String key, int current, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int status;
        do {
            status = as(key).get("/v1/tenant").then().extract().statusCode();
        } while (status == current && System.nanoTime() < deadline);
        return status;
    }
}
