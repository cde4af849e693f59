package dev.partitiongateway.catalog;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.OPERATOR_KEY;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.listAll;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class CollectionAdminApiTest {

    private static Map<String, Object> body(String name, Object dimension, Object metric) {
        Map<String, Object> b = new HashMap<>();
        b.put("name", name);
        b.put("dimension", dimension);
        b.put("metric", metric);
        return b;
    }

    @Test
    void should_create_get_and_list_a_collection_on_the_default_backend() {
        asOperator().body(body("articles_v1", 768, "COSINE")).post("/v1/admin/collections").then().statusCode(201)
                .body("name", equalTo("articles_v1")).body("dimension", equalTo(768)).body("metric", equalTo("COSINE"))
                .body("backend", equalTo("lucene")).body("partitioning.strategy", equalTo("TENANT"));
        asOperator().get("/v1/admin/collections/articles_v1").then().statusCode(200).body("backend", equalTo("lucene"));
        assertThat(listAll(OPERATOR_KEY, "/v1/admin/collections", "collections", 1000)).extracting(c -> c.get("name")).contains("articles_v1");
        asOperator().body(body("articles_v1", 768, "COSINE")).post("/v1/admin/collections").then().statusCode(409)
                .body("code", equalTo("CONFLICT"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Upper", "1digit", "has-dash", "", "way_too_long_name_way_too_long_name_way_too_long_name_way_too_long"})
    void should_refuse_invalid_names(String name) {
        asOperator().body(body(name, 4, "L2")).post("/v1/admin/collections").then().statusCode(400)
                .body("errors.field", hasItem("name"));
    }

    @Test
    void should_refuse_invalid_dimensions_metrics_backends_and_strategies() {
        asOperator().body(body("dim_zero", 0, "L2")).post("/v1/admin/collections").then().statusCode(400).body("errors.field", hasItem("dimension"));
        asOperator().body(body("dim_big", 4097, "L2")).post("/v1/admin/collections").then().statusCode(400).body("errors.field", hasItem("dimension"));
        asOperator().body(body("metric_bad", 4, "HAMMING")).post("/v1/admin/collections").then().statusCode(400);
        asOperator().body(body("metric_none", 4, null)).post("/v1/admin/collections").then().statusCode(400).body("errors.field", hasItem("metric"));
        Map<String, Object> unknownBackend = body("backend_bad", 4, "L2");
        unknownBackend.put("backend", "faiss");
        asOperator().body(unknownBackend).post("/v1/admin/collections").then().statusCode(400).body("errors.field", hasItem("backend"));
        Map<String, Object> strategy = body("strategy_bad", 4, "L2");
        strategy.put("partitioning", Map.of("strategy", "ROUND_ROBIN"));
        asOperator().body(strategy).post("/v1/admin/collections").then().statusCode(400).body("errors.field", hasItem("partitioning.strategy"));
        for (String name : List.of("dim_zero", "dim_big", "metric_bad", "metric_none", "backend_bad", "strategy_bad")) {
            asOperator().get("/v1/admin/collections/" + name).then().statusCode(404);
        }
    }

    @Test
    void should_accept_the_largest_dimension() {
        asOperator().body(body("dim_max", 4096, "DOT")).post("/v1/admin/collections").then().statusCode(201);
    }

    @Test
    void should_list_a_tenants_partition_after_its_first_write() {
        String collection = createCollection("parts", 2, "L2");
        String tenant = createTenant("partowner");
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200).body("partitions", hasSize(0));
        upsert(readWriteKey(tenant), collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200)
                .body("partitions", hasSize(1))
                .body("partitions[0].tenant", equalTo(tenant))
                .body("partitions[0].strategy", equalTo("TENANT"))
                .body("partitions[0].state", equalTo("ACTIVE"))
                .body("partitions[0].backend", equalTo("lucene"))
                .body("partitions[0].vectorCount", equalTo(2));
        asOperator().get("/v1/admin/collections/nothing_here/partitions").then().statusCode(404);
    }

    @Test
    void should_delete_a_collection_with_its_vectors_and_give_quota_back() {
        String collection = createCollection("doomed", 2, "L2");
        String key = readWriteKey(createTenant("owner"));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        assertThat(usage(key)).isEqualTo(2);
        asOperator().delete("/v1/admin/collections/" + collection).then().statusCode(204);
        asOperator().get("/v1/admin/collections/" + collection).then().statusCode(404);
        assertThat(usage(key)).isZero();
        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(404);
        asOperator().delete("/v1/admin/collections/" + collection).then().statusCode(404);
        // a new collection of the same name starts empty
        asOperator().body(body(collection, 2, "L2")).post("/v1/admin/collections").then().statusCode(201);
        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(200).body("results", hasSize(0));
    }

    @Test
    void should_drop_a_deleted_tenants_partitions() {
        String collection = createCollection("tenantgone", 2, "L2");
        String tenant = createTenant("leaving");
        upsert(readWriteKey(tenant), collection, List.of(vector("a", 1, 0))).statusCode(200);
        asOperator().delete("/v1/admin/tenants/" + tenant).then().statusCode(204);
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then().body("partitions", hasSize(0));
        // the same tenant id created again starts empty
        createTenant(tenant, 10);
        String key = readWriteKey(tenant);
        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(200).body("results", hasSize(0));
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200).body("inserted", equalTo(1));
    }
}
