package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes do not refresh the searcher; the first read after them does. Whatever the interleaving,
 * a read that starts after a write was acknowledged must see it, and a write's own next read too.
 */
class LuceneReadAfterWriteTest {

    private static final CollectionSpec COLLECTION = new CollectionSpec("docs", 4, Metric.L2);
    private static final Placement PLACEMENT = Placement.dedicated(COLLECTION, "p", "tenant");

    @TempDir
    Path root;

    @Test
    void should_show_every_acknowledged_write_to_every_read_that_starts_after_it() throws Exception {
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(COLLECTION);
            backend.ensurePartition(PLACEMENT);
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int w = 0; w < 5; w++) {
                int writer = w;
                workers.add(pool.submit(() -> {
                    int written = 0;
                    while (!stop.get()) {
                        String id = "w" + writer + "-" + written;
                        float[] vector = {writer * 100 + written, writer, 1, 1};
                        backend.upsert(PLACEMENT, List.of(new VectorRecord(id, vector, Map.of())));
                        acknowledged.add(id);
                        // Its own next read, a fetch and a search.
                        assertThat(backend.fetch(PLACEMENT, List.of(id))).extracting(VectorRecord::id).containsExactly(id);
                        List<Match> nearest = backend.search(List.of(PLACEMENT), new SearchQuery(vector, 1, null, false, false));
                        assertThat(nearest).extracting(Match::id).containsExactly(id);
                        written++;
                    }
                    return written;
                }));
            }
            for (int r = 0; r < 3; r++) {
                workers.add(pool.submit(() -> {
                    int reads = 0;
                    while (!stop.get()) {
                        List<String> before = List.copyOf(acknowledged);
                        assertThat(backend.count(PLACEMENT, null)).isGreaterThanOrEqualTo(before.size());
                        assertThat(backend.fetch(PLACEMENT, before)).hasSize(before.size());
                        reads++;
                    }
                    return reads;
                }));
            }
            Thread.sleep(3000);
            stop.set(true);
            int total = 0;
            for (Future<Integer> worker : workers) {
                total += worker.get(1, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertThat(total).isPositive();
            assertThat(backend.count(PLACEMENT, null)).isEqualTo(acknowledged.size());
        }
    }
}
