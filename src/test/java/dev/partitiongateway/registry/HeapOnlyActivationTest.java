package dev.partitiongateway.registry;

import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Making a write's rows ACTIVE is the registry's most frequent update: every new id of every upsert. It
 * changes no indexed column and the table leaves room on its pages, so each row's new version is a
 * heap-only (HOT) update: no index entry is written, about a third of the WAL of a full update. An index
 * that names {@code state}, {@code write_id} or {@code updated_at}, or pages packed full, makes this fail.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class HeapOnlyActivationTest {

    private static final int IDS = 500;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_make_a_writes_500_rows_active_with_heap_only_updates_and_then_forget_its_ledger_entry() throws Exception {
        Written written = writtenOnce("hot");
        String tenant = written.tenant();
        String collection = written.collection();
        long partition = written.partition();
        try (Connection c = dataSource.getConnection()) {
            Map<String, Long> targets = new LinkedHashMap<>();
            for (int i = 0; i < IDS; i++) {
                targets.put("id-" + i, partition);
            }
            UUID write = UUID.randomUUID();
            c.setAutoCommit(false);
            try {
                assertThat(VectorRegistry.registerPending(c, tenant, collection, targets, write)).hasSize(IDS);
                assertThat(VectorRegistry.pending(c, tenant, collection)).hasSize(IDS);
                c.commit(); // as a write's first transaction does: its rows are on pages other sessions see

                Map<String, VectorRegistry.Row> rows = VectorRegistry.lock(c, tenant, collection, targets.keySet());
                assertThat(rows.values()).allMatch(VectorRegistry.Row::pending);
                long[] before = updates(c);
                VectorRegistry.activateLocked(c, tenant, collection, rows);
                long[] after = updates(c);
                assertThat(after[0] - before[0]).as("rows updated").isEqualTo(IDS);
                assertThat(after[1] - before[1]).as("of them heap-only").isEqualTo(IDS);

                VectorRegistry.finish(c, write);
                assertThat(VectorRegistry.pending(c, tenant, collection)).isEmpty();
                assertThat(VectorRegistry.lock(c, tenant, collection, targets.keySet()).values()).noneMatch(VectorRegistry.Row::pending);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
                VectorRegistry.abandonPending(c, tenant, collection, targets.keySet(), write); // a write that failed
                VectorRegistry.finish(c, write);
            }
        }
    }

    /** Row ids that no longer name the rows' current versions (here: this transaction moved them) still make every row ACTIVE. */
    @Test
    void should_make_rows_active_by_their_keys_when_their_row_ids_are_stale() throws Exception {
        Written w = writtenOnce("stale");
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Map<String, Long> targets = Map.of("a", w.partition(), "b", w.partition());
                VectorRegistry.registerPending(c, w.tenant(), w.collection(), targets, UUID.randomUUID());
                Map<String, VectorRegistry.Row> rows = VectorRegistry.lock(c, w.tenant(), w.collection(), List.of("a", "b"));
                // a new version of a, at a new row id
                VectorRegistry.repoint(c, w.tenant(), w.collection(), Map.of("a", w.partition()));
                VectorRegistry.activateLocked(c, w.tenant(), w.collection(), rows);
                assertThat(VectorRegistry.lock(c, w.tenant(), w.collection(), List.of("a", "b")).values())
                        .noneMatch(VectorRegistry.Row::pending);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    /** This transaction's updates of the registry: all of them, and the heap-only ones. */
    private static long[] updates(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'public.vector_registry'::regclass");
             ResultSet rs = s.executeQuery()) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {0, 0};
        }
    }

    /** A new tenant and a new collection, one vector written through the API: its partition exists. */
    private record Written(String tenant, String collection, long partition) {
    }

    private Written writtenOnce(String name) throws SQLException {
        String tenant = createTenant(name);
        String collection = Collections.create(name, 2, "L2", Map.of("strategy", "TENANT"));
        upsert(readWriteKey(tenant), collection, List.of(Map.of("id", "first", "values", List.of(1, 0)))).statusCode(200);
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT partition_id FROM vector_registry WHERE tenant_id = ? AND collection = ? AND external_id = 'first'")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return new Written(tenant, collection, rs.getLong(1));
            }
        }
    }
}
