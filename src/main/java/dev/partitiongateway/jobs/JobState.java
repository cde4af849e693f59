package dev.partitiongateway.jobs;

/** Where a job is in its life. {@code SUCCEEDED}, {@code FAILED} and {@code CANCELLED} are final. */
public enum JobState {
    PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
