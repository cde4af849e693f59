package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dedicated placement's index records its owner, refuses other tenants' writes, and so searches without a tenant filter. */
class LuceneDedicatedPlacementTest {

    private static final CollectionSpec COLLECTION = new CollectionSpec("docs", 8, Metric.COSINE);

    @TempDir
    Path root;

    @Test
    void should_refuse_writes_and_ensures_of_another_tenant_on_a_dedicated_placement_even_after_a_restart() throws Exception {
        Placement owner = Placement.dedicated(COLLECTION, "owned", "acme");
        Placement intruder = Placement.dedicated(COLLECTION, "owned", "globex");
        Placement intruderAsBucket = Placement.shared(COLLECTION, "owned", "globex");
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(COLLECTION);
            backend.ensurePartition(owner);
            backend.upsert(owner, List.of(record("x", 1)));

            assertThatThrownBy(() -> backend.upsert(intruder, List.of(record("y", 2)))).isInstanceOf(BackendException.Rejected.class)
                    .hasMessageContaining("dedicated to another tenant");
            assertThatThrownBy(() -> backend.upsert(intruderAsBucket, List.of(record("y", 2)))).isInstanceOf(BackendException.Rejected.class);
            assertThatThrownBy(() -> backend.ensurePartition(intruder)).isInstanceOf(BackendException.Rejected.class);
            assertThat(backend.count(intruder, null)).isZero();
            assertThat(backend.search(List.of(intruder), new SearchQuery(vector(1), 10, null, false, false))).isEmpty();
        }
        try (FSDirectory directory = FSDirectory.open(root.resolve("docs").resolve("owned"));
             DirectoryReader reader = DirectoryReader.open(directory)) {
            assertThat(reader.getIndexCommit().getUserData()).containsEntry(PlacementIndex.OWNER, "acme");
        }
        try (LuceneBackend restarted = new LuceneBackend(root)) {
            assertThatThrownBy(() -> restarted.upsert(intruder, List.of(record("y", 2)))).isInstanceOf(BackendException.Rejected.class);
            restarted.upsert(owner, List.of(record("z", 3)));
            assertThat(restarted.count(owner, null)).isEqualTo(2);
            assertThat(restarted.count(intruder, null)).isZero();
            assertThat(restarted.fetch(intruder, List.of("x", "z"))).isEmpty();
        }
    }

    @Test
    void should_return_the_same_results_from_an_owned_index_as_from_a_tenant_filtered_one() {
        Random random = new Random(7);
        List<VectorRecord> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            records.add(new VectorRecord("r" + i, randomVector(random), Map.of("parity", i % 2 == 0 ? "even" : "odd", "i", i)));
        }
        Placement dedicated = Placement.dedicated(COLLECTION, "own", "acme");
        Placement bucket = Placement.shared(COLLECTION, "bucket", "acme");
        Placement neighbour = Placement.shared(COLLECTION, "bucket", "globex");
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(COLLECTION);
            backend.ensurePartition(dedicated);
            backend.ensurePartition(bucket);
            backend.upsert(dedicated, records);
            backend.upsert(bucket, records);
            List<VectorRecord> others = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                others.add(new VectorRecord("r" + i, randomVector(random), Map.of("parity", "even")));
            }
            backend.upsert(neighbour, others);

            for (int q = 0; q < 20; q++) {
                float[] vector = randomVector(random);
                Filter filter = q % 2 == 0 ? null : new Filter.Compare("parity", FilterOperator.EQ, "even");
                SearchQuery query = new SearchQuery(vector, 10, filter, false, true);
                List<Match> owned = backend.search(List.of(dedicated), query);
                List<Match> filtered = backend.search(List.of(bucket), query);
                List<String> exact = records.stream()
                        .filter(r -> filter == null || "even".equals(r.metadata().get("parity")))
                        .sorted(Comparator.comparingDouble((VectorRecord r) -> -cosine(vector, r.values())))
                        .limit(10).map(VectorRecord::id).toList();
                assertThat(owned).extracting(Match::id).containsExactlyElementsOf(exact);
                assertThat(filtered).extracting(Match::id).containsExactlyElementsOf(exact);
                assertThat(owned).extracting(Match::score).containsExactlyElementsOf(filtered.stream().map(Match::score).toList());
            }
            Filter even = new Filter.Compare("parity", FilterOperator.EQ, "even");
            assertThat(backend.count(dedicated, even)).isEqualTo(backend.count(bucket, even)).isEqualTo(150);
            assertThat(scanIds(backend, dedicated)).containsExactlyElementsOf(scanIds(backend, bucket));
            assertThat(backend.deleteByFilter(dedicated, even)).isEqualTo(backend.deleteByFilter(bucket, even)).isEqualTo(150);
            assertThat(backend.count(neighbour, null)).isEqualTo(300);
        }
    }

    @Test
    void should_keep_filtering_by_tenant_in_an_index_that_records_no_owner() {
        // What an index created as a bucket, or before owners were recorded, looks like to a dedicated call.
        Placement bucketA = Placement.shared(COLLECTION, "legacy", "acme");
        Placement bucketB = Placement.shared(COLLECTION, "legacy", "globex");
        try (LuceneBackend backend = new LuceneBackend(root)) {
            backend.ensureCollection(COLLECTION);
            backend.ensurePartition(bucketA);
            backend.upsert(bucketA, List.of(record("a", 1)));
            backend.upsert(bucketB, List.of(record("b", 2), record("c", 3)));
        }
        try (LuceneBackend restarted = new LuceneBackend(root)) {
            Placement dedicatedA = Placement.dedicated(COLLECTION, "legacy", "acme");
            assertThat(restarted.count(dedicatedA, null)).isEqualTo(1);
            assertThat(restarted.search(List.of(dedicatedA), new SearchQuery(vector(1), 10, null, false, false)))
                    .extracting(Match::id).containsExactly("a");
        }
    }

    private static List<String> scanIds(LuceneBackend backend, Placement placement) {
        List<String> ids = new ArrayList<>();
        try (RecordCursor cursor = backend.scan(placement, new ScanRequest(64, null, false))) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                page.forEach(r -> ids.add(r.id()));
            }
        }
        return ids;
    }

    private static VectorRecord record(String id, int seed) {
        return new VectorRecord(id, randomVector(new Random(seed)), Map.of());
    }

    private static float[] vector(float first) {
        float[] v = new float[8];
        v[0] = first;
        return v;
    }

    private static float[] randomVector(Random random) {
        float[] v = new float[8];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
