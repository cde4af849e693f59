package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With several replicas, this instance's directory cache can be stale; write paths must not trust it. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class StaleDirectoryTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    BackendRegistry backends;

    @Test
    void should_delete_a_vector_another_replica_stored_while_this_one_cached_no_partition() throws Exception {
        String collection = createCollection("replicas", 2, "L2");
        String tenant = createTenant("replicated");
        String key = readWriteKey(tenant);
        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(200).body("partitions", hasSize(0)); // caches "none"

        // Another replica handles the tenant's first write: directory row, backend record, registry row, usage.
        String placementName = "t_replicated_other";
        VectorBackend lucene = backends.get("lucene");
        Placement placement = Placement.dedicated(new CollectionSpec(collection, 2, Metric.L2), placementName, tenant);
        lucene.ensurePartition(placement);
        lucene.upsert(placement, List.of(new VectorRecord("v1", new float[] {1, 0}, Map.of())));
        try (Connection c = dataSource.getConnection()) {
            long partitionId;
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count, created_at, updated_at)
                    VALUES (?, ?, 'TENANT', 'lucene', ?, 'ACTIVE', 1, now(), now()) RETURNING id""")) {
                s.setString(1, collection);
                s.setString(2, tenant);
                s.setString(3, placementName);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    partitionId = rs.getLong(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at) VALUES (?, ?, 'v1', ?, now())")) {
                s.setString(1, tenant);
                s.setString(2, collection);
                s.setLong(3, partitionId);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE tenant_usage SET vectors = 1 WHERE tenant_id = ?")) {
                s.setString(1, tenant);
                s.executeUpdate();
            }
        }

        // Before the other replica's notification arrives, the write path does not rely on the cache.
        delete(key, collection, Map.of("ids", List.of("v1"))).statusCode(200).body("deleted", equalTo(1));
        assertThat(lucene.count(placement, null)).isZero();
        assertThat(usage(key)).isZero();
    }

    @Test
    void should_search_a_partition_another_replica_created_once_its_notification_arrives() throws Exception {
        String collection = createCollection("notified", 2, "L2");
        String tenant = createTenant("notified");
        String key = readWriteKey(tenant);
        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(200).body("partitions", hasSize(0)); // caches "none"

        String placementName = "t_notified_other";
        VectorBackend lucene = backends.get("lucene");
        Placement placement = Placement.dedicated(new CollectionSpec(collection, 2, Metric.L2), placementName, tenant);
        lucene.ensurePartition(placement);
        lucene.upsert(placement, List.of(new VectorRecord("v1", new float[] {1, 0}, Map.of())));
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count, created_at, updated_at)
                     VALUES (?, ?, 'TENANT', 'lucene', ?, 'ACTIVE', 1, now(), now())""");
             PreparedStatement notify = c.prepareStatement("SELECT pg_notify('pgw_changes', ?)")) {
            s.setString(1, collection);
            s.setString(2, tenant);
            s.setString(3, placementName);
            s.executeUpdate();
            // What the other replica's directory publishes when its insert commits.
            notify.setString(1, "DIRECTORY:" + collection + "/" + tenant);
            notify.execute();
        }

        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
        int seen;
        do {
            seen = search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(200).extract().path("results.size()");
        } while (seen == 0 && System.nanoTime() < deadline);
        assertThat(seen).as("results within a second of the notification").isEqualTo(1);
    }

    @Test
    void should_cut_work_into_chunks_of_the_backends_batch_size() {
        assertThat(VectorWriter.chunks(List.of(1, 2, 3, 4, 5), 2)).containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
        assertThat(VectorWriter.chunks(List.of(1, 2), 2)).containsExactly(List.of(1, 2));
        assertThat(VectorWriter.chunks(List.of(), 3)).isEmpty();
    }
}
