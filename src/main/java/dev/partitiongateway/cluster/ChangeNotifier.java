package dev.partitiongateway.cluster;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Publishes a {@link Change} with the transaction that makes it. PostgreSQL delivers a NOTIFY only
 * when its transaction commits, so other processes never drop a cache entry for a change that rolled
 * back, and never miss one that committed while they were connected ({@link ChangeListener}). This
 * process applies the change right after the commit, without waiting for its own notification.
 */
@ApplicationScoped
public class ChangeNotifier {

    static final String CHANNEL = "pgw_changes";

    private final AgroalDataSource dataSource;
    private final TransactionSynchronizationRegistry transactions;
    private final Event<Change> local;

    ChangeNotifier(AgroalDataSource dataSource, TransactionSynchronizationRegistry transactions, Event<Change> local) {
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.local = local;
    }

    /**
     * For a change already committed on {@code c} (in auto-commit mode, outside any JTA transaction):
     * notifies every process now and applies it here.
     */
    public void publishCommitted(Connection c, Change change) {
        try (PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, change.wire());
            notify.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot publish " + change, e);
        }
        local.fire(change);
    }

    /** Must be called inside the transaction that makes the change. */
    public void publish(Change change) {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            throw new IllegalStateException("a change is published inside the transaction that makes it");
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, change.wire());
            notify.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot publish " + change, e);
        }
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    local.fire(change);
                }
            }
        });
    }
}
