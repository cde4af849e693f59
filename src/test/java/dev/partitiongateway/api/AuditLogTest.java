package dev.partitiongateway.api;

import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every admin action that can change something is in the audit log with who, what, when, its outcome and request id. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class AuditLogTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    MeterRegistry meters;

    /** The audit entries written since {@code since}, newest first, every page. */
    private static List<Map<String, Object>> entriesSince(Instant since) {
        List<Map<String, Object>> all = new ArrayList<>();
        String cursor = null;
        do {
            var request = asOperator().queryParam("since", since.toString()).queryParam("limit", 3);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            var page = request.get("/v1/admin/audit").then().statusCode(200).extract();
            all.addAll(page.<List<Map<String, Object>>>path("entries"));
            cursor = page.path("next");
        } while (cursor != null);
        return all;
    }

    private static Map<String, Object> entryOf(List<Map<String, Object>> entries, Response response) {
        String requestId = response.header(RequestIds.HEADER);
        return entries.stream().filter(e -> requestId.equals(e.get("requestId"))).findFirst()
                .orElseThrow(() -> new AssertionError("no audit entry with request id " + requestId + " among " + entries));
    }

    @Test
    void should_record_admin_actions_with_who_what_when_outcome_and_request_id_including_failures() {
        Instant since = Instant.now().minusSeconds(1);
        String tenant = uniqueTenantId("audited");
        Response created = asOperator().body(Map.of("id", tenant)).post("/v1/admin/tenants");
        Response duplicate = asOperator().body(Map.of("id", tenant)).post("/v1/admin/tenants");
        Response invalid = asOperator().body("{\"id\":\"Not Valid\"}").post("/v1/admin/tenants");
        Response patched = asOperator().body(Map.of("name", "Audited")).patch("/v1/admin/tenants/" + tenant);
        Response issued = asOperator().body(Map.of("name", "k", "scopes", List.of("read"))).post("/v1/admin/tenants/" + tenant + "/keys");
        String keyId = issued.path("id");
        Response revoked = asOperator().delete("/v1/admin/tenants/" + tenant + "/keys/" + keyId);
        Response missing = asOperator().delete("/v1/admin/collections/no_such_collection_" + UUID.randomUUID().toString().substring(0, 8));
        Response reconciled = asOperator().queryParam("collection", "no_such_collection").post("/v1/admin/reconcile");
        Response read = asOperator().get("/v1/admin/tenants/" + tenant);
        Response deleted = asOperator().delete("/v1/admin/tenants/" + tenant);
        assertThat(List.of(created.statusCode(), duplicate.statusCode(), invalid.statusCode(), patched.statusCode(), issued.statusCode(),
                revoked.statusCode(), missing.statusCode(), read.statusCode(), deleted.statusCode()))
                .containsExactly(201, 409, 400, 200, 201, 204, 404, 200, 204);

        List<Map<String, Object>> entries = entriesSince(since);
        Map<String, Object> c = entryOf(entries, created);
        assertThat(c).containsEntry("actor", "operator:configured").containsEntry("action", "createTenant").containsEntry("method", "POST")
                .containsEntry("path", "/v1/admin/tenants").containsEntry("target", "/v1/admin/tenants/" + tenant)
                .containsEntry("status", 201).containsEntry("outcome", "success").doesNotContainKey("code").doesNotContainKey("keyId");
        assertThat(Instant.parse((String) c.get("at"))).isBetween(since, Instant.now());
        assertThat(entryOf(entries, duplicate)).containsEntry("status", 409).containsEntry("outcome", "failure").containsEntry("code", "CONFLICT");
        assertThat(entryOf(entries, invalid)).containsEntry("status", 400).containsEntry("code", "VALIDATION_FAILED");
        assertThat(entryOf(entries, patched)).containsEntry("action", "updateTenant").containsEntry("method", "PATCH");
        assertThat(entryOf(entries, issued)).containsEntry("action", "createTenantKey")
                .containsEntry("target", "/v1/admin/tenants/" + tenant + "/keys/" + keyId);
        assertThat(entryOf(entries, revoked)).containsEntry("action", "revokeTenantKey").containsEntry("status", 204);
        assertThat(entryOf(entries, missing)).containsEntry("action", "deleteCollection").containsEntry("code", "NOT_FOUND");
        assertThat(entryOf(entries, reconciled)).containsEntry("action", "reconcile")
                .containsEntry("path", "/v1/admin/reconcile?collection=no_such_collection");
        assertThat(entryOf(entries, deleted)).containsEntry("action", "deleteTenant").containsEntry("status", 204);
        assertThat(entries).as("reads are not audited").noneMatch(e -> read.header(RequestIds.HEADER).equals(e.get("requestId")));
        assertThat(entries.toString()).as("no secret ever").doesNotContain(issued.<String>path("key")).doesNotContain("test-operator-key");
    }

    @Test
    void should_record_a_tenant_key_refused_on_an_admin_endpoint_and_not_an_unknown_key() {
        Instant since = Instant.now().minusSeconds(1);
        String tenant = createTenant("intruder");
        Response issued = asOperator().body(Map.of("name", "k", "scopes", List.of("read", "write"))).post("/v1/admin/tenants/" + tenant + "/keys");
        String key = issued.path("key");
        Response refused = as(key).body(Map.of("id", "x")).post("/v1/admin/tenants");
        Response unknown = as("pgw_nobodyknows_xxxxxxxx").body(Map.of("id", "x")).post("/v1/admin/tenants");
        Response none = given().contentType("application/json").body(Map.of("id", "x")).post("/v1/admin/tenants");
        assertThat(List.of(refused.statusCode(), unknown.statusCode(), none.statusCode())).containsExactly(403, 401, 401);

        List<Map<String, Object>> entries = entriesSince(since);
        assertThat(entryOf(entries, refused)).containsEntry("actor", "tenant:" + tenant + ":key:" + issued.path("prefix"))
                .containsEntry("keyId", issued.path("id")).containsEntry("status", 403).containsEntry("code", "FORBIDDEN");
        assertThat(entries).noneMatch(e -> unknown.header(RequestIds.HEADER).equals(e.get("requestId")))
                .noneMatch(e -> none.header(RequestIds.HEADER).equals(e.get("requestId")));
    }

    @Test
    void should_page_newest_first_and_filter_by_action_and_since() {
        Instant since = Instant.now().minusSeconds(1);
        List<String> requestIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            requestIds.add(asOperator().body(Map.of("id", uniqueTenantId("paged"))).post("/v1/admin/tenants").header(RequestIds.HEADER));
        }
        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = asOperator().queryParam("action", "createTenant").queryParam("since", since.toString()).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            var page = request.get("/v1/admin/audit").then().statusCode(200).extract();
            List<Map<String, Object>> entries = page.path("entries");
            assertThat(entries).hasSizeLessThanOrEqualTo(2).allSatisfy(e -> assertThat(e).containsEntry("action", "createTenant"));
            entries.forEach(e -> walked.add((String) e.get("requestId")));
            cursor = page.path("next");
            pages++;
        } while (cursor != null);
        List<String> newestFirst = new ArrayList<>(requestIds);
        java.util.Collections.reverse(newestFirst);
        assertThat(walked).containsSubsequence(newestFirst).doesNotHaveDuplicates();
        assertThat(pages).isGreaterThanOrEqualTo(3);

        assertThat(asOperator().queryParam("since", Instant.now().plusSeconds(3600).toString()).get("/v1/admin/audit")
                .then().statusCode(200).extract().<List<?>>path("entries")).isEmpty();
        String tenantsCursor = asOperator().queryParam("limit", 1).get("/v1/admin/tenants").path("next");
        asOperator().queryParam("cursor", tenantsCursor).get("/v1/admin/audit").then().statusCode(400);
        asOperator().queryParam("action", "drop table").get("/v1/admin/audit").then().statusCode(400);
        asOperator().queryParam("since", "+100000-01-01T00:00:00Z").get("/v1/admin/audit").then().statusCode(400);
    }

    @Test
    void should_let_the_action_stand_and_count_the_loss_when_the_audit_entry_cannot_be_written() throws Exception {
        double lostBefore = meters.get("gateway.audit.failures").counter().count();
        String tenant = uniqueTenantId("unaudited");
        execute("ALTER TABLE audit_log RENAME TO audit_log_away");
        Response created;
        try {
            created = asOperator().body(Map.of("id", tenant)).post("/v1/admin/tenants");
        } finally {
            execute("ALTER TABLE audit_log_away RENAME TO audit_log");
        }
        assertThat(created.statusCode()).isEqualTo(201);
        asOperator().get("/v1/admin/tenants/" + tenant).then().statusCode(200);
        assertThat(meters.get("gateway.audit.failures").counter().count()).isEqualTo(lostBefore + 1);
        assertThat(given().get("/q/metrics").asString()).contains("gateway_audit_failures_total");
    }

    private void execute(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
