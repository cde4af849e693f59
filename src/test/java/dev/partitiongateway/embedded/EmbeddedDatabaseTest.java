package dev.partitiongateway.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

    @TempDir
    Path dataDir;

    @Test
    void should_apply_every_migration_to_an_empty_database_and_keep_data_across_a_restart() throws Exception {
        Path pgDir = dataDir.resolve("postgres");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(pgDir)) {
            MigrateResult result = flyway(db).migrate();
            assertThat(result.success).isTrue();
            assertThat(result.migrationsExecuted).isEqualTo(flyway(db).info().all().length);
            assertThat(tables(db)).contains("tenants", "tenant_usage", "api_keys", "collections", "partitions", "vector_registry");
            sql(db, "INSERT INTO tenants (id, name, status, max_vectors, created_at, updated_at) "
                    + "VALUES ('survivor', 'Survivor', 'ACTIVE', 10, now(), now())");
        }
        assertThat(pgDir.resolve("postgresql.conf")).exists();

        try (EmbeddedDatabase db = EmbeddedDatabase.start(pgDir)) {
            assertThat(flyway(db).info().pending()).isEmpty();
            assertThat(query(db, "SELECT name FROM tenants WHERE id = 'survivor'")).isEqualTo("Survivor");
        }
    }

    /**
     * V12 moves "which rows are pending" from an index on {@code state} to a ledger of writes: the PENDING
     * rows an older gateway left (a write that died) must each be named by a ledger entry of their write,
     * or the reconciler would never settle them and their reserved quota would stay reserved.
     */
    @Test
    void should_name_every_pending_row_left_by_an_older_gateway_in_the_ledger_of_writes() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.start(dataDir.resolve("postgres"))) {
            Flyway.configure().dataSource(db.jdbcUrl(), EmbeddedDatabase.USER, null).locations("classpath:db/migration")
                    .target("11").load().migrate();
            sql(db, "INSERT INTO tenants (id, name, status, max_vectors, created_at, updated_at) "
                    + "VALUES ('t', 'T', 'ACTIVE', 10, now(), now())");
            sql(db, "INSERT INTO collections (name, dimension, metric, backend, strategy, partitioning, created_at, updated_at) "
                    + "VALUES ('c', 2, 'L2', 'lucene', 'TENANT', '{}', now(), now())");
            sql(db, "INSERT INTO partitions (id, collection, tenant_id, strategy, backend, placement, state, created_at, updated_at) "
                    + "VALUES (1, 'c', 't', 'TENANT', 'lucene', 'p1', 'ACTIVE', now(), now())");
            sql(db, "INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at, state, write_id) VALUES "
                    + "('t', 'c', 'active', 1, now(), 'ACTIVE', NULL), "
                    + "('t', 'c', 'a', 1, now(), 'PENDING', '00000000-0000-0000-0000-00000000000a'), "
                    + "('t', 'c', 'b', 1, now(), 'PENDING', '00000000-0000-0000-0000-00000000000a'), "
                    + "('t', 'c', 'other', 1, now(), 'PENDING', '00000000-0000-0000-0000-00000000000b'), "
                    + "('t', 'c', 'no-write', 1, now(), 'PENDING', NULL)");

            assertThat(flyway(db).migrate().success).isTrue();

            assertThat(queryAll(db, "SELECT write_id || ' ' || array_to_string(ids, ',') FROM pending_writes "
                    + "WHERE write_id IN ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000b') ORDER BY 1"))
                    .containsExactly("00000000-0000-0000-0000-00000000000a a,b", "00000000-0000-0000-0000-00000000000b other");
            assertThat(queryAll(db, "SELECT r.external_id FROM vector_registry r JOIN pending_writes p ON p.write_id = r.write_id "
                    + "AND r.external_id = ANY (p.ids) AND p.tenant_id = r.tenant_id AND p.collection = r.collection ORDER BY 1"))
                    .as("every pending row, the one without a write id too, named by its write's entry")
                    .containsExactly("a", "b", "no-write", "other");
            assertThat(query(db, "SELECT count(*) FROM pending_writes")).isEqualTo("3");
            assertThat(query(db, "SELECT count(*) FROM pg_indexes WHERE tablename = 'vector_registry' AND indexdef LIKE '%state%'"))
                    .isEqualTo("0");
            assertThat(query(db, "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'vector_registry'"))
                    .isEqualTo("fillfactor=50");
        }
    }

    @Test
    void should_run_durably_with_fsync_and_synchronous_commit_on() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.start(dataDir.resolve("postgres"))) {
            assertThat(query(db, "SHOW fsync")).isEqualTo("on");
            assertThat(query(db, "SHOW synchronous_commit")).isEqualTo("on");
            assertThat(query(db, "SHOW full_page_writes")).isEqualTo("on");
        }
    }

    @Test
    void should_refuse_a_second_process_on_the_same_directory_with_a_clear_error() {
        try (EmbeddedDatabase first = EmbeddedDatabase.start(dataDir.resolve("postgres"))) {
            assertThatThrownBy(() -> EmbeddedDatabase.start(dataDir.resolve("postgres")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("another gateway process");
            assertThat(first.port()).isPositive();
        }
    }

    @Test
    void should_stop_the_server_a_killed_gateway_left_running_and_start_again_with_its_data() throws Exception {
        Path pgDir = dataDir.resolve("postgres");
        Process child = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                OrphanedDatabaseChild.class.getName(), pgDir.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("READY")) {
                // start-up logging
            }
            assertThat(line).as("the child started its database").startsWith("READY");
        }
        long orphanPid = Long.parseLong(Files.readAllLines(pgDir.resolve("postmaster.pid")).get(0).trim());
        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9: the server survives its parent
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).as("the orphaned server").contains(true);

        long started = System.nanoTime();
        try (EmbeddedDatabase db = EmbeddedDatabase.start(pgDir)) {
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).as("seconds to start").isLessThan(45);
            assertThat(ProcessHandle.of(orphanPid).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(query(db, "SELECT 1")).isEqualTo("1");
        }
    }

    @Test
    void should_refuse_to_touch_a_server_on_the_directory_that_the_gateway_did_not_start() throws Exception {
        Path pgDir = dataDir.resolve("postgres");
        try (EmbeddedPostgres foreign = EmbeddedPostgres.builder().setDataDirectory(pgDir).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false).start()) {
            assertThatThrownBy(() -> EmbeddedDatabase.start(pgDir))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("did not start");
            assertThat(foreign.getPostgresDatabase().getConnection().isValid(5)).isTrue();
        }
    }

    @Test
    void should_remove_a_lock_file_that_names_a_process_which_is_now_another_program() throws Exception {
        Path pgDir = dataDir.resolve("postgres");
        EmbeddedDatabase.start(pgDir).close();
        // What a reboot can leave: postmaster.pid naming a pid that now belongs to something else (here, this JVM).
        Files.writeString(pgDir.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + pgDir + "\n");

        try (EmbeddedDatabase db = EmbeddedDatabase.start(pgDir)) {
            assertThat(query(db, "SELECT 1")).isEqualTo("1");
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Flyway flyway(EmbeddedDatabase db) {
        return Flyway.configure().dataSource(db.jdbcUrl(), EmbeddedDatabase.USER, null)
                .locations("classpath:db/migration").load();
    }

    private static void sql(EmbeddedDatabase db, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static List<String> queryAll(EmbeddedDatabase db, String statement) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(statement)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    private static String query(EmbeddedDatabase db, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(statement)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static List<String> tables(EmbeddedDatabase db) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

}
