package dev.partitiongateway.jobs;

import dev.partitiongateway.catalog.LifecyclePolicy;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * The lifecycle policy in action: for every collection with a policy, enqueues a split of each active
 * partition above {@code splitAboveVectors}, an archive of each active partition neither searched nor
 * written for {@code archiveAfterIdleDays} (as the partition statistics record it, across restarts;
 * a partition never touched counts from its creation), and deletes archives older than
 * {@code deleteArchivesAfterDays} (never a partition's only copy). Scheduled rounds run once across all
 * gateway processes ({@link ScheduledRounds}); {@code POST /v1/admin/maintenance} runs one now. The
 * jobs themselves run on the job engine; a partition that already has an unfinished job is skipped.
 */
@ApplicationScoped
public class MaintenancePass {

    private static final Logger LOG = Logger.getLogger(MaintenancePass.class);
    static final String ROUND = "maintenance";

    /** What a pass did: the jobs it created, the partitions it left alone and why, the archives it deleted. */
    public record Report(List<Job> jobs, List<Map<String, Object>> skipped, List<Long> archivesDeleted) {
    }

    private final AgroalDataSource dataSource;
    private final SplitJob splits;
    private final ArchiveJob archives;
    private final ArchiveCatalog archiveCatalog;
    private final ScheduledRounds rounds;
    private final GatewayConfig.Maintenance config;

    MaintenancePass(AgroalDataSource dataSource, SplitJob splits, ArchiveJob archives, ArchiveCatalog archiveCatalog,
                    ScheduledRounds rounds, GatewayConfig config) {
        this.dataSource = dataSource;
        this.splits = splits;
        this.archives = archives;
        this.archiveCatalog = archiveCatalog;
        this.rounds = rounds;
        this.config = config.maintenance();
    }

    @Scheduled(every = "${gateway.maintenance.interval:5m}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (!config.enabled()) {
            return;
        }
        OptionalLong round = rounds.claim(ROUND, config.interval());
        if (round.isEmpty()) {
            return;
        }
        try {
            Report report = run("maintenance");
            LOG.infof("maintenance round %d by %s: %d jobs, %d archives deleted", round.getAsLong(), rounds.runner(),
                    report.jobs().size(), report.archivesDeleted().size());
        } catch (RuntimeException e) {
            LOG.warnf("maintenance round %d failed, the next one tries again: %s", round.getAsLong(), e.toString());
        }
    }

    /** One pass over every collection with a lifecycle policy. */
    public Report run(String requestedBy) {
        List<Job> created = new ArrayList<>();
        List<Map<String, Object>> skipped = new ArrayList<>();
        List<Long> deleted = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            for (Map.Entry<String, LifecyclePolicy> e : policies(c).entrySet()) {
                String collection = e.getKey();
                LifecyclePolicy policy = e.getValue();
                if (policy.splitAboveVectors() != null) {
                    for (String placement : overThreshold(c, collection, policy.splitAboveVectors())) {
                        start(created, skipped, collection, placement, "split",
                                () -> splits.request(collection, placement, policy.splitIntoOrDefault(), requestedBy));
                    }
                }
                if (policy.archiveAfterIdleDays() != null) {
                    for (String placement : idle(c, collection, policy.archiveAfterIdleDays())) {
                        start(created, skipped, collection, placement, "archive", () -> archives.request(collection, placement, requestedBy));
                    }
                }
                if (policy.deleteArchivesAfterDays() != null) {
                    deleted.addAll(archiveCatalog.deleteExpired(collection, policy.deleteArchivesAfterDays()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("maintenance pass failed in the database", e);
        }
        return new Report(created, skipped, deleted);
    }

    private static void start(List<Job> created, List<Map<String, Object>> skipped, String collection, String placement, String action,
                              java.util.function.Supplier<Job> request) {
        try {
            created.add(request.get());
        } catch (ApiException refused) {
            Map<String, Object> why = new LinkedHashMap<>();
            why.put("collection", collection);
            why.put("partition", placement);
            why.put("action", action);
            why.put("reason", refused.getMessage());
            skipped.add(why);
        }
    }

    private static Map<String, LifecyclePolicy> policies(Connection c) throws SQLException {
        Map<String, LifecyclePolicy> policies = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT name, lifecycle ->> 'splitAboveVectors', lifecycle ->> 'splitInto', lifecycle ->> 'archiveAfterIdleDays',
                       lifecycle ->> 'deleteArchivesAfterDays'
                FROM collections WHERE lifecycle <> '{}'::jsonb ORDER BY name""");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                policies.put(rs.getString(1), new LifecyclePolicy(number(rs.getString(2)), integer(rs.getString(3)), integer(rs.getString(4)),
                        integer(rs.getString(5)), false));
            }
        }
        return policies;
    }

    /** Active partitions of the collection with more vectors than the threshold, largest first. */
    private static List<String> overThreshold(Connection c, String collection, long threshold) throws SQLException {
        return placements(c, """
                SELECT placement FROM partitions p WHERE collection = ? AND state = 'ACTIVE' AND partition_vectors(id, vector_count) > ?
                ORDER BY partition_vectors(id, vector_count) DESC, id""", collection, threshold);
    }

    /** Active partitions with vectors, neither searched nor written for {@code days} (never: since creation), oldest first. */
    private static List<String> idle(Connection c, String collection, int days) throws SQLException {
        return placements(c, """
                SELECT p.placement FROM partitions p LEFT JOIN partition_stats s ON s.partition_id = p.id
                WHERE p.collection = ? AND p.state = 'ACTIVE' AND partition_vectors(p.id, p.vector_count) > 0
                  AND greatest(coalesce(s.last_query_at, p.created_at), coalesce(s.last_write_at, p.created_at), p.created_at)
                      < now() - make_interval(days => ?)
                ORDER BY p.id""", collection, days);
    }

    private static List<String> placements(Connection c, String sql, String collection, long value) throws SQLException {
        List<String> placements = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, collection);
            if (sql.contains("make_interval")) {
                s.setInt(2, (int) value);
            } else {
                s.setLong(2, value);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    placements.add(rs.getString(1));
                }
            }
        }
        return placements;
    }

    private static Long number(String text) {
        return text == null ? null : Long.parseLong(text);
    }

    private static Integer integer(String text) {
        return text == null ? null : Integer.parseInt(text);
    }
}
