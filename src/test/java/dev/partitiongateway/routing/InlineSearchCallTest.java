package dev.partitiongateway.routing;

import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionCatalog;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.stats.PartitionStats;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.ForwardingBackend;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.junit.jupiter.api.Test;

/**
 * A search's only call to a backend in this process is made on the request thread (no hand-off to
 * the fan-out pool); a remote backend's calls, and several calls to any backend, go to the pool; and an
 * answer after the search deadline fails the search the same way on both paths.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class InlineSearchCallTest {

    @Inject
    QueryRouter queries;
    @Inject
    CollectionCatalog catalog;
    @Inject
    BackendRegistry backends;
    @Inject
    PartitionDirectory directory;
    @Inject
    PartitionRouter partitions;
    @Inject
    ManagedExecutor executor;
    @Inject
    PartitionStats stats;

    @Test
    void should_make_the_only_call_to_an_in_process_backend_on_the_calling_thread() {
        Setup one = setup("TENANT", 1);
        Recording lucene = new Recording(backends.get("lucene"), true, false, Duration.ZERO);

        QueryRouter.Outcome outcome = queries.search(one.collection, one.tenant, lucene, plan(false));

        assertThat(outcome.matches()).extracting(Match::id).containsExactly("v0");
        assertThat(lucene.threads).containsExactly(Thread.currentThread());
    }

    @Test
    void should_hand_a_remote_backends_call_to_the_pool() {
        Setup one = setup("TENANT", 1);
        Recording remote = new Recording(backends.get("lucene"), false, false, Duration.ZERO);

        QueryRouter.Outcome outcome = queries.search(one.collection, one.tenant, remote, plan(false));

        assertThat(outcome.matches()).extracting(Match::id).containsExactly("v0");
        assertThat(remote.threads).hasSize(1).doesNotContain(Thread.currentThread());
    }

    @Test
    void should_fan_several_calls_out_to_the_pool_even_for_an_in_process_backend() {
        Setup three = setup("TENANT_TIME", 3);
        Recording lucene = new Recording(backends.get("lucene"), true, false, Duration.ZERO);

        QueryRouter.Outcome outcome = queries.search(three.collection, three.tenant, lucene, plan(false));

        assertThat(outcome.matches()).extracting(Match::id).containsExactlyInAnyOrder("v0", "v1", "v2");
        assertThat(lucene.calls).as("one call per partition").hasSize(3);
        assertThat(lucene.threads).doesNotContain(Thread.currentThread());
    }

    @Test
    void should_make_one_multi_partition_call_to_an_in_process_backend_on_the_calling_thread() {
        Setup three = setup("TENANT_TIME", 3);
        Recording lucene = new Recording(backends.get("lucene"), true, true, Duration.ZERO);

        QueryRouter.Outcome outcome = queries.search(three.collection, three.tenant, lucene, plan(false));

        assertThat(outcome.matches()).extracting(Match::id).containsExactlyInAnyOrder("v0", "v1", "v2");
        assertThat(lucene.calls).as("one call for the three partitions").hasSize(1);
        assertThat(lucene.threads).containsExactly(Thread.currentThread());
    }

    @Test
    void should_fail_an_answer_after_the_deadline_on_the_calling_thread_as_on_the_pool() {
        Setup one = setup("TENANT", 1);
        // The gateway's router with a deadline of 200 ms instead of gateway.search.deadline's 2 s, so the test waits less.
        QueryRouter shortDeadline = new QueryRouter(directory, partitions, executor, Duration.ofMillis(200));
        shortDeadline.stats = stats;
        Duration pastDeadline = Duration.ofMillis(400);
        for (boolean inProcess : new boolean[] {true, false}) {
            Recording slow = new Recording(backends.get("lucene"), inProcess, false, pastDeadline);

            assertThatThrownBy(() -> shortDeadline.search(one.collection, one.tenant, slow, plan(false)))
                    .as("in process: %s", inProcess).isInstanceOf(BackendException.Timeout.class).hasMessageContaining("200 ms deadline");
            QueryRouter.Outcome partial = shortDeadline.search(one.collection, one.tenant, slow, plan(true));
            assertThat(partial.matches()).isEmpty();
            assertThat(partial.failed()).singleElement().satisfies(f -> assertThat(f.reason()).contains("deadline"));
        }
    }

    // ---------------------------------------------------------------- plumbing

    private record Setup(CollectionView collection, String tenant) {
    }

    /** A Lucene collection with one vector {@code vN} per partition of the tenant ({@code partitions} days for TENANT_TIME). */
    private Setup setup(String strategy, int partitions) {
        String tenant = createTenant("inline");
        String key = readWriteKey(tenant);
        String name = Collections.create("inline", 2, "L2", "TENANT".equals(strategy) ? Map.of("strategy", "TENANT")
                : Map.of("strategy", "TENANT_TIME", "granularity", "DAILY"), null);
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        List<Map<String, Object>> vectors = new ArrayList<>();
        for (int n = 0; n < partitions; n++) {
            Map<String, Object> v = new HashMap<>();
            v.put("id", "v" + n);
            v.put("values", List.of(1.0 + n, 1.0));
            if (!"TENANT".equals(strategy)) {
                // Each day at midnight: never ahead of the clock, whatever the hour (01:00 was, in the first hour of a UTC day).
                v.put("timestamp", today.minus(Duration.ofDays(n)).toString());
            }
            vectors.add(v);
        }
        upsert(key, name, vectors).statusCode(200);
        return new Setup(catalog.require(name), tenant);
    }

    private static QueryRouter.Plan plan(boolean allowPartial) {
        return new QueryRouter.Plan(new SearchQuery(new float[] {1, 1}, 10, (Filter) null, false, true), null, null, null, List.of(),
                QueryRouter.Routing.SMART, null, allowPartial, false);
    }

    /** The real backend, claiming to run in this process or not, recording the thread of each search call. */
    private static final class Recording extends ForwardingBackend {
        final boolean inProcess;
        final boolean multiPlacement;
        final Duration delay;
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final List<List<Placement>> calls = java.util.Collections.synchronizedList(new ArrayList<>());

        Recording(VectorBackend delegate, boolean inProcess, boolean multiPlacement, Duration delay) {
            super(delegate);
            this.inProcess = inProcess;
            this.multiPlacement = multiPlacement;
            this.delay = delay;
        }

        @Override
        public List<Match> search(List<Placement> placements, SearchQuery query) {
            threads.add(Thread.currentThread());
            calls.add(placements);
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BackendException.Unavailable("interrupted", e);
                }
            }
            return delegate.search(placements, query);
        }

        @Override
        public Capabilities capabilities() {
            Capabilities c = delegate.capabilities();
            return new Capabilities(multiPlacement, c.maxBatchSize(), c.filterOperators(), c.constantTimeDropPartition(), c.consistency(),
                    c.maxIdLength(), inProcess);
        }

        @Override
        public void close() {
            // the registry's backend: not this test's to close
        }
    }
}
