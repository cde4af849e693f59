package dev.partitiongateway.adapter.qdrant;

import com.google.common.util.concurrent.ListenableFuture;
import dev.partitiongateway.spi.BackendException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Every call to Qdrant goes through here: each attempt carries the configured deadline, UNAVAILABLE is
 * retried a bounded number of times with a doubling pause, and failures leave as SPI exceptions
 * (through {@link QdrantFailures}). A timeout or a rate limit is never retried here: the first would
 * outlast the caller's budget, the second is the caller's to wait out.
 */
final class QdrantRpc {

    /** Beyond the gRPC deadline, in case the channel fails to report it. */
    private static final long GUARD_MILLIS = 2_000;

    private final Duration timeout;
    private final int maxRetries;
    private final Duration backoff;

    QdrantRpc(Duration timeout, int maxRetries, Duration backoff) {
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.backoff = backoff;
    }

    /** Runs {@code rpc} (given the per-call deadline) until it succeeds, fails for good or runs out of retries. */
    <T> T call(String what, Function<Duration, ListenableFuture<T>> rpc) {
        for (int attempt = 0; ; attempt++) {
            try {
                return await(what, rpc.apply(timeout));
            } catch (BackendException.Unavailable e) {
                if (attempt >= maxRetries || e.retryAfter().isPresent() || !QdrantFailures.transientUnavailable(e.getCause())) {
                    throw e;
                }
                pause(attempt, e);
            }
        }
    }

    /** One attempt, no retry: for health probes, which must answer quickly. */
    <T> T callOnce(String what, Function<Duration, ListenableFuture<T>> rpc) {
        return await(what, rpc.apply(timeout));
    }

    /** Starts every call at once and waits for all; a call that fails transiently is retried on its own. */
    <T> List<T> callAll(String what, List<Function<Duration, ListenableFuture<T>>> rpcs) {
        List<ListenableFuture<T>> started = new ArrayList<>();
        rpcs.forEach(rpc -> started.add(rpc.apply(timeout)));
        List<T> results = new ArrayList<>();
        try {
            for (int i = 0; i < started.size(); i++) {
                T result;
                try {
                    result = await(what, started.get(i));
                } catch (BackendException.Unavailable e) {
                    if (maxRetries == 0 || e.retryAfter().isPresent() || !QdrantFailures.transientUnavailable(e.getCause())) {
                        throw e;
                    }
                    pause(0, e);
                    result = call(what, rpcs.get(i));
                }
                results.add(result);
            }
        } catch (RuntimeException e) {
            started.forEach(f -> f.cancel(true));
            throw e;
        }
        return results;
    }

    private <T> T await(String what, Future<T> future) {
        try {
            return future.get(timeout.toMillis() + GUARD_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw QdrantFailures.translate(e.getCause(), what);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new BackendException.Timeout(what + ": no answer from Qdrant within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new BackendException.Unavailable(what + ": interrupted while waiting for Qdrant", e);
        } catch (RuntimeException e) {
            throw QdrantFailures.translate(e, what);
        }
    }

    private void pause(int attempt, BackendException.Unavailable failure) {
        try {
            Thread.sleep(backoff.toMillis() << Math.min(attempt, 10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure;
        }
    }
}
