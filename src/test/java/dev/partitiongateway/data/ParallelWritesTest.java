package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory;
import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory.Faults;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One tenant's writes reach the backend in parallel, and its quota stays exact while they race. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ParallelWritesTest {

    @Inject
    AgroalDataSource dataSource;

    String collection;

    @BeforeEach
    void faultyCollection() {
        Faults.heal();
        collection = "parallel_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", collection, "dimension", 2, "metric", "L2", "backend", FaultInjectingBackendFactory.KIND))
                .post("/v1/admin/collections").then().statusCode(201);
    }

    @AfterEach
    void heal() {
        Faults.heal();
    }

    @Test
    void should_have_one_tenants_concurrent_upserts_inside_the_backend_at_once() throws Exception {
        String key = readWriteKey(createTenant(uniqueTenantId("chatty"), 1000));
        upsert(key, collection, List.of(vector("seed", 0, 0))).statusCode(200);
        int writers = 8;
        // Serialised writes would each wait out the patience alone and never meet.
        Faults.gatherUpserts(writers, Duration.ofSeconds(20));

        List<Integer> statuses = runConcurrently(writers, w -> upsert(key, collection, List.of(vector("w" + w, w, 1))).extract().statusCode());

        assertThat(statuses).containsOnly(200);
        assertThat(Faults.mostUpsertsInside()).isEqualTo(writers);
        assertThat(usage(key)).isEqualTo(writers + 1);
    }

    @Test
    void should_keep_usage_equal_to_what_is_stored_when_one_tenants_upserts_and_deletes_of_the_same_ids_race() throws Exception {
        int quota = 30;
        String tenant = createTenant(uniqueTenantId("racing"), quota);
        String key = readWriteKey(tenant);
        // A slow backend widens every window between registering, writing and confirming.
        Faults.slow(Duration.ofMillis(15));
        int writers = 12;
        int operations = 12;

        List<Integer> statuses = runConcurrently(writers, w -> {
            Random random = new Random(w);
            int lastStatus = 0;
            for (int i = 0; i < operations; i++) {
                if (random.nextInt(3) == 0) {
                    lastStatus = delete(key, collection, Map.of("ids", List.of("id" + random.nextInt(40), "id" + random.nextInt(40))))
                            .extract().statusCode();
                } else {
                    List<Map<String, Object>> batch = new ArrayList<>();
                    int first = random.nextInt(38);
                    for (int j = 0; j < 3; j++) {
                        batch.add(vector("id" + (first + j), w, i));
                    }
                    lastStatus = upsert(key, collection, batch).extract().statusCode();
                }
                assertThat(lastStatus).as("status of operation %d of writer %d", i, w).isIn(200, 403, 409);
            }
            return lastStatus;
        });
        Faults.heal();

        assertThat(statuses).hasSize(writers);
        long used = usage(key);
        int stored = search(key, collection, Map.of("vector", List.of(1, 1), "topK", 1000)).statusCode(200)
                .extract().path("results.size()");
        assertThat(used).isLessThanOrEqualTo(quota).isEqualTo(stored);
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then()
                .body("partitions.find { it.tenant == '" + tenant + "' }.vectorCount", org.hamcrest.Matchers.equalTo(stored));
    }

    /**
     * A write adds to one of its partition's count stripes, never to the partition's row: a row a write
     * updates stays locked until its commit's WAL flush, so every write of the partition would queue behind
     * the one before. Here another transaction holds that row the way such a write would; writes of the
     * partition (new ids, a replacement, a delete) must still finish, and the count must stay exact.
     */
    @Test
    void should_write_and_count_a_partition_while_another_transaction_holds_its_row() throws Exception {
        String tenant = createTenant(uniqueTenantId("striped"), 1000);
        String key = readWriteKey(tenant);
        upsert(key, collection, List.of(vector("a", 0, 0), vector("b", 0, 1))).statusCode(200);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement s = holder.prepareStatement(
                    "SELECT id FROM partitions WHERE tenant_id = ? AND collection = ? FOR NO KEY UPDATE")) {
                s.setString(1, tenant);
                s.setString(2, collection);
                try (ResultSet rs = s.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                }
            }
            Future<List<Integer>> writes = writer.submit(() -> List.of(
                    upsert(key, collection, List.of(vector("c", 1, 0), vector("d", 1, 1), vector("a", 2, 2))).extract().statusCode(),
                    delete(key, collection, Map.of("ids", List.of("b"))).extract().statusCode()));
            try {
                // A guard: with the row in the write path, these would wait until the holder ends.
                assertThat(writes.get(60, TimeUnit.SECONDS)).containsExactly(200, 200);
            } finally {
                holder.rollback();
            }
        } finally {
            writer.shutdownNow();
        }
        assertThat(usage(key)).isEqualTo(3);
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then()
                .body("partitions.find { it.tenant == '" + tenant + "' }.vectorCount", org.hamcrest.Matchers.equalTo(3));
    }

    private interface Writer {
        int run(int writer) throws Exception;
    }

    private static List<Integer> runConcurrently(int writers, Writer writer) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                futures.add(pool.submit(() -> {
                    start.await();
                    return writer.run(id);
                }));
            }
            start.countDown();
            List<Integer> results = new ArrayList<>();
            for (Future<Integer> future : futures) {
                // A guard against a deadlock hanging the build, not a performance assertion.
                results.add(future.get(5, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
