package dev.partitiongateway.jobs;

import java.util.Map;

/**
 * One type of lifecycle job (split, archive, restore, retention). The engine ({@link JobRunner})
 * claims a job, hands it to its handler with a {@link JobContext}, and records the outcome.
 *
 * <p>A handler must be resumable: a job may be run again from its last checkpoint by another process
 * after a crash, so every step is idempotent and every batch it commits is fenced with
 * {@link JobContext#fence}. Between batches it reports progress with {@link JobContext#progress}
 * and stops when {@link JobContext#cancelRequested} (leaving the data consistent) or
 * {@link JobContext#stopRequested} (to be resumed later).
 */
public interface JobHandler {

    /** The job type it runs, e.g. {@code SPLIT}. */
    String type();

    /** Runs the job, or resumes it from {@code ctx.checkpoint()}. An exception fails it (or retries it later, if transient). */
    Outcome run(JobContext ctx) throws Exception;

    /**
     * The run failed and no retry follows: the job is about to be recorded FAILED. Called while this run
     * still holds the job (batches fenced with {@code ctx} still commit), to give clients back what the job
     * had taken from them (e.g. an archive gives the partition back to writes). If it throws, the job is
     * recorded FAILED all the same and what it leaves is logged. By default, nothing.
     */
    default void abandon(JobContext ctx, Throwable cause) throws Exception {
    }

    /** How a run ended. */
    record Outcome(JobState state, Map<String, Object> result) {
        public static Outcome succeeded(Map<String, Object> result) {
            return new Outcome(JobState.SUCCEEDED, result);
        }

        /** Cancelled on request; the data is consistent. */
        public static Outcome cancelled(Map<String, Object> result) {
            return new Outcome(JobState.CANCELLED, result);
        }

        /** Stopped because the process is shutting down; the job goes back to PENDING and resumes from its checkpoint. */
        public static Outcome yielded() {
            return new Outcome(JobState.PENDING, null);
        }
    }
}
