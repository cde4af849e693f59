package dev.partitiongateway.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.HashShard;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.moves.PartitionMover;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.registry.WriteLocks;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorBackend;
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
import org.jboss.logging.Logger;

/**
 * Splits one partition (a shard of its key) into {@code into} hash shards while it serves traffic. The
 * job's state is the directory's, so a run resumed after a crash knows where it is from the source
 * partition alone:
 * <ul>
 *   <li>source ACTIVE, no shards yet: the <em>switch</em> has not happened. In one transaction holding
 *       off every write that could be placed in the source (its tenant's; the collection's for a shared
 *       bucket): the new shards are inserted ACTIVE and the source becomes DRAINING. From its commit on,
 *       new writes of the source's ids go to the new shards; their placements exist beforehand;</li>
 *   <li>source DRAINING: the {@link PartitionMover} empties it into the new shards, batch by batch, then
 *       the source's placement and directory row are dropped together: the job SUCCEEDED;</li>
 *   <li>cancel asked while DRAINING: one switch makes the source ACTIVE again and the new shards
 *       DRAINING, the mover moves back what was moved and drops them: the job is CANCELLED;</li>
 *   <li>source gone: the split finished (or the tenant, window or collection was deleted).</li>
 * </ul>
 * Nothing about the split is done when the request is accepted, so a PENDING split that is cancelled
 * leaves nothing behind. A split is refused while another partition of the same key is DRAINING: a
 * cancelled split must find exactly the shards it made when it moves back.
 */
@ApplicationScoped
public class SplitJob implements JobHandler {

    public static final String TYPE = "SPLIT";
    /** Most shards one split makes. */
    public static final int MAX_INTO = 16;

    private static final Logger LOG = Logger.getLogger(SplitJob.class);

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final PartitionDirectory directory;
    private final PartitionMover mover;
    private final JobStore jobs;
    private final GatewayConfig config;
    private final ObjectMapper json;

    SplitJob(AgroalDataSource dataSource, BackendRegistry backends, PartitionDirectory directory, PartitionMover mover, JobStore jobs,
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
     * Accepts a split of the partition placed at {@code placement} in the collection into {@code into}
     * shards, as a PENDING job. 404 for an unknown collection or partition; 409 if the partition, or
     * another partition of its key, is being split, or it already has an unfinished job; 400 if the
     * split would cut the key finer than {@link HashShard#MAX_MODULUS} shards. For a DRAINING partition
     * whose job ended without emptying it (FAILED), the job resumes emptying it.
     */
    public Job request(String collectionName, String placement, int into, String requestedBy) {
        try (Connection c = dataSource.getConnection()) {
            CollectionView collection = PartitionLookup.collection(c, collectionName)
                    .orElseThrow(() -> ApiException.notFound("collection '" + collectionName + "'"));
            PartitionView source = byPlacement(c, collection.name(), placement)
                    .orElseThrow(() -> ApiException.notFound("partition '" + placement + "' of collection '" + collectionName + "'"));
            if (source.state().routable()) {
                if (!source.shard().canSplit(into)) {
                    throw ApiException.invalid("into", "partition " + placement + " is shard " + source.shard() + "; " + into
                            + " shards of it would cut its key finer than " + HashShard.MAX_MODULUS + " shards");
                }
                requireSplittable(c, source);
            }
            // A DRAINING partition with no unfinished job (its split failed): the new job finishes emptying it
            // into the routable shards of its key, whatever `into` says; with one unfinished, enqueue refuses (409).
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("into", into);
            return jobs.enqueue(c, new JobStore.NewJob(TYPE, collection.name(), source.id(), placement, params, requestedBy));
        } catch (SQLException e) {
            throw new IllegalStateException("split of " + placement + " in " + collectionName + " failed in the database", e);
        }
    }

    /** 409 unless the partition takes writes, no partition of its key is being emptied, and no promotion moves vectors in or out of it. */
    private static void requireSplittable(Connection c, PartitionView source) throws SQLException {
        if (!source.state().routable()) {
            throw ApiException.conflict("partition " + source.placementName() + " is " + source.state() + "; it cannot be split now");
        }
        if ((source.shared() || source.strategy() == dev.partitiongateway.catalog.PartitionStrategy.TENANT)
                && PartitionLookup.promotionUnderway(c, source.collection(), source.shared() ? null : source.tenantId(), source.bucket())) {
            throw ApiException.conflict("partition " + source.placementName() + " is part of a tenant's promotion out of its shared bucket; "
                    + "split it once the promotion is done");
        }
        for (PartitionView shard : PartitionLookup.keyShards(c, source)) {
            if (!shard.state().routable()) {
                throw ApiException.conflict("partition " + shard.placementName() + " of the same key is " + shard.state()
                        + " (a split in progress); split " + source.placementName() + " once it is done");
            }
        }
    }

    // ---------------------------------------------------------------- the run

    @Override
    public Outcome run(JobContext ctx) throws Exception {
        long sourceId = ctx.job().partitionId();
        int into = ctx.params().path("into").asInt();
        Optional<CollectionView> found = PartitionLookup.collection(dataSource, ctx.job().collection());
        PartitionView source = found.isEmpty() ? null : PartitionLookup.partition(dataSource, sourceId);
        if (source == null) {
            // Dropped by this job's last run (it died before recording its outcome), or with its tenant, window or collection.
            return Outcome.succeeded(result(ctx, "the source partition no longer exists", List.of()));
        }
        CollectionView collection = found.get();
        MoveProgress progress = new MoveProgress(ctx, json);
        if (source.state().routable()) {
            List<PartitionView> made = shardsOf(sourceId);
            if (ctx.cancelRequested() || !made.isEmpty()) {
                return moveBack(ctx, collection, source, progress); // cancelled before the switch, or while moving back
            }
            source = switchToShards(ctx, collection, source, into);
            awaitAnnouncement(ctx);
        }
        while (true) {
            PartitionMover.Drained drained = mover.drain(collection, source, progress.cursorFor(source, mover.remaining(source.id())), progress);
            if (ctx.stopRequested()) {
                return Outcome.yielded();
            }
            if (ctx.cancelRequested() && progress.stopOnCancel) {
                if (reverseSwitch(ctx, collection, source)) {
                    awaitAnnouncement(ctx);
                    return moveBack(ctx, collection, PartitionLookup.partition(dataSource, sourceId), progress);
                }
                progress.stopOnCancel = false;
            }
            if (drained.empty() && PartitionLookup.partition(dataSource, sourceId) == null) {
                return Outcome.succeeded(result(ctx, "the source partition no longer exists", List.of()));
            }
            if (drained.empty() && mover.dropDrained(collection, source, progress)) {
                List<String> shards = new ArrayList<>();
                for (PartitionView shard : shardsOf(sourceId)) {
                    shards.add(shard.placementName());
                }
                progress.finish();
                LOG.infof("split of %s in %s into %d: done, %d vectors moved", source.placementName(), collection.name(), into, progress.done());
                return Outcome.succeeded(result(ctx, "split", shards));
            }
        }
    }

    /** The directory switch: new shards ACTIVE (their placements created first), the source DRAINING. */
    private PartitionView switchToShards(JobContext ctx, CollectionView collection, PartitionView source, int into) throws SQLException {
        VectorBackend backend = backends.get(collection.backend());
        for (HashShard shard : source.shard().split(into)) {
            backend.ensurePartition(new Placement(collection.spec(), PartitionDirectory.placementOf(source, shard),
                    source.tenantId() != null ? source.tenantId() : "_all", source.shared()));
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                holdOffWrites(c, collection, source);
                ctx.fence(c);
                PartitionView current = PartitionLookup.byId(c, List.of(source.id())).get(source.id());
                if (current == null) {
                    throw new IllegalStateException("partition " + source.placementName() + " was dropped before its split started");
                }
                requireSplittable(c, current);
                List<PartitionView> made = directory.beginSplit(c, current, into);
                c.commit();
                LOG.infof("split of %s in %s: writes now go to %s", source.placementName(), collection.name(),
                        made.stream().map(PartitionView::placementName).toList());
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            directory.announce(c, source);
        }
        return PartitionLookup.partition(dataSource, source.id());
    }

    /**
     * The switch that cancels: the source ACTIVE again, its new shards DRAINING. Only while those shards
     * are exactly what this split made of the source, all ACTIVE, so that the routable shards still tile
     * the key afterwards; otherwise (a job resuming the drain of a partition it did not split) the cancel
     * cannot be honoured without breaking that, and the drain goes on: {@code false}.
     */
    private boolean reverseSwitch(JobContext ctx, CollectionView collection, PartitionView source) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                holdOffWrites(c, collection, source);
                ctx.fence(c);
                List<PartitionView> made = PartitionDirectory.splitInto(c, source.id());
                if (!madeWhole(source, made)) {
                    c.rollback();
                    LOG.warnf("split of %s in %s: cancel asked, but its shards %s are not the split's own; it finishes instead",
                            source.placementName(), collection.name(), made.stream().map(PartitionView::placementName).toList());
                    return false;
                }
                directory.reverseSplit(c, source, made);
                c.commit();
                LOG.infof("split of %s in %s cancelled: moving back", source.placementName(), collection.name());
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            directory.announce(c, source);
            return true;
        }
    }

    /** Whether {@code made} are ACTIVE shards that own exactly the ids of {@code source}: what one split of it makes. */
    private static boolean madeWhole(PartitionView source, List<PartitionView> made) {
        if (made.size() < 2 || made.stream().anyMatch(p -> !p.state().routable())) {
            return false;
        }
        List<HashShard> expected = source.shard().canSplit(made.size()) ? source.shard().split(made.size()) : List.of();
        return made.stream().map(PartitionView::shard).sorted(java.util.Comparator.comparingInt(HashShard::residue)).toList()
                .equals(expected);
    }

    /** Empties and drops whatever shards the split made (after the reverse switch, they are DRAINING): the job is CANCELLED. */
    private Outcome moveBack(JobContext ctx, CollectionView collection, PartitionView source, MoveProgress progress) throws Exception {
        progress.stopOnCancel = false;
        List<String> dropped = new ArrayList<>();
        for (PartitionView shard : shardsOf(source.id())) {
            if (shard.state().routable()) {
                throw new IllegalStateException("shard " + shard.placementName() + " of a cancelled split is still " + shard.state());
            }
            while (true) {
                PartitionMover.Drained drained = mover.drain(collection, shard, progress.cursorFor(shard, mover.remaining(shard.id())), progress);
                if (ctx.stopRequested()) {
                    return Outcome.yielded();
                }
                if (drained.empty() && (PartitionLookup.partition(dataSource, shard.id()) == null || mover.dropDrained(collection, shard, progress))) {
                    dropped.add(shard.placementName());
                    break;
                }
            }
        }
        progress.finish();
        return Outcome.cancelled(result(ctx, "cancelled; what was moved was moved back", dropped));
    }

    private Map<String, Object> result(JobContext ctx, String outcome, List<String> shards) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("outcome", outcome);
        result.put("source", ctx.job().target());
        result.put("shards", shards);
        return result;
    }

    private void awaitAnnouncement(JobContext ctx) throws InterruptedException {
        long until = System.nanoTime() + config.split().announceGrace().toNanos();
        while (System.nanoTime() < until && !ctx.stopRequested()) {
            Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }

    private static void holdOffWrites(Connection c, CollectionView collection, PartitionView source) throws SQLException {
        if (source.shared()) {
            WriteLocks.excludeCollectionWrites(c, collection.name());
        } else {
            WriteLocks.excludeTenantWrites(c, source.tenantId());
            WriteLocks.keepCollection(c, collection.name());
        }
    }

    // ---------------------------------------------------------------- reads

    /** The shards the split of {@code sourceId} made that still exist. */
    private List<PartitionView> shardsOf(long sourceId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return PartitionDirectory.splitInto(c, sourceId);
        }
    }

    private static Optional<PartitionView> byPlacement(Connection c, String collection, String placement) throws SQLException {
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
