package dev.partitiongateway.stats;

import dev.partitiongateway.backend.LatencyBuckets;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code gateway_requests_seconds{collection,operation,outcome}}: tenant data requests on a collection, a
 * histogram with the {@linkplain LatencyBuckets gateway's buckets}. {@code collection} is only ever the
 * name of a collection that exists ({@link #UNKNOWN_COLLECTION} otherwise), so the label sets are bounded by
 * collections × operations × 3 outcomes whatever clients send.
 */
@ApplicationScoped
public class RequestMeters {

    /** The collection label of requests that named no collection the caller could use (unknown, or refused before). */
    public static final String UNKNOWN_COLLECTION = "_none";

    private final MeterRegistry meters;
    /**
     * The timers by label set, so that a request records into its timer without building an id and
     * sorting its tags, as registering does each time. As bounded as the label sets themselves.
     */
    private final Map<Labels, Timer> timers = new ConcurrentHashMap<>();

    private record Labels(String collection, String operation, String outcome) {
    }

    RequestMeters(MeterRegistry meters) {
        this.meters = meters;
    }

    /**
     * One request: {@code operation} is its operationId (searchVectors, upsertVectors...), the outcome
     * {@code ok}, {@code client_error} or {@code server_error} from its status.
     */
    public void record(String collection, String operation, int status, long nanos) {
        String outcome = status < 400 ? "ok" : status < 500 ? "client_error" : "server_error";
        timer(new Labels(collection, operation, outcome)).record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(Labels labels) {
        return timers.computeIfAbsent(labels, l -> LatencyBuckets.histogram(Timer.builder("gateway.requests"))
                .description("Tenant data requests on a collection, from the request's arrival to its response")
                .tag("collection", l.collection()).tag("operation", l.operation()).tag("outcome", l.outcome())
                .register(meters));
    }
}
