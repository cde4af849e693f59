package dev.partitiongateway.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.archive.ArchiveCheckpoint;
import dev.partitiongateway.archive.ArchiveCorruptException;
import dev.partitiongateway.archive.ArchiveHeader;
import dev.partitiongateway.archive.ArchiveWriter;
import dev.partitiongateway.archive.Archiver;
import dev.partitiongateway.archive.Manifest;
import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.registry.WriteLocks;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Archives one partition to the archive store, then drops it from the backend. The directory says
 * where a run is, so a run resumed after a crash knows what to do from the partition's state:
 * <ul>
 *   <li>ACTIVE: the <em>switch</em>, holding off the tenant's writes (as a split does): the partition
 *       becomes ARCHIVING. From its commit on, writes, fetches and deletes of its ids are refused with
 *       PARTITION_ARCHIVED, while searches still read it; nothing changes it any more;</li>
 *   <li>ARCHIVING: its registry rows are walked in (tenant, id) order, their records fetched from the
 *       backend in batches and streamed into an {@link ArchiveWriter}; each uploaded archive file is a
 *       checkpoint (the archive's files and the last id they hold). Then the archive is finished and
 *       read back ({@link Archiver#verify}); its count must equal the registry's. In one transaction the
 *       partition becomes ARCHIVED with its {@code archives} row; then its placement is dropped;</li>
 *   <li>ARCHIVED: only the drop of the placement may be left (idempotent).</li>
 * </ul>
 * The registry, not a backend scan, drives the walk: its order is stable across runs (a resumed run
 * continues after the last id of the last uploaded file), and only acknowledged vectors are archived
 * (a record the backend holds that the registry does not know is a write that died, not data).
 * A cancel, or an archive that does not verify, before the flip: the partition is ACTIVE again and the
 * partial archive is deleted. Shared buckets are refused: archiving one would take every tenant in it offline.
 */
@ApplicationScoped
public class ArchiveJob implements JobHandler {

    public static final String TYPE = "ARCHIVE";
    private static final int BATCH = 500;
    private static final Logger LOG = Logger.getLogger(ArchiveJob.class);

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final PartitionDirectory directory;
    private final Archiver archiver;
    private final JobStore jobs;
    private final ObjectMapper json;

    ArchiveJob(AgroalDataSource dataSource, BackendRegistry backends, PartitionDirectory directory, Archiver archiver, JobStore jobs,
               ObjectMapper json) {
        this.dataSource = dataSource;
        this.backends = backends;
        this.directory = directory;
        this.archiver = archiver;
        this.jobs = jobs;
        this.json = json;
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * Accepts an archive of the partition placed at {@code placement}, as a PENDING job. 404 for an unknown
     * collection or partition; 409 unless it is ACTIVE (or ARCHIVING with no unfinished job: the new job
     * resumes it), for a shared bucket, for a shard of a split key, or while it has an unfinished job.
     */
    public Job request(String collectionName, String placement, String requestedBy) {
        try (Connection c = dataSource.getConnection()) {
            CollectionView collection = PartitionLookup.collection(c, collectionName)
                    .orElseThrow(() -> ApiException.notFound("collection '" + collectionName + "'"));
            PartitionView partition = byPlacement(c, collection.name(), placement)
                    .orElseThrow(() -> ApiException.notFound("partition '" + placement + "' of collection '" + collectionName + "'"));
            requireArchivable(c, partition);
            return jobs.enqueue(c, new JobStore.NewJob(TYPE, collection.name(), partition.id(), placement, Map.of(), requestedBy));
        } catch (SQLException e) {
            throw new IllegalStateException("archive of " + placement + " in " + collectionName + " failed in the database", e);
        }
    }

    private static void requireArchivable(Connection c, PartitionView partition) throws SQLException {
        if (partition.shared()) {
            throw ApiException.conflict("partition " + partition.placementName() + " is a shared bucket holding many tenants' vectors; "
                    + "archiving it would take all of them offline, so shared buckets are not archived");
        }
        if (partition.state() != PartitionState.ACTIVE && partition.state() != PartitionState.ARCHIVING) {
            throw ApiException.conflict("partition " + partition.placementName() + " is " + partition.state() + "; only an ACTIVE partition is archived");
        }
        if (PartitionLookup.promotingFrom(c, partition.id()) != null) {
            throw ApiException.conflict("partition " + partition.placementName() + " is its tenant's own partition, still being filled "
                    + "from its shared bucket by a promotion; archive it once the promotion is done");
        }
        if (PartitionLookup.keyShards(c, partition).size() > 1) {
            throw ApiException.conflict("partition " + partition.placementName() + " is one shard of a split key; archiving one shard "
                    + "of a key is not supported");
        }
    }

    // ---------------------------------------------------------------- the run

    @Override
    public Outcome run(JobContext ctx) throws Exception {
        Optional<CollectionView> found = PartitionLookup.collection(dataSource, ctx.job().collection());
        PartitionView partition = found.isEmpty() ? null : PartitionLookup.partition(dataSource, ctx.job().partitionId());
        if (partition == null) {
            return Outcome.succeeded(result(ctx, "the partition no longer exists", null, 0));
        }
        CollectionView collection = found.get();
        VectorBackend backend = backends.get(collection.backend());
        if (partition.state() == PartitionState.ACTIVE) {
            if (ctx.cancelRequested()) {
                return Outcome.cancelled(result(ctx, "cancelled before it started", null, 0));
            }
            setState(ctx, collection, partition, PartitionState.ACTIVE, PartitionState.ARCHIVING, null);
            partition = PartitionLookup.partition(dataSource, partition.id());
        }
        if (partition.state() == PartitionState.ARCHIVED) {
            dropPlacement(backend, collection, partition);
            return Outcome.succeeded(result(ctx, "archived", null, partition.vectorCount()));
        }
        if (partition.state() != PartitionState.ARCHIVING) {
            throw new IllegalStateException("partition " + partition.placementName() + " is " + partition.state() + "; it cannot be archived");
        }
        return archive(ctx, collection, backend, partition);
    }

    /**
     * A failure that is not retried (the object store refuses, attempts ran out): while ARCHIVING, the
     * partition is still whole in the backend, so it becomes ACTIVE again (writes accepted) and the files
     * this archive uploaded are deleted. Once ARCHIVED it stays so: its archive is then its only copy.
     */
    @Override
    public void abandon(JobContext ctx, Throwable cause) throws Exception {
        Optional<CollectionView> found = PartitionLookup.collection(dataSource, ctx.job().collection());
        PartitionView partition = found.isEmpty() ? null : PartitionLookup.partition(dataSource, ctx.job().partitionId());
        if (partition == null || partition.state() != PartitionState.ARCHIVING) {
            return;
        }
        setState(ctx, found.get(), partition, PartitionState.ARCHIVING, PartitionState.ACTIVE, null);
        LOG.warnf("archive of %s in %s failed for good; the partition is ACTIVE again: %s", partition.placementName(),
                found.get().name(), cause.getMessage());
        Checkpoint checkpoint = readCheckpoint(ctx.checkpoint());
        if (checkpoint != null) {
            String key = Archiver.archiveKey(found.get().name(), partition.placementName(), checkpoint.archive().archiveId());
            try {
                archiver.delete(key);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("the abandoned archive %s could not be deleted (it is no partition's archive; delete it by hand): %s", key, e.getMessage());
            }
        }
    }

    private Outcome archive(JobContext ctx, CollectionView collection, VectorBackend backend, PartitionView partition) throws Exception {
        ArchiveHeader header = new ArchiveHeader(collection.spec(), partition.id(), partition.placementName(), strategy(partition),
                partition.tenantId(), backend.kind());
        Checkpoint from = readCheckpoint(ctx.checkpoint());
        ArchiveWriter writer = from == null ? archiver.begin(header) : archiver.resume(header, from.archive());
        String afterTenant = from == null ? "" : from.tenant();
        String afterId = from == null ? "" : from.after();
        long total = countRows(partition.id());
        boolean keep = false;
        try {
            int uploaded = writer.checkpoint().files().size();
            ctx.progress(writer.records(), total, ctx.checkpoint()); // also learns of a cancel asked before the switch committed
            while (true) {
                if (ctx.cancelRequested()) {
                    writer.abort();
                    setState(ctx, collection, partition, PartitionState.ARCHIVING, PartitionState.ACTIVE, null);
                    return Outcome.cancelled(result(ctx, "cancelled; the partition is ACTIVE again and the partial archive deleted",
                            null, 0));
                }
                if (ctx.stopRequested()) {
                    keep = true;
                    return Outcome.yielded();
                }
                List<String[]> rows = rowsAfter(partition.id(), afterTenant, afterId);
                if (rows.isEmpty()) {
                    break;
                }
                String tenant = rows.get(0)[0];
                List<String> ids = new ArrayList<>();
                for (String[] row : rows) {
                    if (!row[0].equals(tenant)) {
                        break;
                    }
                    ids.add(row[1]);
                }
                Map<String, VectorRecord> records = new HashMap<>();
                try {
                    backend.fetch(partition.placementFor(collection, tenant), ids).forEach(r -> records.put(r.id(), r));
                } catch (BackendException.NotFound gone) {
                    // the placement was never created: it holds none of them, which the count below reports
                }
                for (String id : ids) {
                    VectorRecord record = records.get(id);
                    if (record == null) {
                        throw new ArchiveMismatch("vector '" + id + "' of tenant " + tenant + " is registered in " + partition.placementName()
                                + " but the backend does not hold it; run the reconciler, then archive again");
                    }
                    writer.write(tenant, record);
                    if (writer.checkpoint().files().size() != uploaded) {
                        uploaded = writer.checkpoint().files().size();
                        ctx.progress(writer.records(), total, writeCheckpoint(new Checkpoint(writer.checkpoint(), tenant, id)));
                    }
                }
                afterTenant = tenant;
                afterId = ids.get(ids.size() - 1);
                ctx.progress(writer.records(), total, ctx.checkpoint());
            }
            Manifest manifest = writer.finish();
            ctx.progress(manifest.records(), total, ctx.checkpoint());
            archiver.verify(manifest).orThrow();
            long registered = countRows(partition.id());
            if (manifest.records() != registered) {
                throw new ArchiveMismatch("the archive holds " + manifest.records() + " vectors, the registry " + registered
                        + " for partition " + partition.placementName());
            }
            flip(ctx, collection, partition, manifest, backend.kind());
            keep = true;
            dropPlacement(backend, collection, partition);
            LOG.infof("archive of %s in %s: %d vectors in %s", partition.placementName(), collection.name(), manifest.records(),
                    manifest.archiveKey());
            return Outcome.succeeded(result(ctx, "archived", manifest.archiveKey(), manifest.records()));
        } catch (ArchiveMismatch | ArchiveCorruptException e) {
            // Nothing is lost: the partition is still whole in the backend. Give it back to its clients.
            try {
                writer.abort();
            } finally {
                setState(ctx, collection, partition, PartitionState.ARCHIVING, PartitionState.ACTIVE, null);
            }
            keep = true;
            throw new IllegalStateException("archive of " + partition.placementName() + " failed and was undone; the partition is ACTIVE: "
                    + e.getMessage(), e);
        } finally {
            if (!keep) {
                writer.close();
            } else {
                try {
                    writer.close();
                } catch (IOException | RuntimeException ignored) {
                    // closed or aborted already
                }
            }
        }
    }

    /** The count or content read back does not match what the partition holds. */
    static final class ArchiveMismatch extends Exception {
        ArchiveMismatch(String message) {
            super(message);
        }
    }

    /** In one transaction, fenced: the partition ARCHIVED, pointing at its new {@code archives} row. */
    private void flip(JobContext ctx, CollectionView collection, PartitionView partition, Manifest manifest, String sourceBackend)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                WriteLocks.excludeTenantWrites(c, partition.tenantId());
                WriteLocks.keepCollection(c, collection.name());
                ctx.fence(c);
                long archiveId;
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO archives (collection, partition_id, placement, tenant_id, archive_key, records, content_checksum, source_backend)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""")) {
                    s.setString(1, collection.name());
                    s.setLong(2, partition.id());
                    s.setString(3, partition.placementName());
                    s.setString(4, partition.tenantId());
                    s.setString(5, manifest.archiveKey());
                    s.setLong(6, manifest.records());
                    s.setString(7, manifest.contentChecksum());
                    s.setString(8, sourceBackend);
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        archiveId = rs.getLong(1);
                    }
                }
                if (!updateState(c, partition.id(), PartitionState.ARCHIVING, PartitionState.ARCHIVED, archiveId, null)) {
                    throw new IllegalStateException("partition " + partition.placementName() + " left ARCHIVING during its archive");
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

    /** Moves the partition from one state to another under its tenant's write exclusion, fenced, and announces it. */
    private void setState(JobContext ctx, CollectionView collection, PartitionView partition, PartitionState from, PartitionState to,
                          Long archiveId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                WriteLocks.excludeTenantWrites(c, partition.tenantId());
                WriteLocks.keepCollection(c, collection.name());
                ctx.fence(c);
                if (!updateState(c, partition.id(), from, to, archiveId, null)) {
                    throw new IllegalStateException("partition " + partition.placementName() + " is no longer " + from);
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

    /**
     * Compare-and-set of a partition's state (and its archive, and backend if given) in the caller's
     * transaction; {@code false} if it was not in {@code from}.
     */
    static boolean updateState(Connection c, long partitionId, PartitionState from, PartitionState to, Long archiveId, String backend)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE partitions SET state = ?, archive_id = ?, backend = coalesce(?, backend), "
                + "updated_at = now() WHERE id = ? AND state = ?")) {
            s.setString(1, to.name());
            if (archiveId == null) {
                s.setNull(2, java.sql.Types.BIGINT);
            } else {
                s.setLong(2, archiveId);
            }
            s.setString(3, backend);
            s.setLong(4, partitionId);
            s.setString(5, from.name());
            return s.executeUpdate() == 1;
        }
    }

    private static void dropPlacement(VectorBackend backend, CollectionView collection, PartitionView partition) {
        backend.dropPartition(new Placement(collection.spec(), partition.placementName(),
                partition.tenantId() != null ? partition.tenantId() : "_all", partition.shared()));
    }

    private static Map<String, Object> strategy(PartitionView p) {
        Map<String, Object> strategy = new LinkedHashMap<>();
        strategy.put("strategy", p.strategy().name());
        if (p.windowStart() != null) {
            strategy.put("windowStart", p.windowStart().toString());
            strategy.put("windowEnd", p.windowEnd().toString());
        }
        if (p.attributeValue() != null) {
            strategy.put("attributeValue", p.attributeValue());
        }
        strategy.put("hashModulus", p.shard().modulus());
        strategy.put("hashResidue", p.shard().residue());
        return strategy;
    }

    private Map<String, Object> result(JobContext ctx, String outcome, String archiveKey, long vectors) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("outcome", outcome);
        result.put("partition", ctx.job().target());
        result.put("archiveKey", archiveKey);
        result.put("vectors", vectors);
        return result;
    }

    // ---------------------------------------------------------------- checkpoint

    /** The archive's uploaded files, and the last (tenant, id) they hold. */
    record Checkpoint(ArchiveCheckpoint archive, String tenant, String after) {
    }

    private Checkpoint readCheckpoint(String text) {
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(text);
            if (!node.hasNonNull("archive")) {
                return null;
            }
            return new Checkpoint(json.treeToValue(node.get("archive"), ArchiveCheckpoint.class), node.path("tenant").asText(),
                    node.path("after").asText());
        } catch (JsonProcessingException e) {
            return null; // unreadable: start a new archive, which is always safe (the partition does not change while ARCHIVING)
        }
    }

    private String writeCheckpoint(Checkpoint checkpoint) {
        try {
            return json.writeValueAsString(Map.of("archive", checkpoint.archive(), "tenant", checkpoint.tenant(), "after", checkpoint.after()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- reads

    private List<String[]> rowsAfter(long partitionId, String tenant, String after) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     SELECT tenant_id, external_id FROM vector_registry WHERE partition_id = ? AND state = 'ACTIVE'
                     AND (tenant_id, external_id) > (?, ?) ORDER BY tenant_id, external_id LIMIT ?""")) {
            s.setLong(1, partitionId);
            s.setString(2, tenant);
            s.setString(3, after);
            s.setInt(4, BATCH);
            List<String[]> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            return rows;
        }
    }

    static long countRows(AgroalDataSource dataSource, long partitionId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM vector_registry WHERE partition_id = ? AND state = 'ACTIVE'")) {
            s.setLong(1, partitionId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private long countRows(long partitionId) throws SQLException {
        return countRows(dataSource, partitionId);
    }

    static Optional<PartitionView> byPlacement(Connection c, String collection, String placement) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM partitions WHERE collection = ? AND placement = ?")) {
            s.setString(1, collection);
            s.setString(2, placement);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long id = rs.getLong(1);
                return Optional.ofNullable(PartitionLookup.byId(c, List.of(id)).get(id));
            }
        }
    }
}
