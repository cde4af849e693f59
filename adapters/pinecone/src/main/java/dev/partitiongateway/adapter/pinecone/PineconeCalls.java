package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.spi.BackendException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs one Pinecone call under a deadline with bounded retries. Every attempt gets what is left of
 * the deadline; rate-limited (429 / RESOURCE_EXHAUSTED) and unavailable calls are retried with
 * exponential backoff and jitter (or the server's retry-after, if longer) while attempts and time
 * remain. Pinecone's writes are idempotent (upsert and delete by id), so retrying them is safe.
 * When retries run out on a rate limit, the failure carries how long to wait, which the gateway
 * turns into a 503 with {@code Retry-After}.
 *
 * <p>By default there is one attempt ({@code gateway.pinecone.retry.max-attempts=1}): the gateway
 * retries failed backend calls itself ({@code gateway.backend.retry.*}), and retries at both layers
 * would multiply.
 */
final class PineconeCalls {

    /** One attempt, given the time left before the deadline. */
    @FunctionalInterface
    interface Attempt<T> {
        T run(Duration remaining) throws Exception;
    }

    private final PineconeOptions.RetryPolicy retry;

    PineconeCalls(PineconeOptions.RetryPolicy retry) {
        this.retry = retry;
    }

    <T> T call(String context, Duration budget, Attempt<T> attempt) {
        long deadline = System.nanoTime() + budget.toNanos();
        Duration backoff = retry.initialBackoff();
        for (int attemptNumber = 1; ; attemptNumber++) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new BackendException.Timeout("Pinecone " + context + " did not complete within " + budget, null);
            }
            Exception failure;
            try {
                return attempt.run(Duration.ofNanos(remaining));
            } catch (BackendException e) {
                throw e;
            } catch (Exception e) {
                failure = e;
            }
            Duration wait = max(PineconeFailures.retryAfter(failure).orElse(Duration.ZERO), jittered(backoff));
            boolean timeLeft = System.nanoTime() + wait.toNanos() < deadline;
            if (!PineconeFailures.retryable(failure) || attemptNumber >= retry.maxAttempts() || !timeLeft) {
                Duration retryAfter = PineconeFailures.isRateLimit(failure)
                        ? PineconeFailures.retryAfter(failure).orElse(roundUpToSecond(backoff))
                        : null;
                throw PineconeFailures.translate(context, failure, retryAfter);
            }
            sleep(wait, context);
            backoff = min(backoff.multipliedBy(2), retry.maxBackoff());
        }
    }

    private static Duration jittered(Duration backoff) {
        long millis = backoff.toMillis();
        if (millis <= 1) {
            return backoff;
        }
        // Full jitter on the upper half: spreads retries of concurrent calls, never shorter than half.
        return Duration.ofMillis(millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
    }

    private static Duration roundUpToSecond(Duration d) {
        long seconds = Math.max(1, (d.toMillis() + 999) / 1000);
        return Duration.ofSeconds(seconds);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration wait, String context) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException.Unavailable("interrupted while retrying Pinecone " + context, e);
        }
    }
}
