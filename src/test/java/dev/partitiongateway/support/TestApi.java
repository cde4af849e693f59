package dev.partitiongateway.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Small helpers so API tests read as the calls a client makes. */
public final class TestApi {

    public static final String OPERATOR_KEY = "test-operator-key-7f3a9c";

    private TestApi() {
    }

    public static RequestSpecification asOperator() {
        return as(OPERATOR_KEY);
    }

    public static RequestSpecification as(String key) {
        return given().contentType(ContentType.JSON).header("Authorization", "Bearer " + key);
    }

    /** A tenant id no other test uses. */
    public static String uniqueTenantId(String hint) {
        return hint + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static String createTenant(String id, long maxVectors) {
        asOperator().body(Map.of("id", id, "name", "Tenant " + id, "quota", Map.of("maxVectors", maxVectors)))
                .post("/v1/admin/tenants").then().statusCode(201);
        return id;
    }

    public static String createTenant(String hint) {
        return createTenant(uniqueTenantId(hint), 1000);
    }

    /** Issues a key and returns its secret. */
    public static String issueKey(String tenantId, String... scopes) {
        return asOperator().body(Map.of("name", "test key", "scopes", List.of(scopes)))
                .post("/v1/admin/tenants/" + tenantId + "/keys")
                .then().statusCode(201).extract().path("key");
    }

    public static String readWriteKey(String tenantId) {
        return issueKey(tenantId, "read", "write");
    }

    /** Every item of a paged listing, following {@code next} page by page with {@code limit} items each. */
    public static List<Map<String, Object>> listAll(String key, String path, String field, int limit) {
        List<Map<String, Object>> all = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            RequestSpecification request = as(key).queryParam("limit", limit);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            var page = request.get(path).then().statusCode(200).extract();
            List<Map<String, Object>> items = page.path(field);
            if (items.size() > limit) {
                throw new AssertionError(path + " returned " + items.size() + " items for limit " + limit);
            }
            all.addAll(items);
            cursor = page.path("next");
            if (++pages > 100_000) {
                throw new AssertionError(path + " never ends");
            }
        } while (cursor != null);
        return all;
    }
}
