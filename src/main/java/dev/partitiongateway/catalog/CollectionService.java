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
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.tenant.TenantService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

    public VectorCollection create(String name, int dimension, Metric metric, String backend, JsonNode partitioningJson) {
        Partitioning partitioning = Partitioning.parse(partitioningJson);
        String kind = backend == null ? backends.defaultKind() : backend;
        if (!backends.knows(kind)) {
            throw ApiException.invalid("backend", "unknown backend '" + kind + "'; available: " + backends.kinds());
        }
        VectorCollection created = QuarkusTransaction.requiringNew().call(() -> {
            if (VectorCollection.findById(name) != null) {
                throw ApiException.conflict("collection '" + name + "' already exists");
            }
            // PostgreSQL keeps microseconds: the instant that tells this collection from a later one of the same name.
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            VectorCollection c = new VectorCollection();
            c.name = name;
            c.dimension = dimension;
            c.metric = metric;
            c.backend = kind;
            c.strategy = partitioning.strategy();
            c.partitioning = partitioning.toJson();
            c.lifecycle = LifecyclePolicy.NONE.toJson();
            c.createdAt = now;
            c.updatedAt = now;
            c.persist();
            backends.get(kind).ensureCollection(CollectionView.of(c).spec());
            changes.publish(Change.collection(name));
            return c;
        });
        return created;
    }

    /**
     * Changes a time-partitioned collection's retention ({@code null}: keep every window). Nothing else
     * about a collection's partitioning can change once it holds data.
     */
    public VectorCollection changeRetention(String name, Integer retentionDays) {
        return QuarkusTransaction.requiringNew().call(() -> {
            VectorCollection c = VectorCollection.findById(name, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (c == null) {
                throw ApiException.notFound("collection '" + name + "'");
            }
            if (!(Partitioning.fromStored(c.partitioning) instanceof Partitioning.TenantTime time)) {
                throw ApiException.invalid("partitioning.retentionDays", "only a TENANT_TIME collection has a retention; '" + name
                        + "' is partitioned by " + c.strategy);
            }
            c.partitioning = new Partitioning.TenantTime(time.granularity(), retentionDays).toJson();
            c.updatedAt = Instant.now();
            changes.publish(Change.collection(name));
            return c;
        });
    }

    /** Changes a collection's lifecycle policy: the fields given replace the stored ones ({@code null} turns one off). */
    public VectorCollection changeLifecycle(String name, com.fasterxml.jackson.databind.JsonNode change) {
        return QuarkusTransaction.requiringNew().call(() -> {
            VectorCollection c = VectorCollection.findById(name, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (c == null) {
                throw ApiException.notFound("collection '" + name + "'");
            }
            c.lifecycle = LifecyclePolicy.fromStored(c.lifecycle).patch(change).toJson();
            c.updatedAt = Instant.now();
            changes.publish(Change.collection(name));
            return c;
        });
    }

    /**
     * Moves a collection to another backend kind, for its partitions' next restores: allowed only while no
     * partition holds vectors in the current backend (every partition with vectors ARCHIVED, or none). Taken
     * with the collection's writes excluded, so no write lands between the check and the switch. Empty
     * partitions get their placement on the new backend; archived ones are restored into it.
     */
    public void changeBackend(String name, String kind) {
        if (kind == null || !backends.kinds().contains(kind)) {
            throw ApiException.invalid("backend", "must be one of the configured backends " + new java.util.TreeSet<>(backends.kinds()));
        }
        try (java.sql.Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                dev.partitiongateway.registry.WriteLocks.excludeCollectionWrites(c, name);
                CollectionView collection = PartitionLookup.collection(c, name)
                        .orElseThrow(() -> ApiException.notFound("collection '" + name + "'"));
                if (!collection.backend().equals(kind)) {
                    List<PartitionView> empty = new java.util.ArrayList<>();
                    try (java.sql.PreparedStatement s = c.prepareStatement("SELECT id, placement, state, partition_vectors(id, vector_count), "
                            + "(SELECT count(*) FROM vector_registry v WHERE v.partition_id = p.id) FROM partitions p WHERE collection = ? FOR UPDATE")) {
                        s.setString(1, name);
                        List<Long> emptyIds = new java.util.ArrayList<>();
                        try (java.sql.ResultSet rs = s.executeQuery()) {
                            while (rs.next()) {
                                PartitionState state = PartitionState.valueOf(rs.getString(3));
                                boolean hasVectors = rs.getLong(4) > 0 || rs.getLong(5) > 0;
                                if (state == PartitionState.ARCHIVED) {
                                    continue;
                                }
                                if (hasVectors || state != PartitionState.ACTIVE) {
                                    throw ApiException.conflict("partition " + rs.getString(2) + " is " + state + (hasVectors ? " with vectors" : "")
                                            + " in backend '" + collection.backend() + "'; a collection changes backend only when every "
                                            + "partition with vectors is ARCHIVED (archive them, change the backend, restore them)");
                                }
                                emptyIds.add(rs.getLong(1));
                            }
                        }
                        empty.addAll(PartitionLookup.byId(c, emptyIds).values());
                    }
                    VectorBackend target = backends.get(kind);
                    target.ensureCollection(collection.spec());
                    for (PartitionView p : empty) {
                        target.ensurePartition(p.placementFor(collection, p.tenantId() != null ? p.tenantId() : "_all"));
                    }
                    try (java.sql.PreparedStatement s = c.prepareStatement("UPDATE collections SET backend = ?, updated_at = now() WHERE name = ?")) {
                        s.setString(1, kind);
                        s.setString(2, name);
                        s.executeUpdate();
                    }
                    try (java.sql.PreparedStatement s = c.prepareStatement(
                            "UPDATE partitions SET backend = ?, updated_at = now() WHERE collection = ? AND state = 'ACTIVE'")) {
                        s.setString(1, kind);
                        s.setString(2, name);
                        s.executeUpdate();
                    }
                }
                c.commit();
            } catch (java.sql.SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            changes.publishCommitted(c, Change.collection(name));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("changing the backend of " + name + " failed in the database", e);
        }
    }

    /** A collection's lifecycle policy, read now. */
    public LifecyclePolicy lifecycle(String name) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            VectorCollection c = VectorCollection.findById(name);
            if (c == null) {
                throw ApiException.notFound("collection '" + name + "'");
            }
            return LifecyclePolicy.fromStored(c.lifecycle);
        });
    }

    /** Up to {@code limit} collections in name order, after {@code afterName} ({@code null}: from the first). */
    public List<VectorCollection> page(String afterName, int limit) {
        return afterName == null
                ? VectorCollection.find("order by name").page(0, limit).list()
                : VectorCollection.find("name > ?1 order by name", afterName).page(0, limit).list();
    }

    /** How many vectors the tenant holds in each of these collections (absent: none), from the registry. */
    /** One of a tenant's partitions, with the tenant's own vectors in it (in a shared bucket, only its own). */
    public record TenantPartition(PartitionView partition, long vectors) {
    }

    /** The partitions that hold a tenant's records in a collection (its own, or its bucket), with its counts. */
    public List<TenantPartition> tenantPartitions(CollectionView collection, String tenantId) {
        try (Connection c = dataSource.getConnection()) {
            List<PartitionView> partitions = PartitionLookup.tenantPartitions(c, collection, tenantId);
            Map<Long, Long> inShared = new java.util.HashMap<>();
            List<Long> shared = partitions.stream().filter(PartitionView::shared).map(PartitionView::id).toList();
            if (!shared.isEmpty()) {
                try (java.sql.PreparedStatement s = c.prepareStatement("""
                        SELECT partition_id, count(*) FROM vector_registry
                        WHERE tenant_id = ? AND collection = ? AND state = 'ACTIVE' AND partition_id = ANY (?) GROUP BY partition_id""")) {
                    s.setString(1, tenantId);
                    s.setString(2, collection.name());
                    s.setArray(3, c.createArrayOf("bigint", shared.toArray()));
                    try (java.sql.ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            inShared.put(rs.getLong(1), rs.getLong(2));
                        }
                    }
                }
            }
            return partitions.stream()
                    .map(p -> new TenantPartition(p, p.shared() ? inShared.getOrDefault(p.id(), 0L) : p.vectorCount()))
                    .toList();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list tenant '" + tenantId + "''s partitions of " + collection.name(), e);
        }
    }

    public Map<String, Long> tenantVectors(String tenantId, List<String> collectionNames) {
        Map<String, Long> counts = new java.util.HashMap<>();
        if (collectionNames.isEmpty()) {
            return counts;
        }
        try (Connection c = dataSource.getConnection();
             java.sql.PreparedStatement s = c.prepareStatement("""
                     SELECT collection, count(*) FROM vector_registry WHERE tenant_id = ? AND collection = ANY (?) AND state = 'ACTIVE'
                     GROUP BY collection""")) {
            s.setString(1, tenantId);
            s.setArray(2, c.createArrayOf("varchar", collectionNames.toArray()));
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count tenant '" + tenantId + "''s vectors per collection", e);
        }
        return counts;
    }

    public VectorCollection get(String name) {
        VectorCollection c = VectorCollection.findById(name);
        if (c == null) {
            throw ApiException.notFound("collection '" + name + "'");
        }
        return c;
    }

    /** A page of a collection's partitions in id order, after {@code afterId}, optionally one tenant's (with its bucket). */
    public List<Partition> partitions(String name, String tenantId, long afterId, int limit) {
        VectorCollection collection = get(name);
        if (tenantId == null) {
            return Partition.find("collection = ?1 and id > ?2 order by id", name, afterId).page(0, limit).list();
        }
        Integer bucket = PartitionDirectory.bucketOf(CollectionView.of(collection), tenantId);
        return bucket == null
                ? Partition.find("collection = ?1 and tenantId = ?2 and id > ?3 order by id", name, tenantId, afterId).page(0, limit).list()
                : Partition.find("collection = ?1 and (bucket = ?2 or tenantId = ?4) and id > ?3 order by id", name, bucket, afterId, tenantId)
                        .page(0, limit).list(); // its bucket, and its own partition if it was promoted
    }

    /** Per shared bucket among these partitions: its tenants and how many vectors each holds there. */
    public Map<Long, Map<String, Long>> bucketTenants(List<Partition> partitions) {
        List<Long> buckets = partitions.stream().filter(p -> p.strategy == PartitionStrategy.SHARED_HASH).map(p -> p.id).toList();
        Map<Long, Map<String, Long>> tenants = new java.util.HashMap<>();
        if (buckets.isEmpty()) {
            return tenants;
        }
        try (Connection c = dataSource.getConnection();
             java.sql.PreparedStatement s = c.prepareStatement("""
                     SELECT partition_id, tenant_id, count(*) FROM vector_registry WHERE partition_id = ANY (?) AND state = 'ACTIVE'
                     GROUP BY partition_id, tenant_id ORDER BY partition_id, tenant_id""")) {
            s.setArray(1, c.createArrayOf("bigint", buckets.toArray()));
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tenants.computeIfAbsent(rs.getLong(1), k -> new java.util.LinkedHashMap<>()).put(rs.getString(2), rs.getLong(3));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the tenants of shared buckets", e);
        }
        return tenants;
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
     * A deleted tenant's data goes with it: its own partitions are dropped on the backend and from the
     * directory; in shared buckets, only its records are deleted. Runs in the deleting transaction,
     * which holds the tenant exclusive.
     */
    void onTenantDeleting(@Observes TenantService.TenantDeleting event) {
        for (Partition p : Partition.<Partition>list("tenantId", event.tenantId())) {
            VectorCollection c = VectorCollection.findById(p.collection);
            backends.get(p.backend).dropPartition(PartitionView.of(p).placementFor(CollectionView.of(c), event.tenantId()));
            p.delete(); // cascades to the registry rows
        }
        for (VectorCollection c : VectorCollection.<VectorCollection>list("strategy", PartitionStrategy.SHARED_HASH)) {
            CollectionView collection = CollectionView.of(c);
            Integer bucket = PartitionDirectory.bucketOf(collection, event.tenantId());
            // Every shard of the bucket (one unless it was split), DRAINING ones included.
            List<Partition> shards = Partition.list("collection = ?1 and strategy = ?2 and bucket = ?3", c.name,
                    PartitionStrategy.SHARED_HASH, bucket);
            if (shards.isEmpty()) {
                continue;
            }
            Map<Long, Long> counted = activeByPartition(event.tenantId(), c.name);
            for (Partition p : shards) {
                backends.get(p.backend).deleteByFilter(PartitionView.of(p).placementFor(collection, event.tenantId()), null);
            }
            VectorRegistry.removeAll(dataSource, event.tenantId(), c.name);
            Map<Long, Long> removed = new java.util.HashMap<>();
            counted.forEach((partition, n) -> removed.put(partition, -n));
            try (Connection connection = dataSource.getConnection()) {
                QuotaLedger.adjustPartitions(connection, removed);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot take tenant '" + event.tenantId() + "''s vectors off the counts of " + c.name, e);
            }
        }
    }

    /** The tenant's ACTIVE registry rows in a collection per partition (what partition counts hold of it). */
    private Map<Long, Long> activeByPartition(String tenantId, String collection) {
        Map<Long, Long> counts = new java.util.HashMap<>();
        try (Connection c = dataSource.getConnection();
             java.sql.PreparedStatement s = c.prepareStatement("""
                     SELECT partition_id, count(*) FROM vector_registry WHERE tenant_id = ? AND collection = ? AND state = 'ACTIVE'
                     GROUP BY partition_id""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getLong(1), rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count tenant '" + tenantId + "''s vectors in " + collection, e);
        }
        return counts;
    }
}
