package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class QuotaTest {

    String collection;

    @BeforeEach
    void setUp() {
        collection = createCollection("quota", 2, "DOT");
    }

    @Test
    void should_refuse_a_whole_upsert_that_would_cross_the_quota_and_store_nothing() {
        String key = readWriteKey(createTenant(uniqueTenantId("capped"), 3));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        upsert(key, collection, List.of(vector("c", 1, 1), vector("d", 2, 2))).statusCode(403)
                .contentType("application/problem+json").body("code", equalTo("QUOTA_EXCEEDED"));
        fetch(key, collection, "c").statusCode(404);
        fetch(key, collection, "d").statusCode(404);
        assertThat(usage(key)).isEqualTo(2);
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10)).body("results.size()", equalTo(2));
    }

    @Test
    void should_allow_updates_at_the_quota_and_fill_it_exactly() {
        String key = readWriteKey(createTenant(uniqueTenantId("full"), 2));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        upsert(key, collection, List.of(vector("a", 3, 3), vector("b", 4, 4))).statusCode(200)
                .body("inserted", equalTo(0)).body("updated", equalTo(2)).body("usage.vectors", equalTo(2));
        upsert(key, collection, List.of(vector("a", 5, 5), vector("c", 1, 1))).statusCode(403);
        fetch(key, collection, "a").body("values[0]", equalTo(3.0f));
    }

    @Test
    void should_give_quota_back_on_delete() {
        String key = readWriteKey(createTenant(uniqueTenantId("recycle"), 2));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        upsert(key, collection, List.of(vector("c", 1, 1))).statusCode(403);
        delete(key, collection, Map.of("ids", List.of("a"))).body("deleted", equalTo(1));
        upsert(key, collection, List.of(vector("c", 1, 1))).statusCode(200).body("usage.vectors", equalTo(2));
    }

    @Test
    void should_apply_a_lowered_quota_to_new_vectors_only() {
        String tenant = createTenant(uniqueTenantId("lowered"), 10);
        String key = readWriteKey(tenant);
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1), vector("c", 1, 1))).statusCode(200);
        asOperator().body(Map.of("quota", Map.of("maxVectors", 2))).patch("/v1/admin/tenants/" + tenant).then().statusCode(200);
        upsert(key, collection, List.of(vector("a", 2, 2))).statusCode(200);
        upsert(key, collection, List.of(vector("d", 2, 2))).statusCode(403).body("code", equalTo("QUOTA_EXCEEDED"));
    }

    @Test
    void should_never_exceed_the_quota_under_concurrent_upserts() throws Exception {
        int maxVectors = 50;
        String tenant = createTenant(uniqueTenantId("racer"), maxVectors);
        String key = readWriteKey(tenant);
        int threads = 16;
        int requests = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> statuses = new ArrayList<>();
        try {
            for (int r = 0; r < requests; r++) {
                int request = r;
                // every request adds 3 new ids and re-upserts 2 ids shared with all other requests
                List<Map<String, Object>> batch = new ArrayList<>(List.of(vector("shared-1", 1, 1), vector("shared-2", 2, 2)));
                IntStream.range(0, 3).forEach(i -> batch.add(vector("r" + request + "-" + i, request, i)));
                Callable<Integer> call = () -> upsert(key, collection, batch).extract().statusCode();
                statuses.add(pool.submit(call));
            }
            int ok = 0;
            for (Future<Integer> f : statuses) {
                int status = f.get();
                assertThat(status).isIn(200, 403);
                ok += status == 200 ? 1 : 0;
            }
            // the first successful request inserts 5 (3 + the 2 shared), each later one 3: 5 + 3 * 15 = 50
            assertThat(ok).isEqualTo(16);
        } finally {
            pool.shutdownNow();
        }
        assertThat(usage(key)).isEqualTo(maxVectors);
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 1000)).body("results.size()", equalTo(maxVectors));
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then()
                .body("partitions.find { it.tenant == '" + tenant + "' }.vectorCount", equalTo(maxVectors));
    }
}
