package dev.partitiongateway.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which failures mean "PostgreSQL cannot be reached right now" (503, retry) rather than a bug (500). */
class DatabaseOutageTest {

    @Test
    void should_recognise_connection_states_and_an_exhausted_pool_anywhere_in_the_cause_chain() {
        assertThat(DatabaseOutage.isCause(new IllegalStateException("write failed", new SQLException("closed", "08003")))).isTrue();
        assertThat(DatabaseOutage.isCause(new SQLException("terminating connection due to administrator command", "57P01"))).isTrue();
        assertThat(DatabaseOutage.isCause(new SQLException("too many connections", "53300"))).isTrue();
        assertThat(DatabaseOutage.isCause(new RuntimeException(new ConnectException("refused")))).isTrue();
        // Agroal's own words, without a SQLSTATE
        assertThat(DatabaseOutage.isCause(new IllegalStateException("x", new SQLException("Sorry, acquisition timeout!")))).isTrue();
    }

    @Test
    void should_recognise_pgjdbcs_assertion_error_whose_outage_is_only_a_suppressed_exception() {
        // What pgjdbc throws when the connection dies inside executeBatch, after our rollback added its failure.
        AssertionError batch = new AssertionError("pgStatement.getConnection().getAutoCommit() should not throw");
        batch.addSuppressed(new SQLException("This connection has been closed.", "08003"));
        assertThat(DatabaseOutage.isCause(batch)).isTrue();
    }

    @Test
    void should_not_take_bugs_or_constraint_violations_for_an_outage() {
        assertThat(DatabaseOutage.isCause(new IllegalStateException("bug"))).isFalse();
        assertThat(DatabaseOutage.isCause(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(DatabaseOutage.isCause(new SQLException("deadlock detected", "40P01"))).isFalse();
        AssertionError cyclic = new AssertionError("x");
        RuntimeException other = new RuntimeException("y", cyclic);
        cyclic.addSuppressed(other);
        assertThat(DatabaseOutage.isCause(other)).isFalse();
    }
}
