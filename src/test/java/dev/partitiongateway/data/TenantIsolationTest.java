package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.not;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Nothing tenant B sends can reach tenant A's vectors. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class TenantIsolationTest {

    String collection;
    String tenantA;
    String keyA;
    String keyB;

    @BeforeEach
    void setUp() {
        collection = createCollection("shared", 2, "L2");
        tenantA = createTenant("alpha");
        keyA = readWriteKey(tenantA);
        keyB = readWriteKey(createTenant("beta"));
        upsert(keyA, collection, List.of(
                vector("secret-1", List.of(1.0, 1.0), Map.of("tenant", "beta", "owner", "alpha")),
                vector("secret-2", List.of(2.0, 2.0), Map.of("owner", "alpha")))).statusCode(200);
    }

    @Test
    void should_never_return_another_tenants_vectors_in_search() {
        search(keyB, collection, Map.of("vector", List.of(1, 1), "topK", 100)).statusCode(200).body("results", equalTo(List.of()));
        upsert(keyB, collection, List.of(vector("own", 1.0, 1.0))).statusCode(200);
        search(keyB, collection, Map.of("vector", List.of(1, 1), "topK", 100)).body("results.id", contains("own"));
    }

    @Test
    void should_not_be_fooled_by_filters_naming_another_tenant() {
        upsert(keyB, collection, List.of(vector("own", 1.0, 1.0))).statusCode(200);
        for (Map<String, Object> filter : List.of(
                Map.<String, Object>of("owner", "alpha"),
                Map.<String, Object>of("tenant", "beta"),
                Map.<String, Object>of("$or", List.of(Map.of("owner", "alpha"), Map.of("owner", Map.of("$exists", false)))),
                Map.<String, Object>of("$not", Map.of("owner", "nobody")))) {
            search(keyB, collection, Map.of("vector", List.of(1, 1), "topK", 100, "filter", filter))
                    .statusCode(200).body("results.id", everyItem(equalTo("own")));
        }
    }

    @Test
    void should_not_fetch_or_delete_another_tenants_ids() {
        fetch(keyB, collection, "secret-1").statusCode(404);
        delete(keyB, collection, Map.of("ids", List.of("secret-1", "secret-2"))).statusCode(200).body("deleted", equalTo(0));
        delete(keyB, collection, Map.of("filter", Map.of("owner", "alpha"))).statusCode(200).body("deleted", equalTo(0));
        fetch(keyA, collection, "secret-1").statusCode(200);
        assertThat(usage(keyA)).isEqualTo(2);
    }

    @Test
    void should_keep_the_same_id_separate_per_tenant() {
        upsert(keyB, collection, List.of(vector("secret-1", List.of(9.0, 9.0), Map.of("owner", "beta")))).statusCode(200)
                .body("inserted", equalTo(1)).body("updated", equalTo(0));
        fetch(keyA, collection, "secret-1").body("metadata.owner", equalTo("alpha"));
        fetch(keyB, collection, "secret-1").body("metadata.owner", equalTo("beta"));
        delete(keyB, collection, Map.of("ids", List.of("secret-1"))).body("deleted", equalTo(1));
        fetch(keyA, collection, "secret-1").statusCode(200);
        assertThat(usage(keyA)).isEqualTo(2);
        assertThat(usage(keyB)).isZero();
    }

    @Test
    void should_ignore_a_tenant_named_in_the_body_or_query() {
        as(keyB).queryParam("tenant", tenantA).body(Map.of("vector", List.of(1, 1), "topK", 10))
                .post("/v1/collections/" + collection + "/search").then().statusCode(200).body("results", equalTo(List.of()));
        as(keyB).body(Map.of("vector", List.of(1, 1), "tenant", tenantA)).post("/v1/collections/" + collection + "/search")
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
        search(keyA, collection, Map.of("vector", List.of(1, 1), "topK", 10))
                .body("results.id", containsInAnyOrder("secret-1", "secret-2")).body("results.id", not(contains("own")));
    }
}
