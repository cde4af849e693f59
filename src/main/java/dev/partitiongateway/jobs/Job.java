package dev.partitiongateway.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A lifecycle job as stored, with its progress.
 *
 * @param partitionId   the partition it works on, {@code null} for a collection-wide job
 * @param target        what it works on, for people: a placement name or a collection name
 * @param done          units of work done (vectors moved, archived, restored; windows dropped)
 * @param total         units of work in all, when known
 * @param ratePerSecond units per second in the current (or last) attempt, when known
 * @param etaSeconds    seconds left at that rate, when known
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(long id, String type, String collection, Long partitionId, String target, Map<String, Object> params,
                  JobState state, boolean cancelRequested, long done, Long total, Double ratePerSecond, Long etaSeconds,
                  Map<String, Object> result, String error, String requestedBy, String runner, int attempt,
                  Instant createdAt, Instant startedAt, Instant updatedAt, Instant finishedAt) {

    /** Percentage done (0..100), when the total is known. */
    public Double percent() {
        if (total == null) {
            return state == JobState.SUCCEEDED ? 100.0 : null;
        }
        return total == 0 ? (state.isFinal() ? 100.0 : 0.0) : Math.min(100.0, 100.0 * done / total);
    }

    static Double rate(long doneInAttempt, Instant attemptStartedAt, Instant at) {
        if (attemptStartedAt == null || doneInAttempt <= 0) {
            return null;
        }
        double seconds = Math.max(0.001, Duration.between(attemptStartedAt, at).toMillis() / 1000.0);
        return doneInAttempt / seconds;
    }
}
