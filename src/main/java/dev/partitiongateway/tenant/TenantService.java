package dev.partitiongateway.tenant;

import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.cluster.ChangeNotifier;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.registry.WriteLocks;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Tenant lifecycle. Every change reaches every gateway process's caches when it commits. */
@ApplicationScoped
public class TenantService {

    /** Fired inside the deleting transaction, before the tenant row goes, so owners of tenant data can remove it. */
    public record TenantDeleting(String tenantId) {
    }

    private final GatewayConfig config;
    private final Event<TenantDeleting> deleting;
    private final ChangeNotifier changes;
    private final AgroalDataSource dataSource;

    TenantService(GatewayConfig config, Event<TenantDeleting> deleting, ChangeNotifier changes, AgroalDataSource dataSource) {
        this.config = config;
        this.deleting = deleting;
        this.changes = changes;
        this.dataSource = dataSource;
    }

    /** @param limits the tenant's own limits; {@code null} fields (or {@code null}) mean the configured defaults */
    @Transactional
    public Tenant create(String id, String name, Long maxVectors, TenantView.Limits limits) {
        if (Tenant.findById(id) != null) {
            throw ApiException.conflict("tenant '" + id + "' already exists");
        }
        Instant now = Instant.now();
        Tenant t = new Tenant();
        t.id = id;
        t.uid = UUID.randomUUID();
        t.name = name == null || name.isBlank() ? id : name;
        t.status = TenantStatus.ACTIVE;
        t.maxVectors = maxVectors == null ? config.tenants().defaultMaxVectors() : maxVectors;
        setLimits(t, limits);
        t.createdAt = now;
        t.updatedAt = now;
        t.persist();
        TenantUsage usage = new TenantUsage();
        usage.tenantId = id;
        usage.vectors = 0;
        usage.updatedAt = now;
        usage.persist();
        changes.publish(Change.tenant(id));
        return t;
    }

    /** Up to {@code limit} tenants in id order, after {@code afterId} ({@code null}: from the first). */
    public List<Tenant> page(String afterId, int limit) {
        return afterId == null
                ? Tenant.find("order by id").page(0, limit).list()
                : Tenant.find("id > ?1 order by id", afterId).page(0, limit).list();
    }

    /** Vectors held by each of these tenants (absent: none). */
    public java.util.Map<String, Long> usedVectors(java.util.Collection<String> tenantIds) {
        java.util.Map<String, Long> used = new java.util.HashMap<>();
        if (!tenantIds.isEmpty()) {
            TenantUsage.<TenantUsage>list("tenantId in ?1", tenantIds).forEach(u -> used.put(u.tenantId, u.vectors));
        }
        return used;
    }

    public Tenant get(String id) {
        Tenant t = Tenant.findById(id);
        if (t == null) {
            throw ApiException.notFound("tenant '" + id + "'");
        }
        return t;
    }

    public long usedVectors(String tenantId) {
        TenantUsage u = TenantUsage.findById(tenantId);
        return u == null ? 0 : u.vectors;
    }

    /** The limits that apply to the tenant: its own where it has them, else the configured defaults. */
    public TenantView.Limits effectiveLimits(Tenant t) {
        GatewayConfig.Tenants defaults = config.tenants();
        return new TenantView.Limits(
                t.requestsPerSecond != null ? t.requestsPerSecond : defaults.requestsPerSecond(),
                t.vectorsPerSecond != null ? t.vectorsPerSecond : defaults.vectorsPerSecond(),
                t.maxConcurrentRequests != null ? t.maxConcurrentRequests : defaults.maxConcurrentRequests());
    }

    private static void setLimits(Tenant t, TenantView.Limits limits) {
        TenantView.Limits own = limits == null ? TenantView.Limits.DEFAULTS : limits;
        t.requestsPerSecond = own.requestsPerSecond();
        t.vectorsPerSecond = own.vectorsPerSecond();
        t.maxConcurrentRequests = own.maxConcurrentRequests();
    }

    /**
     * Changes what is given ({@code null}: unchanged). {@code limits}, when given, replaces the tenant's
     * limits whole: a field it leaves {@code null} goes back to the default.
     */
    @Transactional
    public Tenant update(String id, String name, Long maxVectors, TenantStatus status, TenantView.Limits limits) {
        Tenant t = Tenant.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (t == null) {
            throw ApiException.notFound("tenant '" + id + "'");
        }
        if (name != null) {
            t.name = name;
        }
        if (maxVectors != null) {
            t.maxVectors = maxVectors;
        }
        if (status != null) {
            t.status = status;
        }
        if (limits != null) {
            setLimits(t, limits);
        }
        t.updatedAt = Instant.now();
        changes.publish(Change.tenant(id));
        return t;
    }

    /**
     * Deletes the tenant with its keys, partitions and vectors. Holds the tenant exclusive (see
     * {@link WriteLocks}): its writes in flight finish first and later ones find it gone, so nothing
     * is written for it after its data is removed. Its keys stop working on every gateway process.
     */
    @Transactional
    public void delete(String id) {
        try (Connection c = dataSource.getConnection()) {
            WriteLocks.excludeTenantWrites(c, id);
            Tenant t = Tenant.findById(id, LockModeType.PESSIMISTIC_WRITE);
            if (t == null) {
                throw ApiException.notFound("tenant '" + id + "'");
            }
            deleting.fire(new TenantDeleting(id));
            t.delete();
            changes.publish(Change.tenant(id));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete tenant " + id, e);
        }
    }
}
