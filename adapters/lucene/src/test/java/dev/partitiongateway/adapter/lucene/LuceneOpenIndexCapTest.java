package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** At most gateway.lucene.max-open-indexes placements stay open; the others are closed when idle and reopened on demand. */
class LuceneOpenIndexCapTest {

    private static final CollectionSpec COLLECTION = new CollectionSpec("docs", 4, Metric.L2);
    private static final int CAP = 4;
    private static final int PLACEMENTS = 50;

    @TempDir
    Path root;

    @Test
    void should_serve_fifty_placements_used_concurrently_with_at_most_four_open_when_idle() throws Exception {
        try (LuceneBackend backend = new LuceneBackend(root, new LuceneBackend.Options(16, 100, 100, CAP))) {
            backend.ensureCollection(COLLECTION);
            List<Placement> placements = new ArrayList<>();
            for (int p = 0; p < PLACEMENTS; p++) {
                Placement placement = Placement.dedicated(COLLECTION, "p" + p, "tenant" + p);
                backend.ensurePartition(placement);
                placements.add(placement);
            }
            assertThat(backend.openIndexCount()).isLessThanOrEqualTo(CAP);

            Map<Integer, AtomicInteger> written = new ConcurrentHashMap<>();
            int threads = 8;
            int rounds = 60;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        Random random = new Random(thread);
                        for (int r = 0; r < rounds; r++) {
                            int p = random.nextInt(PLACEMENTS);
                            Placement placement = placements.get(p);
                            String id = "t" + thread + "_" + r;
                            float[] values = {p, thread, r, 1};
                            backend.upsert(placement, List.of(new VectorRecord(id, values, Map.of())));
                            written.computeIfAbsent(p, k -> new AtomicInteger()).incrementAndGet();
                            // The write is visible at once, whatever was closed and reopened meanwhile.
                            List<Match> found = backend.search(List.of(placement), new SearchQuery(values, 1, null, false, false));
                            assertThat(found).extracting(Match::id).containsExactly(id);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> future : futures) {
                    // A guard against a deadlock hanging the build, not a performance assertion.
                    future.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }

            for (int p = 0; p < PLACEMENTS; p++) {
                AtomicInteger expected = written.get(p);
                assertThat(backend.count(placements.get(p), null)).as("placement %d", p).isEqualTo(expected == null ? 0 : expected.get());
            }
            assertThat(backend.openIndexCount()).isLessThanOrEqualTo(CAP);
        }
    }

    @Test
    void should_keep_a_scan_readable_when_its_index_is_closed_to_make_room() {
        try (LuceneBackend backend = new LuceneBackend(root, new LuceneBackend.Options(16, 100, 100, 2))) {
            backend.ensureCollection(COLLECTION);
            Placement scanned = Placement.dedicated(COLLECTION, "scanned", "t");
            backend.ensurePartition(scanned);
            List<VectorRecord> records = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                records.add(new VectorRecord("r" + i, new float[] {1, i, 0, 0}, Map.of()));
            }
            backend.upsert(scanned, records);

            List<String> ids = new ArrayList<>();
            try (RecordCursor cursor = backend.scan(scanned, new ScanRequest(10, null, false))) {
                cursor.next().forEach(r -> ids.add(r.id()));
                for (int p = 0; p < 5; p++) {
                    Placement other = Placement.dedicated(COLLECTION, "other" + p, "t");
                    backend.ensurePartition(other);
                    backend.upsert(other, List.of(new VectorRecord("x", new float[] {0, 0, 1, 0}, Map.of())));
                }
                assertThat(backend.openIndexCount()).isLessThanOrEqualTo(2);
                for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                    page.forEach(r -> ids.add(r.id()));
                }
            }

            assertThat(ids).hasSize(25).doesNotHaveDuplicates();
            assertThat(backend.count(scanned, null)).isEqualTo(25);
        }
    }
}
