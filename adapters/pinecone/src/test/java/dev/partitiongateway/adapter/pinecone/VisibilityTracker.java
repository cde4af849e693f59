package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.support.ForwardingBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.opentest4j.TestAbortedException;

/**
 * The contract suite's {@code awaitVisible} for an eventually consistent Pinecone: a decorator that
 * remembers what the test wrote through it (each placement and tenant's expected records, dropped
 * placements and collections) and, when asked, POLLS the backend through the SPI until every read
 * path shows exactly that: fetch returns the latest version of every record, count and scan list
 * exactly the expected ids, search returns them all, and dropped placements are gone. It never sleeps
 * blindly and fails with what is still not visible when its bound runs out.
 *
 * <p>Optionally it aborts (skips) a test whose collection cannot live in the one index a run is given
 * (a real index has one dimension and one metric), with the reason.
 */
final class VisibilityTracker extends ForwardingBackend {

    private static final Duration POLL = Duration.ofMillis(20);

    private final Duration bound;
    private final Predicate<CollectionSpec> canHold;
    private final String shapeLimit;
    private final Map<Placement, Map<String, VectorRecord>> expected = new ConcurrentHashMap<>();
    /** Dropped placements (one representative per collection and placement name) that must read as NotFound. */
    private final Map<String, Placement> dropped = new ConcurrentHashMap<>();
    private final Set<String> liveCollections = ConcurrentHashMap.newKeySet();

    VisibilityTracker(VectorBackend delegate, Duration bound) {
        this(delegate, bound, spec -> true, null);
    }

    VisibilityTracker(VectorBackend delegate, Duration bound, Predicate<CollectionSpec> canHold, String shapeLimit) {
        super(delegate);
        this.bound = bound;
        this.canHold = canHold;
        this.shapeLimit = shapeLimit;
    }

    VectorBackend delegate() {
        return delegate;
    }

    private static String key(Placement placement) {
        return placement.collection().name() + "/" + placement.name();
    }

    private Map<String, VectorRecord> model(Placement placement) {
        return expected.computeIfAbsent(placement, p -> new ConcurrentHashMap<>());
    }

    // ---------------------------------------------------------------- recording

    @Override
    public void ensureCollection(CollectionSpec spec) {
        if (!liveCollections.contains(spec.name()) && !canHold.test(spec)) {
            throw new TestAbortedException("this run has one Pinecone index (" + shapeLimit + "); collection " + spec.name()
                    + " needs dimension " + spec.dimension() + " and metric " + spec.metric());
        }
        delegate.ensureCollection(spec);
        liveCollections.add(spec.name());
        dropped.values().removeIf(p -> p.collection().name().equals(spec.name()));
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        delegate.dropCollection(spec);
        liveCollections.remove(spec.name());
        for (Placement placement : new ArrayList<>(expected.keySet())) {
            if (placement.collection().name().equals(spec.name())) {
                expected.remove(placement);
                dropped.put(key(placement), placement);
            }
        }
    }

    @Override
    public void ensurePartition(Placement placement) {
        delegate.ensurePartition(placement);
        dropped.remove(key(placement));
        model(placement);
    }

    @Override
    public void dropPartition(Placement placement) {
        delegate.dropPartition(placement);
        expected.keySet().removeIf(p -> key(p).equals(key(placement)));
        dropped.put(key(placement), placement);
    }

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        delegate.upsert(placement, records);
        Map<String, VectorRecord> model = model(placement);
        records.forEach(r -> model.put(r.id(), r));
    }

    @Override
    public long delete(Placement placement, Collection<String> ids) {
        long deleted = delegate.delete(placement, ids);
        Map<String, VectorRecord> model = model(placement);
        ids.forEach(model::remove);
        return deleted;
    }

    @Override
    public long deleteByFilter(Placement placement, Filter filter) {
        long deleted = delegate.deleteByFilter(placement, filter);
        model(placement).values().removeIf(r -> RecordFilter.matches(filter, r.metadata(), r.timestamp()));
        return deleted;
    }

    // Reads pass through (ForwardingBackend).

    // ---------------------------------------------------------------- waiting

    /** Polls until every read path shows what was written through this tracker. */
    void awaitVisible() {
        long deadline = System.nanoTime() + bound.toNanos();
        List<String> pending;
        while (!(pending = notYetVisible()).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("writes still not visible after " + bound + ": " + pending);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for visibility", e);
            }
        }
    }

    private List<String> notYetVisible() {
        List<String> pending = new ArrayList<>();
        for (Map.Entry<Placement, Map<String, VectorRecord>> entry : expected.entrySet()) {
            String problem;
            try {
                problem = check(entry.getKey(), Map.copyOf(entry.getValue()));
            } catch (BackendException e) {
                problem = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            if (problem != null) {
                pending.add(key(entry.getKey()) + " for " + entry.getKey().tenant() + ": " + problem);
            }
        }
        for (Placement gone : dropped.values()) {
            try {
                delegate.count(gone, null);
                pending.add(key(gone) + " still exists after its drop");
            } catch (BackendException.NotFound expectedFailure) {
                // gone, as it should be
            } catch (BackendException e) {
                pending.add(key(gone) + ": " + e.getMessage());
            }
        }
        return pending;
    }

    /** What a read still gets wrong about the placement, or {@code null} when all reads agree. */
    private String check(Placement placement, Map<String, VectorRecord> records) {
        List<String> ids = new ArrayList<>(records.keySet());
        for (int from = 0; from < ids.size(); from += 1000) {
            List<String> chunk = ids.subList(from, Math.min(from + 1000, ids.size()));
            Map<String, VectorRecord> fetched = delegate.fetch(placement, chunk).stream()
                    .collect(Collectors.toMap(VectorRecord::id, r -> r, (a, b) -> a));
            for (String id : chunk) {
                VectorRecord actual = fetched.get(id);
                if (actual == null || !sameVersion(records.get(id), actual)) {
                    return "fetch does not show the latest write of " + id;
                }
            }
        }
        long count = delegate.count(placement, null);
        if (count != records.size()) {
            return "count is " + count + ", expected " + records.size();
        }
        Set<String> scanned = new HashSet<>();
        try (RecordCursor cursor = delegate.scan(placement, new ScanRequest(1000, null, false))) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                page.forEach(r -> scanned.add(r.id()));
            }
        }
        if (!scanned.equals(records.keySet())) {
            return "scan lists " + scanned.size() + " ids, expected " + records.size();
        }
        if (records.size() <= 10_000) {
            float[] query = records.isEmpty() ? ones(placement.collection().dimension()) : records.values().iterator().next().values();
            Set<String> found = delegate.search(List.of(placement), new SearchQuery(query, Math.max(1, records.size()), null, false, false))
                    .stream().map(Match::id).collect(Collectors.toSet());
            if (!found.equals(records.keySet())) {
                return "search finds " + found.size() + " records, expected " + records.size();
            }
        }
        return null;
    }

    private static boolean sameVersion(VectorRecord written, VectorRecord read) {
        if (!Objects.equals(written.timestamp(), read.timestamp())) {
            return false;
        }
        if (read.values() == null || read.values().length != written.values().length) {
            return false;
        }
        for (int i = 0; i < written.values().length; i++) {
            if (Math.abs(written.values()[i] - read.values()[i]) > 1e-5f) {
                return false;
            }
        }
        return Objects.equals(normalised(written.metadata()), normalised(read.metadata()));
    }

    private static Object normalised(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().collect(Collectors.toMap(e -> String.valueOf(e.getKey()), e -> normalised(e.getValue())));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(VisibilityTracker::normalised).toList();
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        return value;
    }

    private static float[] ones(int dimension) {
        float[] v = new float[dimension];
        Arrays.fill(v, 1f);
        return v;
    }
}
