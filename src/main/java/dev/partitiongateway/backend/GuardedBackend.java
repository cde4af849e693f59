package dev.partitiongateway.backend;

import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.BackendHealth;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * Applies bounded retries with exponential backoff and a circuit breaker (SmallRye Fault Tolerance)
 * to every call of one backend, so that a backend failing for a moment costs a retry, and a dead one
 * answers 503 with Retry-After at once instead of tying up requests, and is tried again by itself.
 *
 * <p>Only {@linkplain BackendException#retryable() retryable} failures are retried and count against
 * the circuit; a refusal (bad input, not found, capacity) is the caller's answer. A rate limit asking
 * for a longer wait than retries allow is passed on, with its Retry-After. Deadlines are the
 * adapters' own ({@code gateway.<kind>.*}): a call is never interrupted here, since interrupting a
 * thread in the middle of a local index write can damage the index.
 */
final class GuardedBackend implements VectorBackend {

    private final VectorBackend delegate;
    private final Guard guard;
    private final String breakerName;
    private final Duration openDelay;

    GuardedBackend(VectorBackend delegate, Guard guard, GatewayConfig.Backend config) {
        this.delegate = delegate;
        this.guard = guard;
        this.breakerName = breakerName(delegate.kind());
        this.openDelay = config.circuitBreaker().delay();
    }

    static String breakerName(String kind) {
        return "backend-" + kind;
    }

    /**
     * The retry policy and the circuit breaker of one backend kind. Made once per kind and kept when
     * the backend is closed and opened again: a circuit breaker is named, and lives as long as the process.
     */
    static Guard guardFor(String kind, GatewayConfig.Backend config) {
        GatewayConfig.Backend.Retry retry = config.retry();
        Duration maxDuration = retry.maxDuration();
        return Guard.create()
                .withDescription("calls to the " + kind + " backend")
                .withRetry()
                    .maxRetries(retry.maxRetries())
                    .delay(Math.max(1, retry.delay().toMillis()), ChronoUnit.MILLIS)
                    .jitter(Math.max(1, retry.delay().toMillis() / 2), ChronoUnit.MILLIS)
                    .maxDuration(Math.max(1, maxDuration.toMillis()), ChronoUnit.MILLIS)
                    .whenException(e -> e instanceof BackendException b && b.retryable()
                            && b.retryAfter().map(wait -> wait.compareTo(maxDuration) <= 0).orElse(true))
                    .withExponentialBackoff().factor(2).maxDelay(Math.max(1, maxDuration.toMillis() / 2), ChronoUnit.MILLIS).done()
                    .done()
                .withCircuitBreaker()
                    .name(breakerName(kind))
                    .requestVolumeThreshold(config.circuitBreaker().requestVolume())
                    .failureRatio(config.circuitBreaker().failureRatio())
                    .delay(config.circuitBreaker().delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(config.circuitBreaker().successThreshold())
                    .when(e -> e instanceof BackendException b && b.retryable())
                    .done()
                .build();
    }

    /** The circuit breaker's state, for health and tests. */
    CircuitBreakerState circuitState() {
        return CircuitBreakerMaintenance.get().currentState(breakerName);
    }

    private <T> T guarded(Supplier<T> call) {
        try {
            return guard.get(call, (Class<T>) (Class<?>) Object.class);
        } catch (CircuitBreakerOpenException open) {
            throw new BackendException.Unavailable("the " + delegate.kind() + " backend failed repeatedly; calls are held off for "
                    + openDelay.toMillis() + " ms before it is tried again", open, openDelay);
        }
    }

    private void guarded(Runnable call) {
        guarded(() -> {
            call.run();
            return null;
        });
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public Capabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public void ensureCollection(CollectionSpec spec) {
        guarded(() -> delegate.ensureCollection(spec));
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        guarded(() -> delegate.dropCollection(spec));
    }

    @Override
    public void ensurePartition(Placement placement) {
        guarded(() -> delegate.ensurePartition(placement));
    }

    @Override
    public void dropPartition(Placement placement) {
        guarded(() -> delegate.dropPartition(placement));
    }

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        guarded(() -> delegate.upsert(placement, records));
    }

    @Override
    public List<Match> search(List<Placement> placements, SearchQuery query) {
        return guarded(() -> delegate.search(placements, query));
    }

    @Override
    public boolean searchesFromMemory(List<Placement> placements) {
        return delegate.searchesFromMemory(placements);
    }

    @Override
    public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
        return guarded(() -> delegate.fetch(placement, ids));
    }

    @Override
    public long delete(Placement placement, Collection<String> ids) {
        return guarded(() -> delegate.delete(placement, ids));
    }

    @Override
    public long deleteByFilter(Placement placement, Filter filter) {
        return guarded(() -> delegate.deleteByFilter(placement, filter));
    }

    @Override
    public long count(Placement placement, Filter filter) {
        return guarded(() -> delegate.count(placement, filter));
    }

    @Override
    public RecordCursor scan(Placement placement, ScanRequest request) {
        return guarded(() -> delegate.scan(placement, request));
    }

    /** Not guarded: readiness must see the backend itself, not a held-off circuit. */
    @Override
    public BackendHealth health() {
        return delegate.health();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
