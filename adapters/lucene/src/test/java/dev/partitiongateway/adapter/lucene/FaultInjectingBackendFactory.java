package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.support.ForwardingBackend;
import dev.partitiongateway.spi.VectorBackendFactory;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A backend kind for tests ({@code faulty}): a real Lucene backend under {@code <data-dir>/faulty}
 * whose calls fail on command, the way a remote backend fails: refused before doing anything, or
 * applied and then reported as timed out, or slow.
 */
@ApplicationScoped
public class FaultInjectingBackendFactory implements VectorBackendFactory {

    public static final String KIND = "faulty";

    /** What the next data calls do; shared by the test and the backend instance. */
    public static final class Faults {
        private static final AtomicInteger failuresLeft = new AtomicInteger();
        private static volatile Supplier<BackendException> failure;
        private static volatile boolean applyFirst;
        private static volatile Duration latency = Duration.ZERO;
        private static final AtomicInteger dataCalls = new AtomicInteger();
        private static volatile boolean multiPlacementSearch = true;
        private static final java.util.Map<String, Duration> slowPlacements = new java.util.concurrent.ConcurrentHashMap<>();
        private static final java.util.Set<String> failingPlacements = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private static final AtomicInteger upsertsInside = new AtomicInteger();
        private static final AtomicInteger mostUpsertsInside = new AtomicInteger();
        private static volatile int gather;
        private static volatile Duration gatherPatience = Duration.ZERO;

        private Faults() {
        }

        /** The next {@code calls} data calls fail with {@code failure} before touching the index. */
        public static void failNext(int calls, Supplier<BackendException> failure) {
            Faults.failure = failure;
            applyFirst = false;
            failuresLeft.set(calls);
        }

        /** Every data call fails until {@link #heal()}. */
        public static void failAlways(Supplier<BackendException> failure) {
            failNext(Integer.MAX_VALUE, failure);
        }

        /** The next {@code calls} data calls are applied to the index, then reported as timed out. */
        public static void applyThenTimeOut(int calls) {
            failure = () -> new BackendException.Timeout("applied, then the answer was lost", null);
            applyFirst = true;
            failuresLeft.set(calls);
        }

        /** Every data call takes at least this long. */
        public static void slow(Duration latency) {
            Faults.latency = latency;
        }

        /** Searches that name this placement take at least this long. */
        public static void slowPlacement(String placement, Duration latency) {
            slowPlacements.put(placement, latency);
        }

        /** Searches that name this placement fail as unavailable. */
        public static void failPlacement(String placement) {
            failingPlacements.add(placement);
        }

        /** Whether the backend searches several placements in one call (as Lucene and Milvus do) or one per call (as Pinecone). */
        public static void multiPlacementSearch(boolean supported) {
            multiPlacementSearch = supported;
        }

        /**
         * Each upsert waits (at most {@code patience}) inside the backend until {@code writers} upserts are
         * inside at once; {@link #mostUpsertsInside()} tells how many ever were. Writes that the gateway
         * serialises never meet there.
         */
        public static void gatherUpserts(int writers, Duration patience) {
            synchronized (upsertsInside) {
                gather = writers;
                gatherPatience = patience;
                upsertsInside.set(0);
                mostUpsertsInside.set(0);
            }
        }

        public static int mostUpsertsInside() {
            return mostUpsertsInside.get();
        }

        static void enterUpsert() {
            synchronized (upsertsInside) {
                int inside = upsertsInside.incrementAndGet();
                mostUpsertsInside.accumulateAndGet(inside, Math::max);
                upsertsInside.notifyAll();
                long deadline = System.nanoTime() + gatherPatience.toNanos();
                while (upsertsInside.get() < gather && mostUpsertsInside.get() < gather) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    try {
                        upsertsInside.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        static void leaveUpsert() {
            upsertsInside.decrementAndGet();
        }

        public static void heal() {
            gather = 0;
            gatherPatience = Duration.ZERO;
            failuresLeft.set(0);
            latency = Duration.ZERO;
            slowPlacements.clear();
            failingPlacements.clear();
            multiPlacementSearch = true;
        }

        static void placementFaults(List<Placement> placements) {
            for (Placement p : placements) {
                Duration slow = slowPlacements.get(p.name());
                if (slow != null) {
                    try {
                        Thread.sleep(slow.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new BackendException.Timeout("interrupted while slow", e);
                    }
                }
                if (failingPlacements.contains(p.name())) {
                    throw new BackendException.Unavailable("placement " + p.name() + " is down", null);
                }
            }
        }

        /** Data calls that reached the backend (failed or not) since the last {@link #resetCount()}. */
        public static int dataCalls() {
            return dataCalls.get();
        }

        public static void resetCount() {
            dataCalls.set(0);
        }

        static <T> T call(Supplier<T> operation) {
            dataCalls.incrementAndGet();
            if (!latency.isZero()) {
                try {
                    Thread.sleep(latency.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            boolean fail = failuresLeft.getAndUpdate(n -> n > 0 ? (n == Integer.MAX_VALUE ? n : n - 1) : 0) > 0;
            if (!fail) {
                return operation.get();
            }
            if (applyFirst) {
                operation.get();
            }
            throw failure.get();
        }
    }

    private final String dataDir;

    FaultInjectingBackendFactory(@ConfigProperty(name = "gateway.data-dir") String dataDir) {
        this.dataDir = dataDir;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public VectorBackend create() {
        LuceneBackend lucene = new LuceneBackend(Path.of(dataDir).resolve(KIND), new LuceneBackend.Options(16, 100, 100));
        return new ForwardingBackend(lucene) {
            @Override
            public String kind() {
                return KIND;
            }

            @Override
            public Capabilities capabilities() {
                Capabilities c = lucene.capabilities();
                return new Capabilities(Faults.multiPlacementSearch, c.maxBatchSize(), c.filterOperators(), c.constantTimeDropPartition(),
                        c.consistency(), c.maxIdLength(), false); // it stands for a remote backend: slow, failing, timing out
            }

            @Override
            public void upsert(Placement placement, List<VectorRecord> records) {
                Faults.call(() -> {
                    if (Faults.gather > 0) {
                        Faults.enterUpsert();
                        try {
                            lucene.upsert(placement, records);
                        } finally {
                            Faults.leaveUpsert();
                        }
                    } else {
                        lucene.upsert(placement, records);
                    }
                    return null;
                });
            }

            @Override
            public boolean searchesFromMemory(List<Placement> placements) {
                return false; // it stands for a remote backend: every search may wait
            }

            @Override
            public List<Match> search(List<Placement> placements, SearchQuery query) {
                return Faults.call(() -> {
                    Faults.placementFaults(placements);
                    return lucene.search(placements, query);
                });
            }

            @Override
            public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
                return Faults.call(() -> lucene.fetch(placement, ids));
            }

            @Override
            public long delete(Placement placement, Collection<String> ids) {
                return Faults.call(() -> lucene.delete(placement, ids));
            }

            @Override
            public long deleteByFilter(Placement placement, Filter filter) {
                return Faults.call(() -> lucene.deleteByFilter(placement, filter));
            }

            @Override
            public long count(Placement placement, Filter filter) {
                return Faults.call(() -> lucene.count(placement, filter));
            }

            @Override
            public RecordCursor scan(Placement placement, ScanRequest request) {
                return Faults.call(() -> lucene.scan(placement, request));
            }
        };
    }
}
