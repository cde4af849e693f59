package dev.partitiongateway.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.catalog.Partitioning;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.moves.PartitionMover;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.registry.WriteLocks;
import dev.partitiongateway.spi.Placement;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Promotes one tenant of a {@code SHARED_HASH} collection out of its shared bucket into a partition of
 * its own, while it keeps writing and searching. Like a split, the job's state is the directory's, so a
 * run resumed after a crash knows where it is from the tenant's own partition alone:
 * <ul>
 *   <li>no own partition: the <em>switch</em> has not happened. In one transaction holding off the
 *       tenant's writes (only its: the other tenants of the bucket never wait), its own partition is
 *       inserted ACTIVE, promoting from the bucket; its placement exists beforehand. From the commit on,
 *       the tenant's new writes go to it, and its searches cover it and the bucket;</li>
 *   <li>own partition ACTIVE and promoting: the {@link PartitionMover} moves the tenant's rows (and only
 *       its) out of every shard of the bucket, batch by batch; then, with the tenant's writes held off and
 *       no row of it left in the bucket, the promotion is marked complete: the job SUCCEEDED, and the
 *       tenant's searches read its own partition only. The bucket stays: other tenants live in it;</li>
 *   <li>cancel asked while moving: one switch makes its own partition DRAINING, which sends its writes
 *       back to the bucket, the mover moves back what was moved and drops the partition: CANCELLED;</li>
 *   <li>own partition ACTIVE and not promoting: promoted (by this job's last run, which died before
 *       recording it).</li>
 * </ul>
 * A promotion is the bucket's job (its first shard's, in the jobs table), so one tenant of a bucket is
 * promoted at a time, and a bucket is not split while one of its tenants is promoted.
 */
@ApplicationScoped
public class PromoteJob implements JobHandler {

    public static final String TYPE = "PROMOTE";

    private static final Logger LOG = Logger.getLogger(PromoteJob.class);

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final PartitionDirectory directory;
    private final PartitionMover mover;
    private final JobStore jobs;
    private final GatewayConfig config;
    private final ObjectMapper json;

    PromoteJob(AgroalDataSource dataSource, BackendRegistry backends, PartitionDirectory directory, PartitionMover mover, JobStore jobs,
               GatewayConfig config, ObjectMapper json) {
        this.dataSource = dataSource;
        this.backends = backends;
        this.directory = directory;
        this.mover = mover;
        this.jobs = jobs;
        this.config = config;
        this.json = json;
    }

    @Override
    public String type() {
        return TYPE;
    }

    // ---------------------------------------------------------------- the request

    /**
     * Accepts the promotion of {@code tenantId} in the collection as a PENDING job. 404 for an unknown
     * collection or tenant; 409 if the collection has no shared buckets, the tenant is promoted already,
     * its bucket is being split (or otherwise not ACTIVE), or the bucket already has an unfinished job (a
     * promotion of this or another of its tenants, or a split). A promotion whose job ended without
     * finishing (FAILED) is resumed by a new request. A tenant with no vectors yet can be promoted: its
     * bucket is created (empty) if nobody wrote to it yet, so that the job has its partition.
     */
    public Job request(String collectionName, String tenantId, String requestedBy) {
        try (Connection c = dataSource.getConnection()) {
            CollectionView collection = PartitionLookup.collection(c, collectionName)
                    .orElseThrow(() -> ApiException.notFound("collection '" + collectionName + "'"));
            if (!tenantExists(c, tenantId)) {
                throw ApiException.notFound("tenant '" + tenantId + "'");
            }
            if (!(collection.partitioning() instanceof Partitioning.SharedHash)) {
                throw ApiException.conflict("collection '" + collection.name() + "' is partitioned " + collection.strategy()
                        + ", not SHARED_HASH: its tenants have partitions of their own already");
            }
            int bucket = PartitionDirectory.bucketOf(collection, tenantId);
            List<PartitionView> own = PartitionLookup.dedicated(c, collection.name(), tenantId);
            boolean resuming = false;
            for (PartitionView p : own) {
                Integer from = PartitionLookup.promotingFrom(c, p.id());
                if (from == null && p.state().routable()) {
                    throw ApiException.conflict("tenant '" + tenantId + "' is promoted already: partition " + p.placementName()
                            + " is its own in collection '" + collection.name() + "'");
                }
                resuming = true;
            }
            List<PartitionView> shards = PartitionLookup.keyShards(c, collection.name(), tenantId, new PartitionKey.Bucket(bucket));
            if (!resuming) {
                requireActive(shards);
            }
            if (shards.isEmpty()) {
                shards = directory.ensure(c, collection, tenantId, new PartitionKey.Bucket(bucket), backends.get(collection.backend()));
            }
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("tenant", tenantId);
            params.put("bucket", bucket);
            return jobs.enqueue(c, new JobStore.NewJob(TYPE, collection.name(), shards.get(0).id(), tenantId, params, requestedBy));
        } catch (SQLException e) {
            throw new IllegalStateException("promotion of " + tenantId + " in " + collectionName + " failed in the database", e);
        }
    }

    /** 409 unless every shard of the bucket takes writes (none is being split). */
    private static void requireActive(List<PartitionView> bucketShards) {
        for (PartitionView shard : bucketShards) {
            if (!shard.state().routable()) {
                throw ApiException.conflict("shared bucket " + shard.placementName() + " is " + shard.state()
                        + "; a tenant is promoted out of it once it is ACTIVE again");
            }
        }
    }

    private static boolean tenantExists(Connection c, String tenantId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM tenants WHERE id = ?")) {
            s.setString(1, tenantId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    // ---------------------------------------------------------------- the run

    @Override
    public Outcome run(JobContext ctx) throws Exception {
        String tenant = ctx.params().path("tenant").asText();
        Optional<CollectionView> found = PartitionLookup.collection(dataSource, ctx.job().collection());
        if (found.isEmpty()) {
            return Outcome.succeeded(result(ctx, "the collection no longer exists", null));
        }
        CollectionView collection = found.get();
        int bucket = PartitionDirectory.bucketOf(collection, tenant);
        MoveProgress progress = new MoveProgress(ctx, json);
        List<PartitionView> own = own(collection, tenant);
        if (own.isEmpty()) {
            if (ctx.cancelRequested()) {
                return Outcome.cancelled(result(ctx, "cancelled before it started", null));
            }
            PartitionView made = switchToOwn(ctx, collection, tenant, bucket);
            if (made == null) {
                return Outcome.succeeded(result(ctx, "the tenant no longer exists", null));
            }
            awaitAnnouncement(ctx);
            own = List.of(made);
        }
        if (own.stream().noneMatch(p -> p.state().routable())) {
            return moveBack(ctx, collection, tenant, own, progress); // a cancel's switch happened: finish moving back
        }
        if (!promoting(own)) {
            progress.finish();
            return Outcome.succeeded(result(ctx, "promoted", own.get(0).placementName()));
        }
        while (true) {
            boolean empty = true;
            for (PartitionView shard : bucketShards(collection, tenant, bucket)) {
                PartitionMover.Drained drained = mover.drain(collection, shard, tenant,
                        progress.cursorFor(shard, mover.remaining(shard.id(), tenant)), progress);
                if (ctx.stopRequested()) {
                    return Outcome.yielded();
                }
                if (ctx.cancelRequested() && progress.stopOnCancel) {
                    if (reverseSwitch(ctx, collection, tenant)) {
                        awaitAnnouncement(ctx);
                        return moveBack(ctx, collection, tenant, own(collection, tenant), progress);
                    }
                    progress.stopOnCancel = false;
                }
                empty &= drained.empty();
            }
            if (empty && complete(ctx, collection, tenant, bucket)) {
                progress.finish();
                LOG.infof("promotion of %s in %s out of bucket %d: done, %d vectors moved", tenant, collection.name(), bucket, progress.done());
                List<PartitionView> promoted = own(collection, tenant);
                return promoted.isEmpty() ? Outcome.succeeded(result(ctx, "the tenant no longer exists", null))
                        : Outcome.succeeded(result(ctx, "promoted", promoted.get(0).placementName()));
            }
        }
    }

    /** The directory switch: the tenant's own partition (its placement created first) ACTIVE, promoting from its bucket; {@code null} if the tenant is gone. */
    private PartitionView switchToOwn(JobContext ctx, CollectionView collection, String tenant, int bucket) throws SQLException {
        String placement = new PartitionKey.Dedicated().placementName(tenant);
        backends.get(collection.backend()).ensurePartition(new Placement(collection.spec(), placement, tenant, false));
        try (Connection c = dataSource.getConnection()) {
            PartitionView made;
            c.setAutoCommit(false);
            try {
                holdOffWrites(c, collection, tenant);
                ctx.fence(c);
                if (!tenantExists(c, tenant)) {
                    c.rollback();
                    return null;
                }
                requireActive(PartitionLookup.keyShards(c, collection.name(), tenant, new PartitionKey.Bucket(bucket)));
                made = directory.beginPromotion(c, collection, tenant, bucket);
                c.commit();
                LOG.infof("promotion of %s in %s: its writes now go to %s", tenant, collection.name(), placement);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            directory.announce(c, made);
            return made;
        }
    }

    /**
     * The switch that cancels: the tenant's own partition DRAINING, so that its writes go back to the bucket.
     * Only while that partition is one whole ACTIVE partition; {@code false} (the promotion finishes) otherwise.
     */
    private boolean reverseSwitch(JobContext ctx, CollectionView collection, String tenant) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            PartitionView own;
            c.setAutoCommit(false);
            try {
                holdOffWrites(c, collection, tenant);
                ctx.fence(c);
                List<PartitionView> mine = PartitionLookup.dedicated(c, collection.name(), tenant);
                if (mine.size() != 1 || !mine.get(0).state().routable() || !mine.get(0).shard().whole()) {
                    c.rollback();
                    LOG.warnf("promotion of %s in %s: cancel asked, but its partitions %s are not the promotion's own; it finishes instead",
                            tenant, collection.name(), mine.stream().map(PartitionView::placementName).toList());
                    return false;
                }
                own = mine.get(0);
                directory.reversePromotion(c, own);
                c.commit();
                LOG.infof("promotion of %s in %s cancelled: moving back", tenant, collection.name());
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            directory.announce(c, own);
            return true;
        }
    }

    /** Empties the tenant's own (DRAINING) partition back into its bucket and drops it: CANCELLED. */
    private Outcome moveBack(JobContext ctx, CollectionView collection, String tenant, List<PartitionView> own, MoveProgress progress)
            throws Exception {
        progress.stopOnCancel = false;
        for (PartitionView p : own) {
            if (p.state().routable()) {
                throw new IllegalStateException("partition " + p.placementName() + " of a cancelled promotion is still " + p.state());
            }
            while (true) {
                PartitionMover.Drained drained = mover.drain(collection, p, tenant, progress.cursorFor(p, mover.remaining(p.id(), tenant)),
                        progress);
                if (ctx.stopRequested()) {
                    return Outcome.yielded();
                }
                if (drained.empty() && (PartitionLookup.partition(dataSource, p.id()) == null || mover.dropDrained(collection, p, progress))) {
                    break;
                }
            }
        }
        progress.finish();
        return Outcome.cancelled(result(ctx, "cancelled; what was moved was moved back", null));
    }

    /**
     * With the tenant's writes held off: if no registry row of the tenant names a shard of its bucket, marks
     * the promotion complete (searches stop covering the bucket); {@code false} if one does (drain again).
     */
    private boolean complete(JobContext ctx, CollectionView collection, String tenant, int bucket) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            List<PartitionView> own;
            c.setAutoCommit(false);
            try {
                holdOffWrites(c, collection, tenant);
                ctx.fence(c);
                List<Long> shards = PartitionLookup.keyShards(c, collection.name(), tenant, new PartitionKey.Bucket(bucket)).stream()
                        .map(PartitionView::id).toList();
                try (PreparedStatement s = c.prepareStatement("""
                        SELECT 1 FROM vector_registry WHERE tenant_id = ? AND collection = ? AND partition_id = ANY (?) LIMIT 1""")) {
                    s.setString(1, tenant);
                    s.setString(2, collection.name());
                    s.setArray(3, c.createArrayOf("bigint", shards.toArray()));
                    try (ResultSet rs = s.executeQuery()) {
                        if (rs.next()) {
                            c.rollback();
                            return false;
                        }
                    }
                }
                own = PartitionLookup.dedicated(c, collection.name(), tenant);
                for (PartitionView p : own) {
                    directory.completePromotion(c, p);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            for (PartitionView p : own) {
                directory.announce(c, p);
            }
            return true;
        }
    }

    /** Only the tenant's writes wait (the others of the bucket never do); the collection is not dropped meanwhile. */
    private static void holdOffWrites(Connection c, CollectionView collection, String tenant) throws SQLException {
        WriteLocks.excludeTenantWrites(c, tenant);
        WriteLocks.keepCollection(c, collection.name());
    }

    private Map<String, Object> result(JobContext ctx, String outcome, String partition) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("outcome", outcome);
        result.put("tenant", ctx.job().target());
        if (partition != null) {
            result.put("partition", partition);
        }
        return result;
    }

    private void awaitAnnouncement(JobContext ctx) throws InterruptedException {
        long until = System.nanoTime() + config.split().announceGrace().toNanos();
        while (System.nanoTime() < until && !ctx.stopRequested()) {
            Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }

    // ---------------------------------------------------------------- reads

    private List<PartitionView> own(CollectionView collection, String tenant) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return PartitionLookup.dedicated(c, collection.name(), tenant);
        }
    }

    /** Whether any of these partitions is still promoting from a bucket. */
    private boolean promoting(List<PartitionView> own) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            for (PartitionView p : own) {
                if (PartitionLookup.promotingFrom(c, p.id()) != null) {
                    return true;
                }
            }
            return false;
        }
    }

    private List<PartitionView> bucketShards(CollectionView collection, String tenant, int bucket) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return PartitionLookup.keyShards(c, collection.name(), tenant, new PartitionKey.Bucket(bucket));
        }
    }
}
