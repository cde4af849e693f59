package dev.partitiongateway.backend;

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
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Times every call to a backend as {@code gateway_backend_calls_seconds} with one fixed tag set:
 * {@code backend} (kind), {@code operation} and {@code outcome} ({@code ok} or the failure type), a
 * histogram with the {@linkplain LatencyBuckets gateway's buckets}.
 * Applied by {@link BackendRegistry} to each backend it opens, so adapters need no metrics code.
 */
final class MeteredBackend implements VectorBackend {

    static final String METER = "gateway.backend.calls";

    private final VectorBackend delegate;
    private final MeterRegistry meters;
    /**
     * The timers by operation and outcome (at most a dozen operations x four outcomes), so that a call
     * records into its timer without building an id and sorting its tags, as registering does each time.
     */
    private final Map<Call, Timer> timers = new ConcurrentHashMap<>();

    private record Call(String operation, String outcome) {
    }

    MeteredBackend(VectorBackend delegate, MeterRegistry meters) {
        this.delegate = delegate;
        this.meters = meters;
    }

    private <T> T timed(String operation, Supplier<T> call) {
        long start = System.nanoTime();
        String outcome = "ok";
        try {
            return call.get();
        } catch (BackendException e) {
            outcome = outcome(e);
            throw e;
        } catch (RuntimeException e) {
            outcome = "error";
            throw e;
        } finally {
            timer(new Call(operation, outcome)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private Timer timer(Call call) {
        return timers.computeIfAbsent(call, c -> LatencyBuckets.histogram(Timer.builder(METER))
                .description("Calls from the gateway to a vector backend")
                .tag("backend", delegate.kind())
                .tag("operation", c.operation())
                .tag("outcome", c.outcome())
                .register(meters));
    }

    private void timed(String operation, Runnable call) {
        timed(operation, () -> {
            call.run();
            return null;
        });
    }

    private static String outcome(BackendException e) {
        if (e instanceof BackendException.Unavailable) {
            return "unavailable";
        }
        if (e instanceof BackendException.Timeout) {
            return "timeout";
        }
        if (e instanceof BackendException.Rejected) {
            return "rejected";
        }
        return "not_found";
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
        timed("ensure_collection", () -> delegate.ensureCollection(spec));
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        timed("drop_collection", () -> delegate.dropCollection(spec));
    }

    @Override
    public void ensurePartition(Placement placement) {
        timed("ensure_partition", () -> delegate.ensurePartition(placement));
    }

    @Override
    public void dropPartition(Placement placement) {
        timed("drop_partition", () -> delegate.dropPartition(placement));
    }

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        timed("upsert", () -> delegate.upsert(placement, records));
    }

    @Override
    public List<Match> search(List<Placement> placements, SearchQuery query) {
        return timed("search", () -> delegate.search(placements, query));
    }

    @Override
    public boolean searchesFromMemory(List<Placement> placements) {
        return delegate.searchesFromMemory(placements);
    }

    @Override
    public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
        return timed("fetch", () -> delegate.fetch(placement, ids));
    }

    @Override
    public long delete(Placement placement, Collection<String> ids) {
        return timed("delete", () -> delegate.delete(placement, ids));
    }

    @Override
    public long deleteByFilter(Placement placement, Filter filter) {
        return timed("delete_by_filter", () -> delegate.deleteByFilter(placement, filter));
    }

    @Override
    public long count(Placement placement, Filter filter) {
        return timed("count", () -> delegate.count(placement, filter));
    }

    /** Times opening the cursor; its pages are read later, outside this call. */
    @Override
    public RecordCursor scan(Placement placement, ScanRequest request) {
        return timed("scan", () -> delegate.scan(placement, request));
    }

    @Override
    public BackendHealth health() {
        return timed("health", delegate::health);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
