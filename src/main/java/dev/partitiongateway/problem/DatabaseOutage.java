package dev.partitiongateway.problem;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;

/**
 * Tells a failure that means "PostgreSQL cannot be reached right now" (the request may succeed when
 * retried) from one that means a bug, by walking the cause chain that JDBC, Agroal, Hibernate and
 * the transaction manager wrap it in.
 */
public final class DatabaseOutage {

    private DatabaseOutage() {
    }

    public static boolean isCause(Throwable failure) {
        return isCause(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /**
     * Also walks suppressed exceptions: when a connection dies inside a batch, pgjdbc throws an
     * {@code AssertionError} ("getAutoCommit() should not throw") whose only trace of the outage is
     * the "connection has been closed" exception added to it as suppressed by the rollback that followed.
     */
    private static boolean isCause(Throwable failure, Set<Throwable> seen) {
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && isOutageState(sql.getSQLState())) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() == null && sql.getMessage() != null
                    && sql.getMessage().toLowerCase(Locale.ROOT).contains("acquisition timeout")) {
                return true; // Agroal ("Sorry, acquisition timeout!"): every connection is in use, past the acquisition timeout
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (isCause(suppressed, seen)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * SQLSTATE classes of a server that is gone or refusing work: 08 connection exceptions, 57P
     * operator intervention (shutdown, crash recovery), 53 insufficient resources (too many connections).
     */
    private static boolean isOutageState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53"));
    }
}
