package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Deleting a collection or a tenant while its writes run: exact usage, no deadlock, and no 500 for anyone. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class WriteRaceTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    BackendRegistry backends;

    /** Upserts new ids in a loop on {@code writers} threads until stopped; records every status. */
    private static final class Writers implements AutoCloseable {
        final ExecutorService pool;
        final AtomicBoolean stop = new AtomicBoolean();
        final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        final List<Future<?>> futures = new ArrayList<>();
        final CountDownLatch warmedUp;

        Writers(int writers, String key, String collection) {
            pool = Executors.newFixedThreadPool(writers);
            warmedUp = new CountDownLatch(writers);
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        int status = upsert(key, collection, List.of(vector("w" + writer + "-" + i + "-a", 1, i),
                                vector("w" + writer + "-" + i + "-b", i, 1))).extract().statusCode();
                        statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                        if (i == 2) {
                            warmedUp.countDown();
                        }
                    }
                    return null;
                }));
            }
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
            pool.shutdownNow();
        }
    }

    @Test
    void should_give_back_exactly_what_was_stored_when_a_collection_is_dropped_during_upserts() throws Exception {
        String tenant = createTenant(uniqueTenantId("dropped"), 1_000_000);
        String key = readWriteKey(tenant);
        String kept = createCollection("race_kept", 2, "L2");
        String doomed = createCollection("race_doomed", 2, "L2");
        upsert(key, kept, List.of(vector("k1", 1, 0), vector("k2", 0, 1))).statusCode(200);

        Writers writers = new Writers(4, key, doomed);
        try (writers) {
            assertThat(writers.warmedUp.await(1, TimeUnit.MINUTES)).isTrue();
            asOperator().delete("/v1/admin/collections/" + doomed).then().statusCode(204);
            Thread.yield();
        }

        assertThat(writers.statuses.keySet()).as("statuses seen by the writers").isSubsetOf(200, 404, 409);
        assertThat(writers.statuses.get(404)).as("writes after the drop").isNotNull();
        assertThat(registered(tenant)).isEqualTo(2);
        assertThat(storedUsage(tenant)).isEqualTo(2);
        assertThat(ledgerEntries(tenant)).as("ledger entries of writes in flight").isZero();
        assertThat(backends.get("lucene").capabilities()).isNotNull();
    }

    @Test
    void should_delete_a_tenant_during_its_upserts_without_deadlock_or_leftovers() throws Exception {
        String tenant = createTenant(uniqueTenantId("doomed"), 1_000_000);
        String key = readWriteKey(tenant);
        String collection = createCollection("race_tenant", 2, "L2");

        Writers writers = new Writers(4, key, collection);
        try (writers) {
            assertThat(writers.warmedUp.await(1, TimeUnit.MINUTES)).isTrue();
            asOperator().delete("/v1/admin/tenants/" + tenant).then().statusCode(204);
        }

        assertThat(writers.statuses.keySet()).as("statuses seen by the writers").isSubsetOf(200, 401, 404);
        assertThat(registered(tenant)).isZero();
        assertThat(ledgerEntries(tenant)).as("ledger entries of writes in flight").isZero();
        assertThat(count("SELECT count(*) FROM partitions WHERE tenant_id = ?", tenant)).isZero();
        assertThat(count("SELECT count(*) FROM tenant_usage WHERE tenant_id = ?", tenant)).isZero();
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200)
                .body("partitions.size()", org.hamcrest.Matchers.equalTo(0));
    }

    @Test
    void should_apply_racing_upserts_and_deletes_of_the_same_ids_with_registry_usage_and_backend_agreeing() throws Exception {
        String tenant = createTenant(uniqueTenantId("samekeys"), 1_000_000);
        String key = readWriteKey(tenant);
        String collection = createCollection("race_same", 2, "L2");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int round = 0; round < 60; round++) {
                int r = round;
                for (int t = 0; t < 3; t++) {
                    results.add(pool.submit(() -> upsert(key, collection, List.of(vector("x", r, 1), vector("y", 1, r))).extract().statusCode()));
                    results.add(pool.submit(() -> delete(key, collection, Map.of("ids", List.of("y", "x"))).extract().statusCode()));
                }
            }
            for (Future<Integer> f : results) {
                assertThat(f.get(2, TimeUnit.MINUTES)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        long stored = 0;
        for (String id : List.of("x", "y")) {
            stored += fetch(key, collection, id).extract().statusCode() == 200 ? 1 : 0;
        }
        assertThat(registered(tenant)).isEqualTo(stored);
        assertThat(storedUsage(tenant)).isEqualTo(stored);
        // Writes that registered again what a delete removed appended to their entry; each removed it on success.
        assertThat(count("SELECT count(*) FROM vector_registry WHERE tenant_id = ? AND state = 'PENDING'", tenant)).isZero();
        assertThat(ledgerEntries(tenant)).as("ledger entries of writes in flight").isZero();
    }

    private long ledgerEntries(String tenant) throws Exception {
        return count("SELECT count(*) FROM pending_writes WHERE tenant_id = ?", tenant);
    }

    private long registered(String tenant) throws Exception {
        return count("SELECT count(*) FROM vector_registry WHERE tenant_id = ?", tenant);
    }

    private long storedUsage(String tenant) throws Exception {
        return count("SELECT vectors FROM tenant_usage WHERE tenant_id = ?", tenant);
    }

    private long count(String sql, String tenant) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, tenant);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
