package dev.partitiongateway.catalog;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.cluster.ChangeNotifier;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.registry.QuotaLedger;
import dev.partitiongateway.registry.VectorRegistry;
import dev.partitiongateway.registry.WriteLocks;
import io.agroal.api.AgroalDataSource;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.tenant.TenantService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Collections and their lifetime on the backend. Each change runs in one transaction that calls the
 * backend before it commits, so a backend failure leaves the catalog as it was; every gateway
 * process drops its cached copy when the change commits.
 */
@ApplicationScoped
public class CollectionService {

    private final BackendRegistry backends;
    private final AgroalDataSource dataSource;
    private final ChangeNotifier changes;

    CollectionService(BackendRegistry backends, AgroalDataSource dataSource, ChangeNotifier changes) {
        this.backends = backends;
        this.dataSource = dataSource;
        this.changes = changes;
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
            changes.publish(Change.collection(name));
            return c;
        });
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

    /**
     * Drops the collection everywhere and gives every tenant its quota back. Holds the collection
     * exclusive (see {@link WriteLocks}): writes in flight finish first, later ones find it gone (404),
     * so the quota given back is exactly what was stored.
     */
    public void delete(String name) {
        QuarkusTransaction.requiringNew().run(() -> {
            try (Connection c = dataSource.getConnection()) {
                WriteLocks.excludeCollectionWrites(c, name);
                VectorCollection collection = get(name);
                Map<String, Long> counts = VectorRegistry.countsByTenant(c, name);
                backends.get(collection.backend).dropCollection(CollectionView.of(collection).spec());
                // Usage rows last (tenant order), so they are locked only for the commit.
                for (Map.Entry<String, Long> e : counts.entrySet()) {
                    QuotaLedger.adjust(c, e.getKey(), -e.getValue());
                }
                collection.delete(); // cascades to partitions and, through them, to the registry
                changes.publish(Change.collection(name));
            } catch (SQLException e) {
                throw new IllegalStateException("cannot delete collection " + name, e);
            }
        });
    }

    /**
     * A deleted tenant's partitions go with it: dropped on the backend, removed from the directory.
     * Runs in the deleting transaction, which holds the tenant exclusive.
     */
    void onTenantDeleting(@Observes TenantService.TenantDeleting event) {
        List<Partition> owned = Partition.list("tenantId", event.tenantId());
        for (Partition p : owned) {
            VectorCollection c = VectorCollection.findById(p.collection);
            backends.get(p.backend).dropPartition(PartitionView.of(p).placementFor(CollectionView.of(c), event.tenantId()));
            p.delete(); // cascades to the registry rows
        }
    }
}
