package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes are made durable by each placement's write-ahead log and committed to Lucene only at
 * checkpoints: what a crash leaves (a {@link CrashImage}) must reopen with every acknowledged write,
 * as the model of what was acknowledged says, whatever part of it the last commit holds.
 */
class LuceneLogRecoveryTest {

    private static final CollectionSpec COLLECTION = new CollectionSpec("docs", 4, Metric.L2);
    private static final Placement PLACEMENT = Placement.dedicated(COLLECTION, "p1", "tenant_one");
    private static final Placement OTHER = Placement.dedicated(COLLECTION, "p2", "tenant_one");

    @TempDir
    Path root;

    private final Map<LuceneBackend, Path> opened = new IdentityHashMap<>();
    /** The model: what every acknowledged write says each id now holds (absent: deleted or never written). */
    private final Map<String, VectorRecord> acknowledged = new TreeMap<>();

    @AfterEach
    void closeAll() {
        opened.keySet().forEach(LuceneBackend::close);
    }

    @Test
    void should_recover_from_the_log_alone_every_write_acknowledged_since_the_last_commit() throws IOException {
        LuceneBackend live = open("live", CrashImage.NO_BACKGROUND_CHECKPOINTS);
        upsert(live, record("plain", 1, Map.of()));
        // Lucene stores text as UTF-8, so a lone surrogate would not come back (the gateway refuses them before the adapter).
        upsert(live, record("a\u0000\u001fb\uD83D\uDE00", 2, Map.of("s", "\u0000\uD83D\uDE00", "n", Map.of("x", -0.0, "big", 1e308)),
                Instant.parse("2026-11-22T10:15:30.123456789Z")));
        upsert(live, record("overwritten", 3, Map.of("v", "first")));
        upsert(live, record("overwritten", 4, Map.of("v", "second")));
        upsert(live, record("deleted", 5, Map.of()));
        delete(live, "deleted");

        Path image = crash(live);

        // The Lucene commit on disk holds none of it: only the log carries these writes.
        try (DirectoryReader committed = DirectoryReader.open(FSDirectory.open(folder(image, PLACEMENT)))) {
            assertThat(committed.numDocs()).isZero();
        }
        LuceneBackend restarted = open(image, CrashImage.NO_BACKGROUND_CHECKPOINTS);
        assertMatchesModel(restarted);
        List<Match> nearest = restarted.search(List.of(PLACEMENT), new SearchQuery(new float[] {4, 4, 4, 4}, 1, null, false, false));
        assertThat(nearest).extracting(Match::id).containsExactly("overwritten");
    }

    @Test
    void should_replay_only_what_followed_the_last_checkpoint() throws IOException {
        LuceneBackend live = open("live", CrashImage.NO_BACKGROUND_CHECKPOINTS);
        for (int i = 0; i < 20; i++) {
            upsert(live, record("r" + i, i + 1, Map.of("round", 1)));
        }
        live.checkpointDue();
        assertThat(loggedEntries(root.resolve("live"), PLACEMENT)).isZero();
        for (int i = 10; i < 30; i++) {
            upsert(live, record("r" + i, i + 100, Map.of("round", 2)));
        }
        delete(live, "r0", "r15", "r29");

        Path image = crash(live);

        try (DirectoryReader committed = DirectoryReader.open(FSDirectory.open(folder(image, PLACEMENT)))) {
            assertThat(committed.numDocs()).isEqualTo(20);
        }
        assertThat(loggedEntries(image, PLACEMENT)).isEqualTo(21);
        LuceneBackend restarted = open(image, CrashImage.NO_BACKGROUND_CHECKPOINTS);
        assertMatchesModel(restarted);
        // Opening applied the log and committed it: a second crash right away needs no replay.
        assertThat(loggedEntries(image, PLACEMENT)).isZero();
        Path second = crash(restarted);
        assertMatchesModel(open(second, CrashImage.NO_BACKGROUND_CHECKPOINTS));
    }

    @Test
    void should_keep_a_delete_by_filter_once_it_has_returned() throws IOException {
        LuceneBackend live = open("live", CrashImage.NO_BACKGROUND_CHECKPOINTS);
        for (int i = 0; i < 10; i++) {
            upsert(live, record("r" + i, i + 1, Map.of("even", i % 2 == 0)));
        }
        long deleted = live.deleteByFilter(PLACEMENT, new Filter.Compare("even", FilterOperator.EQ, true));
        assertThat(deleted).isEqualTo(5);
        for (int i = 0; i < 10; i += 2) {
            acknowledged.remove("r" + i);
        }
        // A later write of a record the filter matches stays, as it came after the delete.
        upsert(live, record("r0", 42, Map.of("even", true)));

        assertMatchesModel(open(crash(live), CrashImage.NO_BACKGROUND_CHECKPOINTS));
    }

    @Test
    void should_index_metadata_numbers_the_same_live_and_after_a_crash() throws IOException {
        LuceneBackend live = open("live", CrashImage.NO_BACKGROUND_CHECKPOINTS);
        // A Float is written to JSON as 0.1; indexed as the Float it would be 0.10000000149011612.
        upsert(live, record("float", 1, Map.of("x", 0.1f)));
        Filter pointOne = new Filter.Compare("x", FilterOperator.EQ, 0.1);
        long liveMatches = live.count(PLACEMENT, pointOne);

        LuceneBackend restarted = open(crash(live), CrashImage.NO_BACKGROUND_CHECKPOINTS);
        assertThat(restarted.count(PLACEMENT, pointOne)).isEqualTo(liveMatches).isEqualTo(1);
    }

    @Test
    void should_apply_concurrent_writes_of_one_id_in_the_same_order_after_a_crash() throws Exception {
        LuceneBackend live = open("live", CrashImage.NO_BACKGROUND_CHECKPOINTS);
        int writers = 8;
        int rounds = 40;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                        String id = "shared" + (round % 4);
                        live.upsert(PLACEMENT, List.of(new VectorRecord(id, new float[] {writer, round, 1, 1}, Map.of("by", writer))));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        // Which writer won each id is up to the race; whichever it was must win again after the crash.
        for (VectorRecord winner : live.fetch(PLACEMENT, List.of("shared0", "shared1", "shared2", "shared3"))) {
            acknowledged.put(winner.id(), winner);
        }
        assertThat(acknowledged).hasSize(4);

        assertMatchesModel(open(crash(live), CrashImage.NO_BACKGROUND_CHECKPOINTS));
    }

    @Test
    void should_replay_the_log_of_a_placement_closed_while_idle() throws IOException {
        LuceneBackend live = open("live", new LuceneBackend.Options(16, 100, 100, 1, Duration.ofDays(1)));
        upsert(live, record("first", 1, Map.of()));
        live.ensurePartition(OTHER);
        live.upsert(OTHER, List.of(record("elsewhere", 2, Map.of())));
        assertThat(live.openIndexCount()).isEqualTo(1);

        // Reopening the evicted placement applies its log again.
        assertMatchesModel(live);
        upsert(live, record("second", 3, Map.of()));
        assertMatchesModel(open(crash(live), CrashImage.NO_BACKGROUND_CHECKPOINTS));
    }

    @Test
    void should_open_when_the_crash_tore_the_last_record_of_the_log() throws IOException {
        LuceneBackend live = open("live", CrashImage.NO_BACKGROUND_CHECKPOINTS);
        upsert(live, record("kept", 1, Map.of()));
        Path image = crash(live);
        List<WriteAheadLog.Part> parts = WriteAheadLog.list(folder(image, PLACEMENT));
        // A record whose header made it to disk and whose body did not.
        ByteBuffer torn = ByteBuffer.allocate(12).putInt(200).putInt(0x12345678).putInt(7).flip();
        try (var channel = Files.newByteChannel(parts.get(parts.size() - 1).file(), StandardOpenOption.APPEND)) {
            channel.write(torn);
        }

        assertMatchesModel(open(image, CrashImage.NO_BACKGROUND_CHECKPOINTS));
    }

    @Test
    void should_commit_and_truncate_the_log_in_the_background() throws Exception {
        LuceneBackend live = open("live", new LuceneBackend.Options(16, 100, 100, 10, Duration.ofMillis(50)));
        for (int i = 0; i < 30; i++) {
            upsert(live, record("r" + i, i + 1, Map.of()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (loggedEntries(root.resolve("live"), PLACEMENT) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(loggedEntries(root.resolve("live"), PLACEMENT)).isZero();
        try (DirectoryReader committed = DirectoryReader.open(FSDirectory.open(folder(root.resolve("live"), PLACEMENT)))) {
            assertThat(committed.numDocs()).isEqualTo(30);
        }
    }

    @Test
    void should_leave_nothing_to_replay_after_a_clean_close() throws IOException {
        LuceneBackend live = open("live", CrashImage.NO_BACKGROUND_CHECKPOINTS);
        upsert(live, record("a", 1, Map.of()));
        live.close();

        assertThat(WriteAheadLog.list(folder(root.resolve("live"), PLACEMENT))).isEmpty();
        assertMatchesModel(open(root.resolve("live"), CrashImage.NO_BACKGROUND_CHECKPOINTS));
    }

    // ---------------------------------------------------------------- helpers

    private LuceneBackend open(String name, LuceneBackend.Options options) {
        LuceneBackend backend = open(root.resolve(name), options);
        backend.ensureCollection(COLLECTION);
        backend.ensurePartition(PLACEMENT);
        return backend;
    }

    private LuceneBackend open(Path at, LuceneBackend.Options options) {
        LuceneBackend backend = new LuceneBackend(at, options);
        opened.put(backend, at);
        return backend;
    }

    /** What a crash of {@code live} would leave, in a folder of its own. */
    private Path crash(LuceneBackend live) throws IOException {
        Path image = root.resolve("image" + opened.size());
        CrashImage.copy(opened.get(live), image);
        return image;
    }

    private void upsert(LuceneBackend backend, VectorRecord record) {
        backend.upsert(PLACEMENT, List.of(record));
        acknowledged.put(record.id(), record);
    }

    private void delete(LuceneBackend backend, String... ids) {
        backend.delete(PLACEMENT, List.of(ids));
        for (String id : ids) {
            acknowledged.remove(id);
        }
    }

    private void assertMatchesModel(LuceneBackend backend) {
        assertThat(backend.count(PLACEMENT, null)).isEqualTo(acknowledged.size());
        Map<String, VectorRecord> found = new TreeMap<>();
        List<String> ids = new ArrayList<>(acknowledged.keySet());
        ids.add("deleted");
        ids.add("never written");
        backend.fetch(PLACEMENT, ids).forEach(record -> found.put(record.id(), record));
        assertThat(found.keySet()).containsExactlyElementsOf(acknowledged.keySet());
        for (VectorRecord expected : acknowledged.values()) {
            VectorRecord actual = found.get(expected.id());
            assertThat(actual.values()).as(expected.id()).containsExactly(expected.values());
            assertThat(actual.metadata()).as(expected.id()).isEqualTo(normalised(expected.metadata()));
            assertThat(actual.timestamp()).as(expected.id()).isEqualTo(expected.timestamp());
        }
    }

    /** Metadata as JSON gives it back: integers as Integer. */
    private static Map<String, Object> normalised(Map<String, Object> metadata) {
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            return json.readValue(json.writeValueAsString(metadata), new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long loggedEntries(Path backendRoot, Placement placement) throws IOException {
        long entries = 0;
        for (WriteAheadLog.Part part : WriteAheadLog.list(folder(backendRoot, placement))) {
            entries += WriteAheadLog.read(part).size();
        }
        return entries;
    }

    private static Path folder(Path backendRoot, Placement placement) {
        return backendRoot.resolve(placement.collection().name()).resolve(placement.name());
    }

    private static VectorRecord record(String id, float value, Map<String, Object> metadata) {
        return record(id, value, metadata, null);
    }

    private static VectorRecord record(String id, float value, Map<String, Object> metadata, Instant timestamp) {
        return new VectorRecord(id, new float[] {value, value, value, value}, metadata, timestamp);
    }
}
