package dev.partitiongateway.stats;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Per-tenant gauges, one label set per tenant: {@code gateway_tenant_vectors} (usage) and
 * {@code gateway_tenant_quota_vectors} (maxVectors). Read from PostgreSQL in one query every
 * {@code gateway.metrics.refresh-interval}, never on a scrape; a deleted tenant's series are removed.
 */
@ApplicationScoped
public class TenantMeters {

    private static final Logger LOG = Logger.getLogger(TenantMeters.class);

    private static final class Series {
        volatile double vectors;
        volatile double quota;
        Gauge usageGauge;
        Gauge quotaGauge;
    }

    private final AgroalDataSource dataSource;
    private final MeterRegistry meters;
    private final Map<String, Series> exported = new HashMap<>();

    TenantMeters(AgroalDataSource dataSource, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.meters = meters;
    }

    @Scheduled(every = "${gateway.metrics.refresh-interval:15s}", delayed = "${gateway.metrics.refresh-interval:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        try {
            refresh();
        } catch (Exception e) {
            LOG.warnf("tenant gauges not refreshed (they keep their last values): %s", e.toString());
        }
    }

    /** Reads every tenant's usage and quota now; returns how many tenants are exported. */
    public synchronized int refresh() throws java.sql.SQLException {
        Map<String, double[]> read = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT t.id, t.max_vectors, COALESCE(u.vectors, 0) FROM tenants t LEFT JOIN tenant_usage u ON u.tenant_id = t.id")) {
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    read.put(rs.getString(1), new double[] {rs.getLong(3), rs.getLong(2)});
                }
            }
        }
        for (String gone : List.copyOf(exported.keySet())) {
            if (!read.containsKey(gone)) {
                Series s = exported.remove(gone);
                meters.remove(s.usageGauge);
                meters.remove(s.quotaGauge);
            }
        }
        read.forEach((tenant, values) -> {
            Series s = exported.computeIfAbsent(tenant, this::register);
            s.vectors = values[0];
            s.quota = values[1];
        });
        return exported.size();
    }

    private Series register(String tenant) {
        Series s = new Series();
        s.usageGauge = Gauge.builder("gateway.tenant.vectors", s, x -> x.vectors).tag("tenant", tenant)
                .description("Vectors the tenant holds (its usage against the quota)").register(meters);
        s.quotaGauge = Gauge.builder("gateway.tenant.quota.vectors", s, x -> x.quota).tag("tenant", tenant)
                .description("The tenant's quota: the most vectors it may hold").register(meters);
        return s;
    }
}
