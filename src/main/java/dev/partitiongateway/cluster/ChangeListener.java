package dev.partitiongateway.cluster;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Receives the {@link Change}s that any gateway process sharing the database commits, within
 * milliseconds, on one dedicated connection outside the pool (LISTEN needs a session of its own). If
 * that connection breaks, notifications sent meanwhile are lost: after reconnecting, every cache is
 * dropped once ({@link Change#everything()}), and until then the caches' TTL bounds staleness.
 */
@ApplicationScoped
public class ChangeListener {

    private static final Logger LOG = Logger.getLogger(ChangeListener.class);
    private static final int POLL_MILLIS = 500;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String url;
    private final Optional<String> user;
    private final Optional<String> password;
    private final Event<Change> changes;
    private volatile boolean running;
    private volatile boolean connected;
    private Thread thread;

    ChangeListener(@ConfigProperty(name = "quarkus.datasource.jdbc.url") String url,
                   @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
                   @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password,
                   Event<Change> changes) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.changes = changes;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::listen, "pgw-change-listener");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Whether notifications from other processes are being received now. */
    public boolean connected() {
        return connected;
    }

    private void listen() {
        long backoff = 100;
        boolean missedSome = false;
        while (running) {
            try (Connection c = DriverManager.getConnection(url, user.orElse(null), password.orElse(null))) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + ChangeNotifier.CHANNEL);
                }
                connected = true;
                backoff = 100;
                if (missedSome) {
                    LOG.info("change notifications restored; dropping every cache once for what was missed");
                    changes.fire(Change.everything());
                    missedSome = false;
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] received = pg.getNotifications(POLL_MILLIS);
                    if (received != null) {
                        for (PGNotification n : received) {
                            Change.fromWire(n.getParameter()).ifPresent(this::apply);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    if (!missedSome) {
                        LOG.warnf("change notifications interrupted (%s); caches fall back to their TTL until reconnected", e.getMessage());
                    }
                    missedSome = true;
                }
            } finally {
                connected = false;
            }
            if (running) {
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    private void apply(Change change) {
        try {
            changes.fire(change);
        } catch (RuntimeException e) {
            LOG.warnf(e, "applying %s failed", change);
        }
    }
}
