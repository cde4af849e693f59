package dev.partitiongateway.audit;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The audit log of admin actions, in PostgreSQL ({@code audit_log}). An entry is written after the action,
 * in the same request, before the response leaves: an operator who reads the log after an answer finds the
 * action in it. The action has happened (or failed) by then and is not undone if the entry cannot be
 * written: the failure is logged at ERROR with everything the entry held, and counted in
 * {@code gateway_audit_failures_total}, which an alert should watch.
 */
@ApplicationScoped
@Startup // its counter is exported from the start, at 0
public class AuditLog {

    private static final Logger LOG = Logger.getLogger(AuditLog.class);

    /**
     * One admin action.
     *
     * @param actor     who: {@code operator:configured}, {@code operator:key:<prefix>} or {@code tenant:<id>:key:<prefix>}
     * @param keyId     the key's id, {@code null} for the configured operator key
     * @param action    the operation (its operationId: createTenant, deleteCollection, reconcile...)
     * @param path      the request path with its query string
     * @param target    what it acted on: the created resource, else the path
     * @param status    the HTTP status it was answered with
     * @param code      the problem code of a refusal or failure, {@code null} on success
     * @param requestId the request's X-Request-Id
     */
    public record Entry(long id, Instant at, String actor, UUID keyId, String action, String method, String path, String target,
                        int status, String code, String requestId) {
    }

    private final AgroalDataSource dataSource;
    private final Counter failures;

    AuditLog(AgroalDataSource dataSource, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.failures = Counter.builder("gateway.audit.failures")
                .description("Admin actions whose audit entry could not be written (the action itself stands)").register(meters);
    }

    /** Writes an entry; never throws: a failure is logged and counted. Returns whether it was written. */
    public boolean record(Entry entry) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     INSERT INTO audit_log (at, actor, key_id, action, method, path, target, status, code, request_id)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            s.setTimestamp(1, Timestamp.from(entry.at()));
            s.setString(2, clip(entry.actor(), 200));
            s.setObject(3, entry.keyId());
            s.setString(4, clip(entry.action(), 64));
            s.setString(5, clip(entry.method(), 16));
            s.setString(6, clip(entry.path(), 2048));
            s.setString(7, clip(entry.target(), 2048));
            s.setInt(8, entry.status());
            s.setString(9, clip(entry.code(), 64));
            s.setString(10, clip(entry.requestId(), 128));
            s.executeUpdate();
            return true;
        } catch (SQLException | RuntimeException e) {
            failures.increment();
            LOG.errorf("AUDIT ENTRY LOST: could not write the audit entry of an admin action that %s: %s (action %s %s %s by %s, status %d)",
                    entry.status() < 400 ? "succeeded" : "failed", e.toString(), entry.action(), entry.method(), entry.path(), entry.actor(),
                    entry.status());
            return false;
        }
    }

    /**
     * A page of entries, newest first: those before entry {@code beforeId} ({@code null}: the newest),
     * at or after {@code since} ({@code null}: any time), of {@code action} ({@code null}: any).
     */
    public List<Entry> page(Long beforeId, Instant since, String action, int limit) {
        StringBuilder sql = new StringBuilder("SELECT id, at, actor, key_id, action, method, path, target, status, code, request_id FROM audit_log WHERE TRUE");
        List<Object> parameters = new ArrayList<>();
        if (beforeId != null) {
            sql.append(" AND id < ?");
            parameters.add(beforeId);
        }
        if (since != null) {
            sql.append(" AND at >= ?");
            parameters.add(Timestamp.from(since));
        }
        if (action != null) {
            sql.append(" AND action = ?");
            parameters.add(action);
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        parameters.add(limit);
        List<Entry> entries = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                s.setObject(i + 1, parameters.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    entries.add(new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getObject(4, UUID.class),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9), rs.getString(10),
                            rs.getString(11)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit log", e);
        }
        return entries;
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}
