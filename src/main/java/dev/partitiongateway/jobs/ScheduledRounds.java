package dev.partitiongateway.jobs;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Rounds of scheduled work that run once across every gateway process sharing the database: when
 * schedules fire together on several processes, the one whose conditional update moves the round
 * forward runs it, and the others skip it. No in-memory flag, no lock held while the work runs.
 */
@ApplicationScoped
public class ScheduledRounds {

    private final AgroalDataSource dataSource;
    private final String runner = ManagementFactory.getRuntimeMXBean().getName();

    ScheduledRounds(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The round this process won, or empty if another process started one less than {@code interval} ago. */
    public OptionalLong claim(String name, Duration interval) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement create = c.prepareStatement("""
                    INSERT INTO scheduled_rounds (name, round, started_at) VALUES (?, 0, '-infinity') ON CONFLICT DO NOTHING""")) {
                create.setString(1, name);
                create.executeUpdate();
            }
            // Slightly less than the interval, so that a schedule firing a little early still finds its round.
            try (PreparedStatement claim = c.prepareStatement("""
                    UPDATE scheduled_rounds SET round = round + 1, started_at = now(), runner = ?
                    WHERE name = ? AND started_at <= now() - make_interval(secs => ?) RETURNING round""")) {
                claim.setString(1, runner);
                claim.setString(2, name);
                claim.setDouble(3, interval.toMillis() * 0.9 / 1000.0);
                try (ResultSet rs = claim.executeQuery()) {
                    return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot claim a round of " + name, e);
        }
    }

    /** This process's name in {@code scheduled_rounds.runner}. */
    public String runner() {
        return runner;
    }
}
