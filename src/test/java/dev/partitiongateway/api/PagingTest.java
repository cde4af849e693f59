package dev.partitiongateway.api;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.OPERATOR_KEY;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.issueKey;
import static dev.partitiongateway.support.TestApi.listAll;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every list pages the same way: {@code limit}, an opaque {@code cursor}, {@code next} until the last page, in a stable order. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PagingTest {

    /** Every listing and the field that holds its items, as a tenant with {@code key} or the operator calls it. */
    private static List<String[]> listings(String tenant, String collection) {
        return List.of(
                new String[]{"/v1/admin/tenants", "tenants", OPERATOR_KEY},
                new String[]{"/v1/admin/tenants/" + tenant + "/keys", "keys", OPERATOR_KEY},
                new String[]{"/v1/admin/collections", "collections", OPERATOR_KEY},
                new String[]{"/v1/admin/collections/" + collection + "/partitions", "partitions", OPERATOR_KEY});
    }

    @Test
    void should_walk_tenants_one_small_page_at_a_time_in_id_order_without_repeats() {
        for (int i = 0; i < 3; i++) {
            createTenant("paged");
        }
        List<Object> ids = listAll(OPERATOR_KEY, "/v1/admin/tenants", "tenants", 2).stream().map(t -> t.get("id")).toList();
        List<Object> all = listAll(OPERATOR_KEY, "/v1/admin/tenants", "tenants", 1000).stream().map(t -> t.get("id")).toList();
        assertThat(ids).doesNotHaveDuplicates().containsExactlyElementsOf(all);
        List<String> sorted = new ArrayList<>(ids.stream().map(Object::toString).toList());
        java.util.Collections.sort(sorted);
        assertThat(ids).containsExactlyElementsOf(sorted);
        asOperator().queryParam("limit", 1).get("/v1/admin/tenants").then().statusCode(200)
                .body("tenants", hasSize(1)).body("next", notNullValue()).body("tenants[0].usage.vectors", notNullValue());
    }

    @Test
    void should_page_a_tenants_keys_in_issue_order_and_end_with_no_next() {
        String tenant = createTenant("keys-paged");
        List<String> issued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            issueKey(tenant, "read");
        }
        var first = asOperator().queryParam("limit", 2).get("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(200)
                .body("keys", hasSize(2)).body("next", notNullValue()).extract();
        issued.addAll(first.path("keys.id"));
        List<Map<String, Object>> all = listAll(OPERATOR_KEY, "/v1/admin/tenants/" + tenant + "/keys", "keys", 2);
        assertThat(all).hasSize(5).extracting(k -> k.get("id")).doesNotHaveDuplicates().startsWith(issued.toArray());
        assertThat(all).allSatisfy(k -> assertThat(k).doesNotContainKey("key"));
        asOperator().queryParam("limit", 5).get("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(200)
                .body("keys", hasSize(5)).body("next", nullValue());
    }

    @Test
    void should_page_collections_for_the_operator_in_name_order() {
        String a = createCollection("paged", 2, "L2");
        String b = createCollection("paged", 2, "L2");
        List<Object> names = listAll(OPERATOR_KEY, "/v1/admin/collections", "collections", 3).stream().map(c -> c.get("name")).toList();
        assertThat(names).doesNotHaveDuplicates().contains(a, b);
        List<String> sorted = new ArrayList<>(names.stream().map(Object::toString).toList());
        java.util.Collections.sort(sorted);
        assertThat(names).containsExactlyElementsOf(sorted);
    }

    @Test
    void should_list_collections_to_a_tenant_with_its_own_usage_in_each() {
        String collection = createCollection("mine", 2, "L2");
        String acme = readWriteKey(createTenant("acme-list"));
        String globex = readWriteKey(createTenant("globex-list"));
        upsert(acme, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        upsert(globex, collection, List.of(vector("a", 1, 0))).statusCode(200);

        Map<String, Object> seenByAcme = find(listAll(acme, "/v1/collections", "collections", 7), collection);
        Map<String, Object> seenByGlobex = find(listAll(globex, "/v1/collections", "collections", 1000), collection);
        assertThat(seenByAcme).containsEntry("dimension", 2).containsEntry("metric", "L2").doesNotContainKey("backend");
        assertThat(seenByAcme.get("usage")).isEqualTo(Map.of("vectors", 2));
        assertThat(seenByGlobex.get("usage")).isEqualTo(Map.of("vectors", 1));
        as(acme).queryParam("limit", 1).get("/v1/collections").then().statusCode(200)
                .body("collections", hasSize(1)).body("next", notNullValue());
    }

    @Test
    void should_keep_tenant_collections_for_tenant_keys_and_admin_lists_for_the_operator() {
        String key = readWriteKey(createTenant("scopes"));
        as(OPERATOR_KEY).get("/v1/collections").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        as(key).get("/v1/admin/collections").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        io.restassured.RestAssured.given().get("/v1/collections").then().statusCode(401).body("code", equalTo("UNAUTHENTICATED"));
        String writeOnly = issueKey(createTenant("write-only"), "write");
        as(writeOnly).get("/v1/collections").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
    }

    @Test
    void should_refuse_bad_limits_on_every_list_with_a_problem_naming_limit() {
        String tenant = createTenant("limits");
        String key = readWriteKey(tenant);
        String collection = createCollection("limits", 2, "L2");
        List<String[]> all = new ArrayList<>(listings(tenant, collection));
        all.add(new String[]{"/v1/collections", "collections", key});
        for (String[] listing : all) {
            for (String limit : List.of("0", "-1", "1001", "abc", "1.5", "99999999999999999999", " 5", "0x10", "1e3", "")) {
                var response = as(listing[2]).queryParam("limit", limit).get(listing[0]).then();
                if (limit.isEmpty()) {
                    response.statusCode(200);
                    continue;
                }
                response.statusCode(400).contentType("application/problem+json").body("code", equalTo("VALIDATION_FAILED"))
                        .body("errors.field", hasItem("limit"));
            }
        }
    }

    @Test
    void should_refuse_cursors_it_did_not_make_and_cursors_of_another_listing() {
        String tenant = createTenant("cursors");
        String key = readWriteKey(tenant);
        issueKey(tenant, "read");
        String collection = createCollection("cursors", 2, "L2");
        upsert(key, collection, List.of(vector("x", 1, 0))).statusCode(200);
        String tenantCursor = asOperator().queryParam("limit", 1).get("/v1/admin/tenants").then().extract().path("next");
        String keyCursor = asOperator().queryParam("limit", 1).get("/v1/admin/tenants/" + tenant + "/keys").then().extract().path("next");
        assertThat(tenantCursor).isNotNull();
        assertThat(keyCursor).isNotNull();

        List<String> garbage = new ArrayList<>(List.of("garbage", "!!!", "%00", "a".repeat(1000), b64("after:-1"), b64("after:x"),
                b64("name:"), b64("name:UPPER"), b64("name:a\u0000b"), b64("name:" + "a".repeat(300)), b64("key:1.2"),
                b64("key:99999999999999.0.00000000-0000-0000-0000-000000000000"), b64("key:1.-1.00000000-0000-0000-0000-000000000000"),
                b64("key:1.0.not-a-uuid"), b64("\u0000\u0000")));
        List<String[]> all = new ArrayList<>(listings(tenant, collection));
        all.add(new String[]{"/v1/collections", "collections", key});
        for (String[] listing : all) {
            for (String cursor : garbage) {
                as(listing[2]).urlEncodingEnabled(!cursor.equals("%00")).queryParam("cursor", cursor).get(listing[0]).then()
                        .statusCode(400).contentType("application/problem+json").body("code", equalTo("VALIDATION_FAILED"))
                        .body("errors.field", hasItem("cursor"));
            }
        }
        // A cursor of one listing is not a cursor of another.
        asOperator().queryParam("cursor", keyCursor).get("/v1/admin/tenants").then().statusCode(400);
        asOperator().queryParam("cursor", tenantCursor).get("/v1/admin/tenants/" + tenant + "/keys").then().statusCode(400);
        asOperator().queryParam("cursor", tenantCursor).get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(400);
        asOperator().queryParam("cursor", tenantCursor).get("/v1/admin/collections").then().statusCode(400);
        as(key).queryParam("cursor", tenantCursor).get("/v1/collections").then().statusCode(400);
        String collectionCursor = asOperator().queryParam("limit", 1).get("/v1/admin/collections").then().extract().path("next");
        asOperator().queryParam("cursor", collectionCursor).get("/v1/admin/tenants").then().statusCode(400);
        as(key).queryParam("cursor", collectionCursor).get("/v1/collections").then().statusCode(200); // the same listing

        // A partitions cursor belongs to its collection.
        String other = createCollection("cursors_other", 2, "L2");
        upsert(readWriteKey(createTenant("cursors2")), collection, List.of(vector("y", 0, 1))).statusCode(200);
        String partitionCursor = asOperator().queryParam("limit", 1).get("/v1/admin/collections/" + collection + "/partitions")
                .then().statusCode(200).extract().path("next");
        assertThat(partitionCursor).isNotNull();
        asOperator().queryParam("cursor", partitionCursor).get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200);
        asOperator().queryParam("cursor", partitionCursor).get("/v1/admin/collections/" + other + "/partitions").then().statusCode(400)
                .body("errors.field", hasItem("cursor"));
    }

    @Test
    void should_refuse_a_partition_listing_tenant_that_is_no_tenant_id() {
        String collection = createCollection("tenantparam", 2, "L2");
        asOperator().urlEncodingEnabled(false).queryParam("tenant", "a%00b").get("/v1/admin/collections/" + collection + "/partitions")
                .then().statusCode(400).body("errors.field", hasItem("tenant"));
        asOperator().queryParam("tenant", "nobody").get("/v1/admin/collections/" + collection + "/partitions")
                .then().statusCode(200).body("partitions", hasSize(0)).body("next", nullValue());
    }

    private static Map<String, Object> find(List<Map<String, Object>> collections, String name) {
        return collections.stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not listed"));
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
