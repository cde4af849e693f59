package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.DataApi.createCollection;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each state a crash (or a backend that lost data) can leave between the registry, the quota and the
 * backend, built directly, and the one reconciler pass that must restore exact agreement.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ReconcilerTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    BackendRegistry backends;
    @Inject
    Reconciler reconciler;

    String collection;
    String tenant;
    String key;
    Placement placement;
    long partitionId;
    VectorBackend lucene;

    @BeforeEach
    void tenantWithTwoVectors() throws Exception {
        collection = createCollection("reconciled", 2, "L2");
        tenant = createTenant(uniqueTenantId("crashed"), 100);
        key = readWriteKey(tenant);
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        partitionId = longQuery("SELECT id FROM partitions WHERE collection = ? AND tenant_id = ?", collection, tenant);
        String name = stringQuery("SELECT placement FROM partitions WHERE id = ?", partitionId);
        placement = Placement.dedicated(new CollectionSpec(collection, 2, Metric.L2), name, tenant);
        lucene = backends.get("lucene");
    }

    @Test
    void should_confirm_a_pending_write_the_backend_holds_and_abandon_one_it_does_not() throws Exception {
        // A write that died after registering its ids and writing the backend, and one that died before writing it.
        registerPending("landed", partitionId, 1);
        lucene.upsert(placement, List.of(new VectorRecord("landed", new float[] {1, 1}, Map.of())));
        registerPending("never_written", partitionId, 1);
        assertThat(usage(key)).isEqualTo(4);

        Reconciler.Report report = reconcile();

        assertThat(report.pendingConfirmed()).isEqualTo(1);
        assertThat(report.pendingAbandoned()).isEqualTo(1);
        assertAgreement(List.of("a", "b", "landed"));
    }

    @Test
    void should_delete_records_the_backend_holds_that_no_write_registered() {
        lucene.upsert(placement, List.of(new VectorRecord("orphan", new float[] {3, 3}, Map.of())));

        assertThat(reconcile().orphansDeleted()).isEqualTo(1);
        assertAgreement(List.of("a", "b"));
    }

    @Test
    void should_unregister_what_the_backend_lost_and_give_its_quota_back() {
        lucene.delete(placement, List.of("b"));

        assertThat(reconcile().lostUnregistered()).isEqualTo(1);
        assertAgreement(List.of("a"));
        upsert(key, collection, List.of(vector("b", 0, 1))).statusCode(200).body("inserted", equalTo(1));
    }

    @Test
    void should_recreate_a_placement_the_backend_lost_whole() {
        lucene.dropPartition(placement);

        assertThat(reconcile().lostUnregistered()).isEqualTo(2);
        assertAgreement(List.of());
        upsert(key, collection, List.of(vector("c", 1, 1))).statusCode(200);
        assertAgreement(List.of("c"));
    }

    @Test
    void should_correct_usage_left_too_high_by_a_reservation_that_was_never_given_back() throws Exception {
        execute("UPDATE tenant_usage SET vectors = vectors + 5 WHERE tenant_id = ?", tenant);
        execute("UPDATE partitions SET vector_count = 7 WHERE id = ?", partitionId);

        Reconciler.Report report = reconcile();

        assertThat(report.usageCorrected()).isEqualTo(1);
        assertThat(report.countsCorrected()).isEqualTo(1);
        assertAgreement(List.of("a", "b"));
    }

    @Test
    void should_delete_a_stale_copy_left_in_the_partition_a_vector_moved_out_of() throws Exception {
        // A second partition of the tenant holding a copy of "a", which the registry places in the first.
        long other = longQuery("""
                INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count, created_at, updated_at)
                VALUES (?, ?, 'TENANT_TIME', 'lucene', ?, 'ACTIVE', 0, now(), now()) RETURNING id""",
                collection, tenant, placement.name() + "_old");
        Placement old = Placement.dedicated(placement.collection(), placement.name() + "_old", tenant);
        lucene.ensurePartition(old);
        lucene.upsert(old, List.of(new VectorRecord("a", new float[] {9, 9}, Map.of())));

        assertThat(reconcile().staleCopiesDeleted()).isEqualTo(1);
        assertThat(lucene.count(old, null)).isZero();
        assertThat(other).isPositive();
        fetch(key, collection, "a").statusCode(200).body("values[0]", equalTo(1.0f));
    }

    @Test
    void should_report_a_pass_already_running_elsewhere_with_409() throws Exception {
        try (Connection other = dataSource.getConnection();
             PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_lock(?, 0)")) {
            lock.setInt(1, 0x70677703);
            lock.execute();
            try {
                asOperator().post("/v1/admin/reconcile").then().statusCode(409).body("code", equalTo("CONFLICT"));
                assertThat(reconciler.reconcile(Optional.empty()).ran()).isFalse();
            } finally {
                try (PreparedStatement unlock = other.prepareStatement("SELECT pg_advisory_unlock(?, 0)")) {
                    unlock.setInt(1, 0x70677703);
                    unlock.execute();
                }
            }
        }
        asOperator().post("/v1/admin/reconcile?collection=" + collection).then().statusCode(200).body("ran", equalTo(true));
    }

    @Test
    void should_count_repairs_in_prometheus() {
        lucene.upsert(placement, List.of(new VectorRecord("orphan2", new float[] {3, 3}, Map.of())));
        double before = repairs("orphan_deleted");

        reconcile();

        assertThat(repairs("orphan_deleted")).isEqualTo(before + 1);
    }

    // ---------------------------------------------------------------- helpers

    private Reconciler.Report reconcile() {
        return asOperator().post("/v1/admin/reconcile?collection=" + collection).then().statusCode(200)
                .extract().as(Reconciler.Report.class);
    }

    /** Registry, usage, partition count and backend all say exactly these ids. */
    private void assertAgreement(List<String> expected) {
        try {
            assertThat(stringList("SELECT external_id FROM vector_registry WHERE tenant_id = ? ORDER BY external_id", tenant))
                    .containsExactlyElementsOf(expected.stream().sorted().toList());
            assertThat(longQuery("SELECT count(*) FROM vector_registry WHERE tenant_id = ? AND state = 'PENDING'", tenant)).isZero();
            assertThat(longQuery("SELECT count(*) FROM pending_writes WHERE tenant_id = ?", tenant)).as("ledger entries left").isZero();
            assertThat(longQuery("SELECT partition_vectors(id, vector_count) FROM partitions WHERE id = ?", partitionId)).isEqualTo(expected.size());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(usage(key)).isEqualTo(expected.size());
        assertThat(lucene.count(placement, null)).isEqualTo(expected.size());
        List<String> found = search(key, collection, Map.of("vector", List.of(1, 1), "topK", 100)).statusCode(200)
                .extract().path("results.id");
        assertThat(found).containsExactlyInAnyOrderElementsOf(expected);
    }

    private double repairs(String kind) {
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("gateway_reconciler_repairs_total{") && l.contains("kind=\"" + kind + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** What a write that died after its first transaction leaves: a PENDING row, its ledger entry, its reserved quota. */
    private void registerPending(String id, long partition, long reserve) throws Exception {
        UUID write = UUID.randomUUID();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at, state, write_id)
                     VALUES (?, ?, ?, ?, now(), 'PENDING', ?)""");
             PreparedStatement ledger = c.prepareStatement(
                     "INSERT INTO pending_writes (write_id, tenant_id, collection, ids) VALUES (?, ?, ?, ARRAY[?])");
             PreparedStatement u = c.prepareStatement("UPDATE tenant_usage SET vectors = vectors + ? WHERE tenant_id = ?")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            s.setString(3, id);
            s.setLong(4, partition);
            s.setObject(5, write);
            s.executeUpdate();
            bind(ledger, write, tenant, collection, id);
            ledger.executeUpdate();
            u.setLong(1, reserve);
            u.setString(2, tenant);
            u.executeUpdate();
        }
    }

    private void execute(String sql, Object... args) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            s.executeUpdate();
        }
    }

    private long longQuery(String sql, Object... args) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private String stringQuery(String sql, Object... args) throws Exception {
        return stringList(sql, args).get(0);
    }

    private List<String> stringList(String sql, Object... args) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            List<String> values = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    private static void bind(PreparedStatement s, Object... args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
    }
}
