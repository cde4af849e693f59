package dev.partitiongateway.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;

/**
 * What a {@link JobHandler} sees of the job it runs: its parameters and checkpoint, and the means to
 * report progress and to prove, inside each transaction it commits, that it still owns the job.
 */
public final class JobContext {

    /** This run no longer owns the job: its lease ran out and another run took it over. Nothing more may be committed. */
    public static final class LeaseLost extends RuntimeException {
        LeaseLost(long job) {
            super("job " + job + " was taken over by another run (its lease ran out)");
        }
    }

    private final Job job;
    private final JsonNode params;
    private final JobStore store;
    private final String runner;
    private final BooleanSupplier stopping;
    private volatile String checkpoint;
    private volatile boolean cancelRequested;
    /** Progress as a ratio (0 to 1) at the last report, for the job's gauge: read at each scrape, so a field. */
    private volatile double ratio;

    JobContext(Job job, JsonNode params, String checkpoint, JobStore store, String runner, BooleanSupplier stopping) {
        this.job = job;
        this.params = params;
        this.checkpoint = checkpoint;
        this.store = store;
        this.runner = runner;
        this.stopping = stopping;
        this.cancelRequested = job.cancelRequested();
    }

    public long id() {
        return job.id();
    }

    public Job job() {
        return job;
    }

    public JsonNode params() {
        return params;
    }

    /** The checkpoint of the last progress report, {@code null} on a first run. */
    public String checkpoint() {
        return checkpoint;
    }

    public int attempt() {
        return job.attempt();
    }

    /**
     * Records progress and the checkpoint to resume from (in its own transaction: call it after the
     * work it describes has committed). Throws {@link LeaseLost} if another run owns the job now.
     */
    public void progress(long done, Long total, String checkpoint) {
        cancelRequested = store.progress(job.id(), runner, job.attempt(), done, total, checkpoint);
        this.checkpoint = checkpoint;
        if (total != null && total > 0) {
            ratio = Math.min(1.0, (double) done / total);
        }
    }

    /**
     * Inside the caller's transaction: fails with {@link LeaseLost} unless this run still owns the job,
     * and keeps another run from taking it over until the transaction ends. Call it in every
     * transaction that commits the job's work, so that two runs never both commit.
     */
    public void fence(Connection c) throws SQLException {
        if (!store.fence(c, job.id(), runner, job.attempt())) {
            throw new LeaseLost(job.id());
        }
    }

    /** Progress as a ratio from 0 to 1, as of the last report that knew the total. */
    public double ratio() {
        return ratio;
    }

    /** Whether an operator asked to cancel the job (as of the last progress report). */
    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** Whether the process is shutting down: stop at the next consistent point and return {@link JobHandler.Outcome#yielded()}. */
    public boolean stopRequested() {
        return stopping.getAsBoolean();
    }

    void cancelRequested(boolean requested) {
        this.cancelRequested = requested;
    }
}
