package dev.partitiongateway.catalog;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.spi.VectorBackend;
import io.quarkus.narayana.jta.QuarkusTransaction;
import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.cluster.ChangeNotifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The partition directory: which partitions a tenant has in a collection and where they live.
 * Reads come from memory (the search path never waits on PostgreSQL); entries are invalidated on
 * this instance after a change commits, and expire after the cache TTL for changes made elsewhere.
 */
@ApplicationScoped
public class PartitionDirectory {

    private record Key(String collection, String tenantId) {
    }

    private final LoadingCache<Key, List<PartitionView>> byTenant;
    private final ChangeNotifier changes;

    PartitionDirectory(GatewayConfig config, ChangeNotifier changes) {
        this.changes = changes;
        this.byTenant = Caffeine.newBuilder()
                .maximumSize(1_000_000)
                .expireAfterWrite(config.auth().cacheTtl())
                .build(key -> QuarkusTransaction.joiningExisting().call(() -> Partition.<Partition>list(
                                "collection = ?1 and tenantId = ?2 and state = ?3 order by id",
                                key.collection(), key.tenantId(), PartitionState.ACTIVE)
                        .stream().map(PartitionView::of).toList()));
    }

    /** The tenant's active partitions in the collection; empty before its first write. */
    public List<PartitionView> tenantPartitions(String collection, String tenantId) {
        return byTenant.get(new Key(collection, tenantId));
    }

    /**
     * The same, read from PostgreSQL now (and refreshed in the cache), for write paths: they may wait
     * on the database, and must not act on an entry another replica has made stale.
     */
    public List<PartitionView> currentTenantPartitions(String collection, String tenantId) {
        Key key = new Key(collection, tenantId);
        byTenant.invalidate(key);
        return byTenant.get(key);
    }

    /**
     * The tenant's dedicated partition, created in the directory and on the backend if it does not
     * exist. Runs on {@code c} in auto-commit mode: the directory row is committed (and announced to
     * every process) before any vector is written to it, whatever becomes of the write. A placement
     * that nothing uses yet is harmless.
     */
    public PartitionView ensureDedicated(Connection c, CollectionView collection, String tenantId, VectorBackend backend)
            throws SQLException {
        String placement = dedicatedPlacementName(tenantId);
        int inserted;
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count, created_at, updated_at)
                VALUES (?, ?, 'TENANT', ?, ?, 'ACTIVE', 0, now(), now())
                ON CONFLICT DO NOTHING""")) {
            insert.setString(1, collection.name());
            insert.setString(2, tenantId);
            insert.setString(3, collection.backend());
            insert.setString(4, placement);
            inserted = insert.executeUpdate();
        }
        PartitionView partition;
        try (PreparedStatement select = c.prepareStatement("""
                SELECT id, placement, state FROM partitions
                WHERE collection = ? AND tenant_id = ? AND strategy = 'TENANT'""")) {
            select.setString(1, collection.name());
            select.setString(2, tenantId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("partition of " + tenantId + " in " + collection.name() + " vanished");
                }
                partition = new PartitionView(rs.getLong(1), collection.name(), tenantId, rs.getString(2),
                        PartitionState.valueOf(rs.getString(3)));
            }
        }
        if (inserted == 1) {
            // A process that dies here leaves a row whose placement does not exist yet: writers that
            // then meet NotFound ensure it and retry (see VectorWriter).
            backend.ensurePartition(partition.placementFor(collection, tenantId));
            changes.publishCommitted(c, Change.directory(collection.name(), tenantId));
        }
        return partition;
    }

    void onChange(@Observes Change change) {
        switch (change.kind()) {
            case DIRECTORY -> {
                String[] key = change.directoryKey();
                byTenant.invalidate(new Key(key[0], key[1]));
            }
            case COLLECTION -> byTenant.asMap().keySet().removeIf(k -> k.collection().equals(change.key()));
            case TENANT -> byTenant.asMap().keySet().removeIf(k -> k.tenantId().equals(change.key()));
            case EVERYTHING -> byTenant.invalidateAll();
            default -> {
            }
        }
    }

    /**
     * A placement name that is valid on every backend (lower-case letters, digits, '_', starting with
     * a letter) and unique per tenant: the readable id plus a hash, because '-' and '_' both map to '_'.
     */
    static String dedicatedPlacementName(String tenantId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(tenantId.getBytes(StandardCharsets.UTF_8));
            String readable = tenantId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
            return "t_" + readable + "_" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
