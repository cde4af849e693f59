package dev.partitiongateway.catalog;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.registry.QuotaLedger;
import dev.partitiongateway.registry.VectorRegistry;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.tenant.TenantService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Collections and their lifetime on the backend. Each change runs in one transaction that calls the
 * backend last, so a backend failure leaves the catalog as it was; caches are invalidated after commit.
 */
@ApplicationScoped
public class CollectionService {

    private final BackendRegistry backends;
    private final CollectionCatalog catalog;
    private final PartitionDirectory directory;
    private final VectorRegistry registry;
    private final QuotaLedger quota;

    CollectionService(BackendRegistry backends, CollectionCatalog catalog, PartitionDirectory directory,
                      VectorRegistry registry, QuotaLedger quota) {
        this.backends = backends;
        this.catalog = catalog;
        this.directory = directory;
        this.registry = registry;
        this.quota = quota;
    }

    public VectorCollection create(String name, int dimension, Metric metric, String backend, PartitionStrategy strategy,
                                   Map<String, Object> partitioning) {
        String kind = backend == null ? backends.defaultKind() : backend;
        if (!backends.knows(kind)) {
            throw ApiException.invalid("backend", "unknown backend '" + kind + "'; available: " + backends.kinds());
        }
        VectorCollection created = QuarkusTransaction.requiringNew().call(() -> {
            if (VectorCollection.findById(name) != null) {
                throw ApiException.conflict("collection '" + name + "' already exists");
            }
            Instant now = Instant.now();
            VectorCollection c = new VectorCollection();
            c.name = name;
            c.dimension = dimension;
            c.metric = metric;
            c.backend = kind;
            c.strategy = strategy;
            c.partitioning = partitioning;
            c.createdAt = now;
            c.updatedAt = now;
            c.persist();
            backends.get(kind).ensureCollection(CollectionView.of(c).spec());
            return c;
        });
        catalog.invalidate(name);
        return created;
    }

    public List<VectorCollection> list() {
        return VectorCollection.listAll(io.quarkus.panache.common.Sort.by("name"));
    }

    public VectorCollection get(String name) {
        VectorCollection c = VectorCollection.findById(name);
        if (c == null) {
            throw ApiException.notFound("collection '" + name + "'");
        }
        return c;
    }

    public List<Partition> partitions(String name) {
        get(name);
        return Partition.list("collection = ?1 order by id", name);
    }

    /** Drops the collection everywhere and gives every tenant its quota back. */
    public void delete(String name) {
        QuarkusTransaction.requiringNew().run(() -> {
            VectorCollection c = get(name);
            // Lock usage rows in tenant order, as upserts do, before touching partitions and the registry.
            Map<String, Long> counts = new java.util.TreeMap<>(registry.countsByTenant(name));
            counts.keySet().forEach(quota::lock);
            counts.forEach((tenant, n) -> quota.adjust(tenant, -n, Map.of()));
            c.delete(); // cascades to partitions and, through them, to the registry
            backends.get(c.backend).dropCollection(CollectionView.of(c).spec());
        });
        catalog.invalidate(name);
        directory.invalidateCollection(name);
    }

    /** A deleted tenant's partitions go with it: dropped on the backend, removed from the directory. */
    void onTenantDeleting(@Observes TenantService.TenantDeleting event) {
        List<Partition> owned = Partition.list("tenantId", event.tenantId());
        for (Partition p : owned) {
            VectorCollection c = VectorCollection.findById(p.collection);
            backends.get(p.backend).dropPartition(PartitionView.of(p).placementFor(CollectionView.of(c), event.tenantId()));
            p.delete(); // cascades to the registry rows
        }
        directory.invalidateTenant(event.tenantId());
    }
}
