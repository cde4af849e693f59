package dev.partitiongateway.tenant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.config.GatewayConfig;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one tenant may do at once and per second on this gateway process: requests in progress
 * (a share of the worker threads, so that bodies a tenant never finishes sending cannot hold them
 * all), requests per second, and vectors upserted per second (token buckets, Bucket4j). Each limit
 * is the tenant's own or the configured default; a change of the tenant's limits applies to its next
 * request. Limits are per process: with N replicas a tenant may reach N times them.
 */
@ApplicationScoped
public class TenantLimiter {

    /** The answer to a request for admission. */
    public sealed interface Admission {
    }

    /** Refused: how long the tenant should wait before trying again. Nothing was taken. */
    public record Refusal(String reason, Duration retryAfter) implements Admission {
    }

    /** Let in: the permit goes back with {@link #release()} when the request ends, whatever happens to it. */
    public static final class Admitted implements Admission {
        private final Semaphore concurrency;
        private final AtomicBoolean released = new AtomicBoolean();

        private Admitted(Semaphore concurrency) {
            this.concurrency = concurrency;
        }

        /** Idempotent. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                concurrency.release();
            }
        }
    }

    /** Permits of one tenant, made from its effective limits; a tenant whose limits change gets new ones. */
    private record Limits(Semaphore concurrency, Bucket requests, Bucket vectors, TenantView.Limits made) {
    }

    private final GatewayConfig.Tenants defaults;
    private final int maxBatch;
    private final Cache<String, Limits> byTenant = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterAccess(Duration.ofMinutes(30)).build();

    TenantLimiter(GatewayConfig config) {
        this.defaults = config.tenants();
        this.maxBatch = config.limits().maxBatch();
    }

    /** Takes one of the tenant's concurrent-request permits and one request token; a refusal takes nothing. */
    public Admission admit(TenantView tenant) {
        Limits limits = limits(tenant);
        if (!limits.concurrency().tryAcquire()) {
            return new Refusal("tenant '" + tenant.id() + "' already has " + maxConcurrent(tenant)
                    + " requests in progress, its limit", Duration.ofSeconds(1));
        }
        ConsumptionProbe probe = limits.requests().tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            limits.concurrency().release();
            return new Refusal("tenant '" + tenant.id() + "' is over its rate of " + requestsPerSecond(tenant)
                    + " requests per second", Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
        return new Admitted(limits.concurrency());
    }

    /** Takes {@code vectors} tokens of the tenant's upsert rate, or says how long to wait (nothing taken then). */
    public Optional<Refusal> admitVectors(TenantView tenant, int vectors) {
        ConsumptionProbe probe = limits(tenant).vectors().tryConsumeAndReturnRemaining(vectors);
        if (probe.isConsumed()) {
            return Optional.empty();
        }
        return Optional.of(new Refusal("tenant '" + tenant.id() + "' is over its rate of " + vectorsPerSecond(tenant)
                + " upserted vectors per second", Duration.ofNanos(probe.getNanosToWaitForRefill())));
    }

    /** The limits that apply to the tenant: its own where it has them, else the configured defaults. */
    public TenantView.Limits effective(TenantView tenant) {
        return new TenantView.Limits(requestsPerSecond(tenant), vectorsPerSecond(tenant), maxConcurrent(tenant));
    }

    private Limits limits(TenantView tenant) {
        Limits current = byTenant.get(tenant.id(), id -> create(tenant));
        if (!current.made().equals(tenant.limits())) {
            // The tenant's limits changed since these were made (a TENANT change usually drops them first).
            byTenant.invalidate(tenant.id());
            current = byTenant.get(tenant.id(), id -> create(tenant));
        }
        return current;
    }

    private Limits create(TenantView tenant) {
        int rps = requestsPerSecond(tenant);
        int vps = vectorsPerSecond(tenant);
        // A full batch always fits in the vector bucket: a low rate delays large batches instead of refusing them forever.
        int vectorBurst = Math.max(vps, maxBatch);
        return new Limits(new Semaphore(maxConcurrent(tenant)),
                Bucket.builder().addLimit(Bandwidth.builder().capacity(rps).refillGreedy(rps, Duration.ofSeconds(1)).build()).build(),
                Bucket.builder().addLimit(Bandwidth.builder().capacity(vectorBurst).refillGreedy(vps, Duration.ofSeconds(1)).build()).build(),
                tenant.limits());
    }

    private int requestsPerSecond(TenantView tenant) {
        return tenant.limits().requestsPerSecond() != null ? tenant.limits().requestsPerSecond() : defaults.requestsPerSecond();
    }

    private int vectorsPerSecond(TenantView tenant) {
        return tenant.limits().vectorsPerSecond() != null ? tenant.limits().vectorsPerSecond() : defaults.vectorsPerSecond();
    }

    private int maxConcurrent(TenantView tenant) {
        return tenant.limits().maxConcurrentRequests() != null ? tenant.limits().maxConcurrentRequests() : defaults.maxConcurrentRequests();
    }

    void onChange(@Observes Change change) {
        switch (change.kind()) {
            case TENANT -> byTenant.invalidate(change.key());
            case EVERYTHING -> byTenant.invalidateAll();
            default -> {
            }
        }
    }
}
