package dev.partitiongateway.routing;

import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.HashShard;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.catalog.Partitioning;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where records go: the collection's strategy prepares each record and names its partition, and the
 * directory creates partitions on first use. The one place that chooses placements for writes. Called
 * holding the tenant's writes shared, which a promotion's directory switch excludes: whether the tenant
 * is promoted does not change between this read and the write.
 */
@ApplicationScoped
public class PartitionRouter {

    private final PartitionDirectory directory;
    private final GatewayConfig config;

    PartitionRouter(PartitionDirectory directory, GatewayConfig config) {
        this.directory = directory;
        this.config = config;
    }

    /** The strategy of a collection. */
    public PartitioningStrategy strategy(CollectionView collection) {
        Partitioning p = collection.partitioning();
        if (p instanceof Partitioning.TenantTime t) {
            return new TimeWindowStrategy(t, config.timeWindows().maxFutureSkew());
        }
        if (p instanceof Partitioning.TenantAttribute a) {
            return new AttributeStrategy(a);
        }
        if (p instanceof Partitioning.SharedHash h) {
            return new SharedHashStrategy(h);
        }
        return new TenantStrategy();
    }

    /** The records as they are stored (a time-partitioned collection gives untimed records the current time), or a 400. */
    public List<VectorRecord> prepare(CollectionView collection, List<VectorRecord> records) {
        PartitioningStrategy strategy = strategy(collection);
        Instant now = Instant.now();
        List<VectorRecord> prepared = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            prepared.add(strategy.prepare(records.get(i), now, "vectors[" + i + "]"));
        }
        return prepared;
    }

    /**
     * The partition of each prepared record by id, created where it does not exist yet (on {@code c},
     * in auto-commit mode, before anything is written): the strategy names the key, and of the key's
     * routable shards the one that owns the id's hash (the only one, unless the key was split).
     */
    public Map<String, PartitionView> targets(Connection c, CollectionView collection, String tenantId, List<VectorRecord> prepared,
                                              VectorBackend backend) throws SQLException {
        PartitioningStrategy strategy = strategy(collection);
        // A tenant promoted out of its shared bucket writes to its own partition (not while a cancelled
        // promotion moves it back: then its own partition is DRAINING and the bucket takes its writes). If its
        // own partition is archived, its writes are refused as in any archived partition, never sent to the bucket.
        boolean promoted = collection.partitioning() instanceof Partitioning.SharedHash
                && PartitionLookup.dedicated(c, collection.name(), tenantId).stream()
                        .anyMatch(p -> p.state().routable() || p.state().archived());
        Map<PartitionKey, List<PartitionView>> shardsOf = new HashMap<>();
        Map<String, PartitionView> targets = new LinkedHashMap<>();
        for (VectorRecord record : prepared) {
            PartitionKey key = promoted ? new PartitionKey.Dedicated() : strategy.keyFor(record, tenantId);
            List<PartitionView> shards = shardsOf.get(key);
            if (shards == null) {
                shards = directory.ensure(c, collection, tenantId, key, backend);
                shardsOf.put(key, shards);
            }
            PartitionView owner = HashShard.ownerOf(shards, record.id());
            if (owner == null) {
                throw new IllegalStateException("the routable shards of " + shards.get(0).placementName()
                        + " do not cover the hash of '" + record.id() + "'");
            }
            targets.put(record.id(), owner);
        }
        return targets;
    }
}
