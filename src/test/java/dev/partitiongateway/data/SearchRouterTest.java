package dev.partitiongateway.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.adapter.lucene.LuceneBackend;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.BackendHealth;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out path, on a real Lucene backend that is told to report no native multi-placement
 * search: its merged results must equal the backend's own multi-placement search.
 */
class SearchRouterTest {

    @TempDir
    Path root;

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private LuceneBackend lucene;
    private final CollectionSpec spec = new CollectionSpec("routed", 8, Metric.L2);
    private final List<Placement> placements = new ArrayList<>();

    @BeforeEach
    void load() {
        lucene = new LuceneBackend(root);
        lucene.ensureCollection(spec);
        Random random = new Random(7);
        for (int p = 0; p < 4; p++) {
            Placement placement = Placement.dedicated(spec, "p" + p, "tenant");
            lucene.ensurePartition(placement);
            List<VectorRecord> records = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                float[] v = new float[8];
                for (int d = 0; d < 8; d++) {
                    v[d] = random.nextFloat();
                }
                records.add(new VectorRecord("p" + p + "-" + i, v, Map.of("even", i % 2 == 0)));
            }
            lucene.upsert(placement, records);
            placements.add(placement);
        }
    }

    @AfterEach
    void close() {
        lucene.close();
        pool.shutdownNow();
    }

    @Test
    void should_merge_fanned_out_results_exactly_like_a_native_multi_placement_search() {
        SearchRouter router = new SearchRouter(pool, Duration.ofSeconds(10));
        SearchQuery query = new SearchQuery(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, 12,
                new Filter.Compare("even", FilterOperator.EQ, true), false, true);

        List<Match> fannedOut = router.search(new OnePlacementPerCall(lucene), placements, query);
        List<Match> nativeResult = router.search(lucene, placements, query);

        assertThat(fannedOut).extracting(Match::id).containsExactlyElementsOf(nativeResult.stream().map(Match::id).toList());
        assertThat(fannedOut).hasSize(12);
        assertThat(fannedOut).extracting(Match::score).isSortedAccordingTo((a, b) -> Float.compare(b, a));
        assertThat(fannedOut.stream().map(Match::placement).distinct().count()).isGreaterThan(1);
    }

    @Test
    void should_fail_the_whole_search_when_one_placement_fails() {
        SearchRouter router = new SearchRouter(pool, Duration.ofSeconds(10));
        List<Placement> withMissing = new ArrayList<>(placements);
        withMissing.add(Placement.dedicated(spec, "never_created", "tenant"));
        SearchQuery query = new SearchQuery(new float[8], 5, null, false, false);

        assertThatThrownBy(() -> router.search(new OnePlacementPerCall(lucene), withMissing, query))
                .isInstanceOf(BackendException.NotFound.class);
    }

    @Test
    void should_fail_with_a_timeout_when_a_placement_misses_the_deadline() {
        SearchRouter router = new SearchRouter(pool, Duration.ofMillis(200));
        SearchQuery query = new SearchQuery(new float[8], 5, null, false, false);
        VectorBackend slowOnOnePlacement = new OnePlacementPerCall(lucene) {
            @Override
            public List<Match> search(List<Placement> ps, SearchQuery q) {
                if (ps.get(0).name().equals("p3")) {
                    sleep(2_000);
                }
                return super.search(ps, q);
            }
        };

        assertThatThrownBy(() -> router.search(slowOnOnePlacement, placements, query))
                .isInstanceOf(BackendException.Timeout.class);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The real backend, reporting that it searches one placement per call (as Pinecone namespaces do). */
    private static class OnePlacementPerCall implements VectorBackend {
        private final VectorBackend delegate;

        OnePlacementPerCall(VectorBackend delegate) {
            this.delegate = delegate;
        }

        @Override
        public Capabilities capabilities() {
            Capabilities c = delegate.capabilities();
            return new Capabilities(false, c.maxBatchSize(), c.filterOperators(), c.constantTimeDropPartition(),
                    c.consistency(), c.maxIdLength());
        }

        @Override
        public List<Match> search(List<Placement> ps, SearchQuery q) {
            assertThat(ps).hasSize(1);
            return delegate.search(ps, q);
        }

        @Override public String kind() { return delegate.kind(); }
        @Override public void ensureCollection(CollectionSpec s) { delegate.ensureCollection(s); }
        @Override public void dropCollection(CollectionSpec s) { delegate.dropCollection(s); }
        @Override public void ensurePartition(Placement p) { delegate.ensurePartition(p); }
        @Override public void dropPartition(Placement p) { delegate.dropPartition(p); }
        @Override public void upsert(Placement p, List<VectorRecord> r) { delegate.upsert(p, r); }
        @Override public List<VectorRecord> fetch(Placement p, Collection<String> ids) { return delegate.fetch(p, ids); }
        @Override public long delete(Placement p, Collection<String> ids) { return delegate.delete(p, ids); }
        @Override public long deleteByFilter(Placement p, Filter f) { return delegate.deleteByFilter(p, f); }
        @Override public long count(Placement p, Filter f) { return delegate.count(p, f); }
        @Override public RecordCursor scan(Placement p, ScanRequest r) { return delegate.scan(p, r); }
        @Override public BackendHealth health() { return delegate.health(); }
        @Override public void close() { }
    }
}
