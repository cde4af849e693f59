package dev.partitiongateway.tenant;

import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;

/** Tenant lifecycle. Every change invalidates the tenant cache, so it applies to the next request. */
@ApplicationScoped
public class TenantService {

    /** Fired inside the deleting transaction, before the tenant row goes, so owners of tenant data can remove it. */
    public record TenantDeleting(String tenantId) {
    }

    private final TenantCache cache;
    private final GatewayConfig config;
    private final Event<TenantDeleting> deleting;

    TenantService(TenantCache cache, GatewayConfig config, Event<TenantDeleting> deleting) {
        this.cache = cache;
        this.config = config;
        this.deleting = deleting;
    }

    @Transactional
    public Tenant create(String id, String name, Long maxVectors) {
        if (Tenant.findById(id) != null) {
            throw ApiException.conflict("tenant '" + id + "' already exists");
        }
        Instant now = Instant.now();
        Tenant t = new Tenant();
        t.id = id;
        t.name = name == null || name.isBlank() ? id : name;
        t.status = TenantStatus.ACTIVE;
        t.maxVectors = maxVectors == null ? config.tenants().defaultMaxVectors() : maxVectors;
        t.createdAt = now;
        t.updatedAt = now;
        t.persist();
        TenantUsage usage = new TenantUsage();
        usage.tenantId = id;
        usage.vectors = 0;
        usage.updatedAt = now;
        usage.persist();
        cache.invalidate(id);
        return t;
    }

    public List<Tenant> list() {
        return Tenant.listAll(io.quarkus.panache.common.Sort.by("id"));
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

    @Transactional
    public Tenant update(String id, String name, Long maxVectors, TenantStatus status) {
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
        t.updatedAt = Instant.now();
        cache.invalidate(id);
        return t;
    }

    @Transactional
    public void delete(String id) {
        Tenant t = Tenant.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (t == null) {
            throw ApiException.notFound("tenant '" + id + "'");
        }
        deleting.fire(new TenantDeleting(id));
        t.delete();
        cache.invalidate(id);
    }
}
