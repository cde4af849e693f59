package dev.partitiongateway.jobs;

import dev.partitiongateway.archive.ArchiveCorruptException;
import dev.partitiongateway.archive.ArchiveReader;
import dev.partitiongateway.archive.ArchivedRecord;
import dev.partitiongateway.archive.Archiver;
import dev.partitiongateway.archive.ContentChecksum;
import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * Brings an ARCHIVED partition back from its archive into the collection's <em>current</em> backend
 * (which may be of another kind than the one it was archived from):
 * <ol>
 *   <li>ARCHIVED becomes RESTORING (writes stay refused, searches still skip it);</li>
 *   <li>the collection and the placement are ensured on the current backend, and the archive is
 *       streamed back in batches ({@link Archiver#read}, which checks every file's SHA-256, counts and
 *       content checksum as it goes) and upserted. Upserts by id are idempotent, so a resumed run
 *       simply streams the archive again;</li>
 *   <li>verified: the backend's count equals the manifest's, and the content checksum of a full scan of
 *       what the backend now holds equals the manifest's;</li>
 *   <li>one transaction: ACTIVE, with {@code partitions.backend} the backend it now lives in.</li>
 * </ol>
 * A damaged archive, or a verification that fails: the restored placement is dropped and the partition
 * is ARCHIVED again, with its archive untouched; the job FAILS with the reason. The archive is kept
 * after a restore, until deleted by the operator or the policy. Registry rows never change: ids, counts
 * and quota are the same throughout.
 */
@ApplicationScoped
public class RestoreJob implements JobHandler {

    public static final String TYPE = "RESTORE";
    private static final int BATCH = 500;
    private static final Logger LOG = Logger.getLogger(RestoreJob.class);

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final PartitionDirectory directory;
    private final Archiver archiver;
    private final JobStore jobs;

    RestoreJob(AgroalDataSource dataSource, BackendRegistry backends, PartitionDirectory directory, Archiver archiver, JobStore jobs) {
        this.dataSource = dataSource;
        this.backends = backends;
        this.directory = directory;
        this.archiver = archiver;
        this.jobs = jobs;
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Accepts a restore of an ARCHIVED partition (or a RESTORING one whose job ended: it resumes) as a PENDING job; else 409. */
    public Job request(String collectionName, String placement, String requestedBy) {
        try (Connection c = dataSource.getConnection()) {
            CollectionView collection = PartitionLookup.collection(c, collectionName)
                    .orElseThrow(() -> ApiException.notFound("collection '" + collectionName + "'"));
            PartitionView partition = ArchiveJob.byPlacement(c, collection.name(), placement)
                    .orElseThrow(() -> ApiException.notFound("partition '" + placement + "' of collection '" + collectionName + "'"));
            return request(c, collection, partition, requestedBy);
        } catch (SQLException e) {
            throw new IllegalStateException("restore of " + placement + " in " + collectionName + " failed in the database", e);
        }
    }

    /** The same, for a partition already read on {@code c}. */
    public Job request(Connection c, CollectionView collection, PartitionView partition, String requestedBy) throws SQLException {
        if (partition.state() != PartitionState.ARCHIVED && partition.state() != PartitionState.RESTORING) {
            throw ApiException.conflict("partition " + partition.placementName() + " is " + partition.state() + "; only an ARCHIVED partition is restored");
        }
        return jobs.enqueue(c, new JobStore.NewJob(TYPE, collection.name(), partition.id(), partition.placementName(), Map.of(), requestedBy));
    }

    /**
     * For a collection with {@code restoreOnAccess}: starts a restore of {@code partition} unless one is
     * already under way. Returns the job that brings it back, if there is one.
     */
    public Optional<Long> requestOnAccess(PartitionView partition) {
        if (partition.state() != PartitionState.ARCHIVED && partition.state() != PartitionState.RESTORING) {
            return Optional.empty(); // still being archived: nothing to restore yet
        }
        try (Connection c = dataSource.getConnection()) {
            Optional<CollectionView> collection = PartitionLookup.collection(c, partition.collection());
            if (collection.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(request(c, collection.get(), partition, "restoreOnAccess").id());
            } catch (ApiException conflict) {
                try (PreparedStatement s = c.prepareStatement("SELECT id FROM jobs WHERE partition_id = ? AND type = ? "
                        + "AND state IN ('PENDING', 'RUNNING')")) {
                    s.setLong(1, partition.id());
                    s.setString(2, TYPE);
                    try (ResultSet rs = s.executeQuery()) {
                        return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("restore on access of " + partition.placementName() + " failed in the database", e);
        }
    }

    @Override
    public Outcome run(JobContext ctx) throws Exception {
        Optional<CollectionView> found;
        PartitionView partition;
        try (Connection c = dataSource.getConnection()) {
            found = PartitionLookup.collection(c, ctx.job().collection());
            partition = found.isEmpty() ? null : PartitionLookup.byId(c, List.of(ctx.job().partitionId())).get(ctx.job().partitionId());
        }
        if (partition == null) {
            return Outcome.succeeded(result(ctx, "the partition no longer exists", null, 0));
        }
        if (partition.state() == PartitionState.ACTIVE) {
            return Outcome.succeeded(result(ctx, "the partition is ACTIVE", null, partition.vectorCount()));
        }
        CollectionView collection = found.get();
        String archiveKey = archiveKeyOf(partition.id());
        if (partition.state() == PartitionState.ARCHIVED) {
            if (ctx.cancelRequested()) {
                return Outcome.cancelled(result(ctx, "cancelled before it started", archiveKey, 0));
            }
            move(ctx, partition, PartitionState.ARCHIVED, PartitionState.RESTORING, null);
        } else if (partition.state() != PartitionState.RESTORING) {
            throw new IllegalStateException("partition " + partition.placementName() + " is " + partition.state() + "; it cannot be restored");
        }
        VectorBackend backend = backends.get(collection.backend());
        backend.ensureCollection(collection.spec());
        String tenantOfPlacement = partition.tenantId() != null ? partition.tenantId() : "_all";
        backend.ensurePartition(new Placement(collection.spec(), partition.placementName(), tenantOfPlacement, partition.shared()));
        long total;
        String expectedChecksum;
        try {
            try (ArchiveReader reader = archiver.read(archiveKey, BATCH)) {
                total = reader.manifest().records();
                expectedChecksum = reader.manifest().contentChecksum();
                long done = 0;
                for (List<ArchivedRecord> batch = reader.next(); !batch.isEmpty(); batch = reader.next()) {
                    if (ctx.cancelRequested()) {
                        undo(ctx, backend, collection, partition);
                        return Outcome.cancelled(result(ctx, "cancelled; the partition is ARCHIVED again", archiveKey, 0));
                    }
                    if (ctx.stopRequested()) {
                        return Outcome.yielded(); // RESTORING: the next run streams the archive again; upserts are idempotent
                    }
                    Map<String, List<VectorRecord>> byTenant = new LinkedHashMap<>();
                    for (ArchivedRecord r : batch) {
                        byTenant.computeIfAbsent(r.tenant(), k -> new ArrayList<>()).add(r.record());
                    }
                    for (Map.Entry<String, List<VectorRecord>> e : byTenant.entrySet()) {
                        Placement placement = partition.placementFor(collection, e.getKey());
                        for (int i = 0; i < e.getValue().size(); i += backend.capabilities().maxBatchSize()) {
                            backend.upsert(placement, e.getValue().subList(i, Math.min(e.getValue().size(), i + backend.capabilities().maxBatchSize())));
                        }
                    }
                    done += batch.size();
                    ctx.progress(done, total, null);
                }
            }
            verify(backend, collection, partition, total, expectedChecksum);
        } catch (ArchiveCorruptException | ArchiveJob.ArchiveMismatch e) {
            undo(ctx, backend, collection, partition);
            throw new IllegalStateException("restore of " + partition.placementName() + " failed; the partition is ARCHIVED again and "
                    + "its archive untouched: " + e.getMessage(), e);
        }
        move(ctx, partition, PartitionState.RESTORING, PartitionState.ACTIVE, backend.kind());
        LOG.infof("restore of %s in %s into %s: %d vectors from %s", partition.placementName(), collection.name(), backend.kind(), total,
                archiveKey);
        return Outcome.succeeded(result(ctx, "restored", archiveKey, total));
    }

    /** What the backend holds now, read back whole: the manifest's count and content checksum. */
    private void verify(VectorBackend backend, CollectionView collection, PartitionView partition, long expected, String checksum)
            throws ArchiveJob.ArchiveMismatch, SQLException {
        ContentChecksum content = new ContentChecksum();
        for (String tenant : tenantsOf(partition.id())) {
            Placement placement = partition.placementFor(collection, tenant);
            try (RecordCursor cursor = backend.scan(placement, ScanRequest.all(BATCH))) {
                for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                    page.forEach(r -> content.add(tenant, r));
                }
            }
        }
        if (content.records() != expected) {
            throw new ArchiveJob.ArchiveMismatch("the backend holds " + content.records() + " vectors after the restore; the archive " + expected);
        }
        if (!content.value().equals(checksum)) {
            throw new ArchiveJob.ArchiveMismatch("the content checksum of what the backend holds differs from the archive's");
        }
    }

    /** Drops what was restored and makes the partition ARCHIVED again: its archive is still the only copy. */
    private void undo(JobContext ctx, VectorBackend backend, CollectionView collection, PartitionView partition) throws SQLException {
        backend.dropPartition(new Placement(collection.spec(), partition.placementName(),
                partition.tenantId() != null ? partition.tenantId() : "_all", partition.shared()));
        move(ctx, partition, PartitionState.RESTORING, PartitionState.ARCHIVED, null);
    }

    private void move(JobContext ctx, PartitionView partition, PartitionState from, PartitionState to, String backend) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                ctx.fence(c);
                try (PreparedStatement s = c.prepareStatement("UPDATE partitions SET state = ?, backend = coalesce(?, backend), updated_at = now() "
                        + "WHERE id = ? AND state = ?")) {
                    s.setString(1, to.name());
                    s.setString(2, backend);
                    s.setLong(3, partition.id());
                    s.setString(4, from.name());
                    if (s.executeUpdate() != 1) {
                        throw new IllegalStateException("partition " + partition.placementName() + " is no longer " + from);
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            directory.announce(c, partition);
        }
    }

    private String archiveKeyOf(long partitionId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT a.archive_key FROM partitions p JOIN archives a ON a.id = p.archive_id "
                     + "WHERE p.id = ? AND a.deleted_at IS NULL")) {
            s.setLong(1, partitionId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("partition " + partitionId + " has no archive to restore from (it was deleted)");
                }
                return rs.getString(1);
            }
        }
    }

    private TreeSet<String> tenantsOf(long partitionId) throws SQLException {
        TreeSet<String> tenants = new TreeSet<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT DISTINCT tenant_id FROM vector_registry WHERE partition_id = ?")) {
            s.setLong(1, partitionId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tenants.add(rs.getString(1));
                }
            }
        }
        return tenants;
    }

    private Map<String, Object> result(JobContext ctx, String outcome, String archiveKey, long vectors) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("outcome", outcome);
        result.put("partition", ctx.job().target());
        result.put("archiveKey", archiveKey);
        result.put("vectors", vectors);
        return result;
    }
}
