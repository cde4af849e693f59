package dev.partitiongateway.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
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
            try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT name FROM tenants WHERE id = 'survivor'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("Survivor");
            }
        }
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
