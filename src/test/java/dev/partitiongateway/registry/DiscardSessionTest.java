package dev.partitiongateway.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** A connection whose locks could not be released is discarded: its locks go, and the pool keeps its size. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class DiscardSessionTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_release_the_sessions_locks_and_give_the_pool_its_slot_back_every_time() throws Exception {
        int max = dataSource.getConfiguration().connectionPoolConfiguration().maxSize();
        for (int i = 0; i < max + 8; i++) { // with a leaked slot per discard, the pool would be empty by now
            try (Connection c = dataSource.getConnection()) {
                WriteLocks.shareForWrite(c, "discarded", "discarded");
                WriteLocks.discardSession(c);
            }
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid IN (1885828865, 1885828866)")) {
            rs.next();
            assertThat(rs.getLong(1)).as("advisory locks left by discarded sessions").isZero();
        }
    }

    @Test
    void should_discard_a_connection_whose_session_was_already_killed() throws Exception {
        int max = dataSource.getConfiguration().connectionPoolConfiguration().maxSize();
        for (int i = 0; i < max + 8; i++) {
            try (Connection c = dataSource.getConnection()) {
                try (Connection admin = dataSource.getConnection(); Statement kill = admin.createStatement();
                     Statement pid = c.createStatement(); ResultSet rs = pid.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    kill.execute("SELECT pg_terminate_backend(" + rs.getInt(1) + ")");
                }
                WriteLocks.discardSession(c);
            }
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            assertThat(s.execute("SELECT 1")).isTrue();
        }
    }
}
