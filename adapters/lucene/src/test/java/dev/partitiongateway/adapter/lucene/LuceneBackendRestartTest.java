package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What lives on disk: restarts, crashes, folders, and indexes readable by stock Lucene. */
class LuceneBackendRestartTest {

    private static final CollectionSpec COLLECTION = new CollectionSpec("docs", 4, Metric.COSINE);
    private static final Placement PLACEMENT = Placement.dedicated(COLLECTION, "tenant_one", "t1");

    @TempDir
    Path root;

    @Test
    void should_see_collections_placements_and_records_after_a_restart() {
        Instant timestamp = Instant.parse("2025-01-02T03:04:05.123456789Z");
        try (LuceneBackend first = new LuceneBackend(root)) {
            first.ensureCollection(COLLECTION);
            first.ensurePartition(PLACEMENT);
            first.upsert(PLACEMENT, List.of(
                    new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("lang", "en", "nested", Map.of("n", 1)), timestamp),
                    new VectorRecord("b", new float[] {0, 1, 0, 0}, Map.of("lang", "de")),
                    new VectorRecord("c", new float[] {0, 0, 1, 0}, Map.of("lang", "en"))));
            first.delete(PLACEMENT, List.of("c"));
        }

        try (LuceneBackend second = new LuceneBackend(root)) {
            assertThat(second.count(PLACEMENT, null)).isEqualTo(2);
            assertThat(second.count(PLACEMENT, new Filter.Compare("lang", FilterOperator.EQ, "en"))).isEqualTo(1);
            VectorRecord a = second.fetch(PLACEMENT, List.of("a", "c")).get(0);
            assertThat(a.values()).containsExactly(1, 0, 0, 0);
            assertThat(a.metadata()).isEqualTo(Map.of("lang", "en", "nested", Map.of("n", 1)));
            assertThat(a.timestamp()).isEqualTo(timestamp);
            List<Match> matches = second.search(List.of(PLACEMENT), new SearchQuery(new float[] {0.1f, 1, 0, 0}, 5, null, false, false));
            assertThat(matches).extracting(Match::id).containsExactly("b", "a");
            assertThat(second.fetch(Placement.dedicated(COLLECTION, "tenant_one", "t2"), List.of("a"))).isEmpty();
            assertThatThrownBy(() -> second.ensureCollection(new CollectionSpec("docs", 5, Metric.COSINE)))
                    .isInstanceOf(BackendException.Rejected.class);
        }
    }

    @Test
    void should_keep_acknowledged_writes_when_the_process_dies_without_closing() throws IOException {
        LuceneBackend crashing = new LuceneBackend(root.resolve("live"), CrashImage.NO_BACKGROUND_CHECKPOINTS);
        try {
            crashing.ensureCollection(COLLECTION);
            crashing.ensurePartition(PLACEMENT);
            crashing.upsert(PLACEMENT, List.of(new VectorRecord("a", new float[] {1, 2, 3, 4}, Map.of())));
            crashing.upsert(PLACEMENT, List.of(new VectorRecord("b", new float[] {4, 3, 2, 1}, Map.of())));
            // What a crash leaves on disk: the files as they are now, with nothing flushed by close().
            CrashImage.copy(root.resolve("live"), root.resolve("after_crash"));
        } finally {
            crashing.close();
        }

        try (LuceneBackend restarted = new LuceneBackend(root.resolve("after_crash"))) {
            assertThat(restarted.count(PLACEMENT, null)).isEqualTo(2);
        }
    }

    @Test
    void should_keep_every_acknowledged_concurrent_write_when_the_process_dies_without_closing() throws Exception {
        LuceneBackend crashing = new LuceneBackend(root.resolve("live"), CrashImage.NO_BACKGROUND_CHECKPOINTS);
        int writers = 16;
        int writesEach = 8;
        java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            crashing.ensureCollection(COLLECTION);
            crashing.ensurePartition(PLACEMENT);
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < writesEach; i++) {
                        String id = "w" + writer + "_" + i;
                        crashing.upsert(PLACEMENT, List.of(new VectorRecord(id, new float[] {1, writer, i, 1}, Map.of("w", (double) writer))));
                        acknowledged.add(id);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<?> future : futures) {
                future.get(5, java.util.concurrent.TimeUnit.MINUTES);
            }
            // Each acknowledged write is visible at once, as before group commit.
            assertThat(crashing.count(PLACEMENT, null)).isEqualTo((long) writers * writesEach);
            // What a crash leaves on disk: the files as they are now, with nothing flushed by close().
            CrashImage.copy(root.resolve("live"), root.resolve("after_crash"));
        } finally {
            pool.shutdownNow();
            crashing.close();
        }

        try (LuceneBackend restarted = new LuceneBackend(root.resolve("after_crash"))) {
            assertThat(acknowledged).hasSize(writers * writesEach);
            assertThat(restarted.count(PLACEMENT, null)).isEqualTo((long) writers * writesEach);
            assertThat(restarted.fetch(PLACEMENT, List.copyOf(acknowledged))).extracting(VectorRecord::id)
                    .containsExactlyInAnyOrderElementsOf(acknowledged);
        }
    }

    @Test
    void should_remove_the_folder_when_dropping_a_partition() {
        Placement other = Placement.dedicated(COLLECTION, "other", "t1");
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(COLLECTION);
            backend.ensurePartition(PLACEMENT);
            backend.ensurePartition(other);
            backend.upsert(PLACEMENT, List.of(new VectorRecord("a", new float[] {1, 2, 3, 4}, Map.of())));
            assertThat(root.resolve("docs").resolve("tenant_one")).isDirectory();

            backend.dropPartition(PLACEMENT);

            assertThat(listNames(root.resolve("docs"))).containsExactlyInAnyOrder("collection.properties", "other");
        }
        try (LuceneBackend restarted = new LuceneBackend(root)) {
            assertThatThrownBy(() -> restarted.count(PLACEMENT, null)).isInstanceOf(BackendException.NotFound.class);
            assertThat(restarted.count(other, null)).isZero();
        }
    }

    @Test
    void should_keep_a_scan_readable_when_its_placement_is_dropped_meanwhile() {
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(COLLECTION);
            backend.ensurePartition(PLACEMENT);
            List<VectorRecord> records = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                records.add(new VectorRecord("r" + i, new float[] {1, i, 0, 0}, Map.of()));
            }
            backend.upsert(PLACEMENT, records);

            List<String> scanned = new ArrayList<>();
            try (RecordCursor cursor = backend.scan(PLACEMENT, new ScanRequest(10, null, true))) {
                cursor.next().forEach(r -> scanned.add(r.id()));
                backend.dropPartition(PLACEMENT);
                for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                    page.forEach(r -> scanned.add(r.id()));
                }
            }

            assertThat(scanned).hasSize(25).doesNotHaveDuplicates();
            assertThatThrownBy(() -> backend.count(PLACEMENT, null)).isInstanceOf(BackendException.NotFound.class);
        }
    }

    @Test
    void should_remove_the_folder_when_dropping_a_collection() {
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(COLLECTION);
            backend.ensurePartition(PLACEMENT);

            backend.dropCollection(COLLECTION);

            assertThat(listNames(root)).isEmpty();
            assertThatThrownBy(() -> backend.ensurePartition(PLACEMENT)).isInstanceOf(BackendException.NotFound.class);
        }
    }

    @Test
    void should_store_search_and_reopen_vectors_of_4096_dimensions() throws IOException {
        CollectionSpec wide = new CollectionSpec("wide", 4096, Metric.L2);
        Placement placement = Placement.dedicated(wide, "main", "t1");
        Random random = new Random(4096);
        float[][] vectors = new float[3][4096];
        for (float[] vector : vectors) {
            for (int i = 0; i < vector.length; i++) {
                vector[i] = random.nextFloat();
            }
        }
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(wide);
            backend.ensurePartition(placement);
            backend.upsert(placement, List.of(new VectorRecord("v0", vectors[0], Map.of()),
                    new VectorRecord("v1", vectors[1], Map.of()), new VectorRecord("v2", vectors[2], Map.of())));
            assertThat(backend.search(List.of(placement), new SearchQuery(vectors[1], 1, null, false, false)))
                    .extracting(Match::id).containsExactly("v1");
        }

        try (LuceneBackend reopened = new LuceneBackend(root)) {
            List<Match> matches = reopened.search(List.of(placement), new SearchQuery(vectors[2], 3, null, true, false));
            assertThat(matches.get(0).id()).isEqualTo("v2");
            assertThat(matches.get(0).score()).isCloseTo(1f, within(1e-6f));
            assertThat(matches.get(0).values()).containsExactly(vectors[2]);
            assertThat(reopened.fetch(placement, List.of("v0")).get(0).values()).containsExactly(vectors[0]);
        }

        // The stock codec (what any Lucene tool uses) reads the index back: the custom format kept its name.
        try (FSDirectory directory = FSDirectory.open(root.resolve("wide").resolve("main"));
             DirectoryReader reader = DirectoryReader.open(directory)) {
            assertThat(reader.numDocs()).isEqualTo(3);
            for (LeafReaderContext leaf : reader.leaves()) {
                FloatVectorValues values = leaf.reader().getFloatVectorValues(RecordDocument.VECTOR);
                assertThat(values.dimension()).isEqualTo(4096);
            }
        }
    }

    @Test
    void should_reject_collections_wider_than_4096_dimensions() {
        try (LuceneBackend backend = new LuceneBackend(root)) {
            assertThatThrownBy(() -> backend.ensureCollection(new CollectionSpec("too_wide", 4097, Metric.L2)))
                    .isInstanceOf(BackendException.Rejected.class);
            assertThat(root.resolve("too_wide")).doesNotExist();
        }
    }

    private static List<String> listNames(Path folder) {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
