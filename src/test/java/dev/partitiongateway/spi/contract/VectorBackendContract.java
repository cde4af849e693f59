package dev.partitiongateway.spi.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.partitiongateway.spi.BackendException;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link VectorBackend} must show. An adapter's test extends this class and
 * supplies its backend; the gateway relies on nothing that is not asserted here.
 *
 * <h2>Hooks</h2>
 * <ul>
 *   <li>{@link #openBackend()} (required) is called before each test, {@link #closeBackend} after it,
 *       once the test's collections are dropped. A test against a shared real server may return one
 *       shared instance and override {@code closeBackend} to do nothing.</li>
 *   <li>{@link #awaitVisible()} is called after every write. Backends with
 *       {@link dev.partitiongateway.spi.Consistency#EVENTUAL eventual} reads override it to wait until
 *       the writes made so far are readable (searchable, countable, scannable).</li>
 *   <li>{@link #sharedLayout()} chooses the layout of the placements most tests use: dedicated (one
 *       tenant per placement, the default) or shared (a {@code SHARED_HASH} bucket). An adapter whose
 *       two layouts differ on the backend runs the suite once for each. Tests about one layout
 *       (tenants sharing a placement, a dedicated placement named with another tenant) choose it.</li>
 *   <li>Capabilities are read from {@code backend().capabilities()}: multi-placement search is only
 *       tested when supported, and a filter with an operator outside {@code filterOperators()} must be
 *       {@link BackendException.Rejected} instead of matching.</li>
 * </ul>
 *
 * <h2>Independence</h2>
 * Each test works in its own collections with unique names, so tests neither see each other nor
 * the other contents of a shared server, and drops them afterwards. Tests that compare vector values
 * use the L2 metric because some backends store cosine vectors normalised.
 */
public abstract class VectorBackendContract {

    /** Small on purpose: the suite also runs against remote servers. */
    protected static final int DIM = 8;
    private static final Offset<Double> SCORE_TOLERANCE = within(1e-3);
    private static final Offset<Float> VALUE_TOLERANCE = within(1e-5f);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** Distinguishes concurrent runs of the suite against one server. */
    private static final String RUN = Long.toString(Math.abs(new Random().nextLong()) % 1_000_000_000L, 36);

    private VectorBackend backend;
    private final List<CollectionSpec> createdCollections = new ArrayList<>();

    /** The backend under test; called before each test. */
    protected abstract VectorBackend openBackend() throws Exception;

    /** Called after each test once its collections are dropped. */
    protected void closeBackend(VectorBackend backend) throws Exception {
        backend.close();
    }

    /** Waits until the writes made so far are visible to reads. Strongly consistent backends need not override it. */
    protected void awaitVisible() {
    }

    /** Whether {@link #newPlacement} makes shared placements (true) or dedicated ones (false, the default). */
    protected boolean sharedLayout() {
        return false;
    }

    protected final VectorBackend backend() {
        return backend;
    }

    @BeforeEach
    final void openBackendUnderTest() throws Exception {
        backend = openBackend();
    }

    @AfterEach
    final void dropCollectionsAndCloseBackend() throws Exception {
        try {
            for (CollectionSpec spec : createdCollections) {
                backend.dropCollection(spec);
            }
        } finally {
            closeBackend(backend);
        }
    }

    // ================================================================ basics

    @Test
    void should_report_healthy() {
        assertThat(backend().health().up()).as(backend().health().detail()).isTrue();
    }

    @Test
    void should_fetch_upserted_records_with_values_and_nested_metadata() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        Map<String, Object> metadata = Map.of(
                "title", "hello",
                "count", 42,
                "ratio", 0.25,
                "published", true,
                "tags", List.of("a", "b"),
                "author", Map.of("name", "ann", "address", Map.of("city", "Oslo", "zip", 150)));
        VectorRecord first = new VectorRecord("r1", vector(1, 2, 3, 4, 5, 6, 7, 8), metadata);
        VectorRecord second = new VectorRecord("r2", vector(-1, 0.5f, 0, 0, 0, 0, 0, 9), Map.of());
        upsert(placement, first, second);

        Map<String, VectorRecord> fetched = byId(backend().fetch(placement, List.of("r1", "r2")));

        assertThat(fetched).containsOnlyKeys("r1", "r2");
        assertThat(fetched.get("r1").values()).containsExactly(first.values(), VALUE_TOLERANCE);
        assertThat(normalised(fetched.get("r1").metadata())).isEqualTo(normalised(metadata));
        assertThat(fetched.get("r2").values()).containsExactly(second.values(), VALUE_TOLERANCE);
        assertThat(fetched.get("r2").metadata()).isEmpty();
    }

    @Test
    void should_refuse_one_search_over_placements_of_two_collections() {
        Placement first = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        Placement second = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        upsert(first, record("r1", 1));

        assertThatThrownBy(() -> backend().search(List.of(first, second), new SearchQuery(randomVector(new Random(3)), 5, null, false, false)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void should_omit_missing_ids_when_fetching() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        upsert(placement, record("present", 1));

        assertThat(ids(backend().fetch(placement, List.of("absent", "present", "also_absent")))).containsExactly("present");
        assertThat(backend().fetch(placement, List.of("absent"))).isEmpty();
        assertThat(backend().fetch(placement, List.of())).isEmpty();
    }

    @Test
    void should_round_trip_the_timestamp() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        Instant timestamp = Instant.parse("2024-03-01T12:34:56.789Z");
        upsert(placement, new VectorRecord("timed", randomVector(new Random(1)), Map.of(), timestamp), record("untimed", 2));

        Map<String, VectorRecord> fetched = byId(backend().fetch(placement, List.of("timed", "untimed")));

        assertThat(fetched.get("timed").timestamp()).isEqualTo(timestamp);
        assertThat(fetched.get("untimed").timestamp()).isNull();
    }

    @Test
    void should_replace_a_record_when_its_id_is_upserted_again() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        upsert(placement, new VectorRecord("x", vector(1, 1, 1, 1, 1, 1, 1, 1), Map.of("version", 1, "old", true)), record("y", 7));
        float[] replacement = vector(-3, 0, 0, 0, 0, 0, 0, 3);

        upsert(placement, new VectorRecord("x", replacement, Map.of("version", 2)));

        assertThat(backend().count(placement, null)).isEqualTo(2);
        VectorRecord fetched = backend().fetch(placement, List.of("x")).get(0);
        assertThat(fetched.values()).containsExactly(replacement, VALUE_TOLERANCE);
        assertThat(normalised(fetched.metadata())).isEqualTo(Map.of("version", 2.0));
        List<Match> nearest = backend().search(List.of(placement), new SearchQuery(replacement, 1, null, false, true));
        assertThat(nearest).extracting(Match::id).containsExactly("x");
        assertThat(nearest.get(0).score()).isCloseTo(1f, within(1e-4f));
        assertThat(backend().count(placement, eq("old", true))).isZero();
    }

    // ================================================================ search

    @ParameterizedTest
    @EnumSource(Metric.class)
    void should_rank_matches_by_the_normalised_score_of_the_metric(Metric metric) {
        Placement placement = newPlacement(newCollection(metric), "main", "tenant_a");
        Random random = new Random(metric.ordinal() + 11);
        List<VectorRecord> records = IntStream.range(0, 20).mapToObj(i -> new VectorRecord("r" + i, randomVector(random), Map.of())).toList();
        upsert(placement, records);
        float[] query = randomVector(random);

        for (int topK : new int[] {5, 20}) {
            List<Match> matches = backend().search(List.of(placement), new SearchQuery(query, topK, null, false, false));

            List<VectorRecord> expected = records.stream()
                    .sorted(Comparator.comparingDouble((VectorRecord r) -> exactScore(metric, query, r.values())).reversed())
                    .limit(topK).toList();
            assertThat(matches).extracting(Match::id).as("top %d by %s", topK, metric).containsExactlyElementsOf(ids(expected));
            for (int i = 0; i < matches.size(); i++) {
                assertThat((double) matches.get(i).score()).as("score of %s", matches.get(i).id())
                        .isCloseTo(exactScore(metric, query, expected.get(i).values()), SCORE_TOLERANCE);
                assertThat(matches.get(i).placement()).isEqualTo(placement.name());
            }
            assertDescending(matches);
        }
    }

    @Test
    void should_return_fewer_matches_than_topK_when_the_placement_holds_fewer_records() {
        Placement placement = newPlacement(newCollection(Metric.COSINE), "main", "tenant_a");
        upsert(placement, record("a", 1), record("b", 2), record("c", 3));

        List<Match> matches = backend().search(List.of(placement), new SearchQuery(randomVector(new Random(9)), 10, null, false, false));

        assertThat(matches).extracting(Match::id).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void should_return_no_matches_from_an_empty_placement() {
        Placement placement = newPlacement(newCollection(Metric.COSINE), "main", "tenant_a");

        assertThat(backend().search(List.of(placement), new SearchQuery(randomVector(new Random(9)), 10, null, false, false))).isEmpty();
    }

    @Test
    void should_return_exactly_topK_matches_when_more_records_exist() {
        Placement placement = newPlacement(newCollection(Metric.DOT), "main", "tenant_a");
        upsert(placement, IntStream.range(0, 30).mapToObj(i -> record("r" + i, i)).toList());

        List<Match> matches = backend().search(List.of(placement), new SearchQuery(randomVector(new Random(5)), 7, null, false, false));

        assertThat(matches).hasSize(7);
        assertThat(matches).extracting(Match::id).doesNotHaveDuplicates();
    }

    @Test
    void should_return_values_and_metadata_only_when_asked() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        float[] values = vector(1, 2, 3, 4, 5, 6, 7, 8);
        upsert(placement, new VectorRecord("only", values, Map.of("colour", "red", "size", Map.of("cm", 3))));

        Match bare = search(placement, values, false, false);
        Match withValues = search(placement, values, true, false);
        Match withMetadata = search(placement, values, false, true);

        assertThat(bare.values()).isNull();
        assertThat(bare.metadata()).isEmpty();
        assertThat(withValues.values()).containsExactly(values, VALUE_TOLERANCE);
        assertThat(withValues.metadata()).isEmpty();
        assertThat(withMetadata.values()).isNull();
        assertThat(normalised(withMetadata.metadata())).isEqualTo(Map.of("colour", "red", "size", Map.of("cm", 3.0)));
    }

    // ================================================================ filters

    @Test
    void should_filter_on_string_equality() {
        Placement placement = filterFixture();

        assertFilter(placement, eq("genre", "news"), "a", "c");
        assertFilter(placement, eq("genre", "nothing"));
    }

    @Test
    void should_filter_on_number_equality() {
        Placement placement = filterFixture();

        assertFilter(placement, eq("year", 2020.0), "a");
        assertFilter(placement, eq("year", 2022.5), "c");
    }

    @Test
    void should_filter_on_boolean_equality() {
        Placement placement = filterFixture();

        assertFilter(placement, eq("draft", true), "b");
        assertFilter(placement, eq("draft", false), "a", "d");
    }

    @Test
    void should_match_records_without_the_field_when_filtering_on_not_equal() {
        Placement placement = filterFixture();

        assertFilter(placement, ne("genre", "news"), "b", "d", "e");
        assertFilter(placement, ne("year", 2020.0), "b", "c", "d", "e");
        assertFilter(placement, ne("draft", true), "a", "c", "d", "e");
    }

    @Test
    void should_filter_on_in() {
        Placement placement = filterFixture();

        assertFilter(placement, in("genre", "news", "sport"), "a", "b", "c");
        assertFilter(placement, in("year", 2021.0, 2019.0), "b", "d");
        assertFilter(placement, in("genre", "sport", 2019.0, true), "b");
    }

    @Test
    void should_match_records_without_the_field_when_filtering_on_not_in() {
        Placement placement = filterFixture();

        assertFilter(placement, nin("genre", "news", "weather"), "b", "e");
        assertFilter(placement, nin("year", 2020.0, 2021.0), "c", "d", "e");
    }

    @Test
    void should_filter_on_numeric_ranges_with_exclusive_and_inclusive_bounds() {
        Placement placement = filterFixture();

        assertFilter(placement, compare("year", FilterOperator.GT, 2020.0), "b", "c");
        assertFilter(placement, compare("year", FilterOperator.GTE, 2020.0), "a", "b", "c");
        assertFilter(placement, compare("year", FilterOperator.LT, 2021.0), "a", "d");
        assertFilter(placement, compare("year", FilterOperator.LTE, 2021.0), "a", "b", "d");
        assertFilter(placement, compare("year", FilterOperator.GT, 2022.4), "c");
        assertFilter(placement, compare("year", FilterOperator.GT, 2022.5));
    }

    @Test
    void should_never_match_strings_with_numeric_ranges() {
        Placement placement = filterFixture();

        assertFilter(placement, compare("genre", FilterOperator.GT, -1e300));
        assertFilter(placement, compare("genre", FilterOperator.LT, 1e300));
    }

    @Test
    void should_filter_on_exists() {
        Placement placement = filterFixture();

        assertFilter(placement, exists("draft", true), "a", "b", "d");
        assertFilter(placement, exists("draft", false), "c", "e");
        assertFilter(placement, exists("author", true), "a", "b", "d");
        assertFilter(placement, exists("author.age", true), "a", "d");
        assertFilter(placement, exists("author.age", false), "b", "c", "e");
    }

    @Test
    void should_combine_filters_with_and_or_and_not() {
        Placement placement = filterFixture();

        assertFilter(placement, and(eq("genre", "news"), compare("year", FilterOperator.GT, 2021.0)), "c");
        assertFilter(placement, or(eq("genre", "sport"), eq("author.name", "ann")), "a", "b", "d");
        assertFilter(placement, not(eq("genre", "news")), "b", "d", "e");
        assertFilter(placement, not(and(eq("genre", "news"), compare("year", FilterOperator.GT, 2021.0))), "a", "b", "d", "e");
        assertFilter(placement, and(or(eq("draft", true), eq("draft", false)), not(exists("author.age", true))), "b");
    }

    @Test
    void should_filter_on_nested_dotted_paths() {
        Placement placement = filterFixture();

        assertFilter(placement, eq("author.name", "ann"), "a", "d");
        assertFilter(placement, compare("author.age", FilterOperator.GTE, 35.0), "d");
        assertFilter(placement, ne("author.name", "ann"), "b", "c", "e");
    }

    @Test
    void should_match_array_values_when_any_element_matches() {
        Placement placement = filterFixture();

        assertFilter(placement, eq("tags", "y"), "a", "b");
        assertFilter(placement, in("tags", "x", "z"), "a");
        assertFilter(placement, ne("tags", "y"), "c", "d", "e");
        assertFilter(placement, nin("tags", "x"), "b", "c", "d", "e");
        assertFilter(placement, compare("scores", FilterOperator.GT, 4.0), "a");
        assertFilter(placement, compare("scores", FilterOperator.LT, 1.5), "a");
        assertFilter(placement, eq("scores", 2.0), "c");
    }

    @Test
    void should_compare_values_type_strictly() {
        Placement placement = filterFixture();

        assertFilter(placement, eq("code", 1.0), "a");
        assertFilter(placement, eq("code", "1"), "b");
        assertFilter(placement, in("code", "1"), "b");
        assertFilter(placement, eq("draft", "true"));
        assertFilter(placement, eq("genre", true));
    }

    @Test
    void should_find_the_true_top_k_among_few_matching_records() {
        Placement placement = newPlacement(newCollection(Metric.COSINE), "main", "tenant_a");
        Random random = new Random(21);
        List<VectorRecord> records = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Map<String, Object> metadata = new HashMap<>();
            if (i % 67 == 5) {
                metadata.put("rare", true);
            }
            if (i % 20 == 3) {
                metadata.put("group", "g");
            }
            records.add(new VectorRecord("r" + i, randomVector(random), metadata));
        }
        upsert(placement, records);
        float[] query = randomVector(random);

        List<Match> rare = backend().search(List.of(placement), new SearchQuery(query, 3, eq("rare", true), false, false));
        assertThat(rare).extracting(Match::id).containsExactlyInAnyOrder("r5", "r72", "r139");

        List<Match> group = backend().search(List.of(placement), new SearchQuery(query, 3, eq("group", "g"), false, false));
        List<String> expected = records.stream()
                .filter(r -> "g".equals(r.metadata().get("group")))
                .sorted(Comparator.comparingDouble((VectorRecord r) -> exactScore(Metric.COSINE, query, r.values())).reversed())
                .limit(3).map(VectorRecord::id).toList();
        assertThat(group).extracting(Match::id).containsExactlyElementsOf(expected);
    }

    // ================================================================ isolation

    @Test
    void should_isolate_placements_of_one_collection() {
        CollectionSpec collection = newCollection(Metric.L2);
        Placement first = newPlacement(collection, "first", "tenant_a");
        Placement second = newPlacement(collection, "second", "tenant_a");
        float[] firstValues = vector(1, 0, 0, 0, 0, 0, 0, 0);
        float[] secondValues = vector(0, 1, 0, 0, 0, 0, 0, 0);
        upsert(first, new VectorRecord("shared", firstValues, Map.of("in", "first")), record("only_first", 1));
        upsert(second, new VectorRecord("shared", secondValues, Map.of("in", "second")), record("only_second", 2), record("also_second", 3));

        assertThat(backend().search(List.of(first), new SearchQuery(secondValues, 10, null, false, true)))
                .allSatisfy(m -> assertThat(m.placement()).isEqualTo("first"))
                .extracting(Match::id).containsExactlyInAnyOrder("shared", "only_first");
        assertThat(backend().fetch(first, List.of("shared", "only_second"))).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(firstValues, VALUE_TOLERANCE))
                .satisfies(r -> assertThat(r.metadata()).containsEntry("in", "first"));
        assertThat(backend().count(first, null)).isEqualTo(2);
        assertThat(backend().count(second, null)).isEqualTo(3);
        assertThat(backend().count(first, eq("in", "second"))).isZero();
        assertThat(scanIds(first, ScanRequest.all(10))).containsExactlyInAnyOrder("shared", "only_first");

        assertThat(backend().delete(first, List.of("shared", "only_second"))).isEqualTo(1);
        awaitVisible();
        assertThat(backend().deleteByFilter(first, eq("in", "second"))).isZero();
        awaitVisible();

        assertThat(backend().count(second, null)).isEqualTo(3);
        assertThat(backend().fetch(second, List.of("shared"))).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(secondValues, VALUE_TOLERANCE));
        assertThat(backend().count(first, null)).isEqualTo(1);
    }

    @Test
    void should_isolate_tenants_sharing_one_placement() {
        CollectionSpec collection = newCollection(Metric.L2);
        Placement tenantA = newSharedPlacement(collection, "shared", "tenant_a");
        Placement tenantB = newSharedPlacement(collection, "shared", "tenant_b");
        float[] valuesA = vector(1, 0, 0, 0, 0, 0, 0, 0);
        float[] valuesB = vector(0, 0, 0, 0, 0, 0, 0, 1);
        upsert(tenantA, new VectorRecord("x", valuesA, Map.of("owner", "a")), new VectorRecord("y", valuesA, Map.of("owner", "a")));
        upsert(tenantB, new VectorRecord("x", valuesB, Map.of("owner", "b")), new VectorRecord("z", valuesB, Map.of("owner", "b")));

        assertThat(backend().search(List.of(tenantA), new SearchQuery(valuesB, 10, null, false, true)))
                .extracting(Match::id, m -> m.metadata().get("owner"))
                .containsExactlyInAnyOrder(tuple("x", "a"), tuple("y", "a"));
        assertThat(backend().search(List.of(tenantA), new SearchQuery(valuesB, 10, eq("owner", "b"), false, false))).isEmpty();
        assertThat(backend().fetch(tenantA, List.of("x", "z"))).singleElement()
                .satisfies(r -> assertThat(r.id()).isEqualTo("x"))
                .satisfies(r -> assertThat(r.values()).containsExactly(valuesA, VALUE_TOLERANCE));
        assertThat(backend().count(tenantA, null)).isEqualTo(2);
        assertThat(backend().count(tenantB, null)).isEqualTo(2);
        assertThat(backend().count(tenantA, eq("owner", "b"))).isZero();
        assertThat(scanIds(tenantA, ScanRequest.all(10))).containsExactlyInAnyOrder("x", "y");

        assertThat(backend().delete(tenantA, List.of("x", "z"))).isEqualTo(1);
        awaitVisible();
        assertThat(backend().deleteByFilter(tenantA, exists("owner", true))).isEqualTo(1);
        awaitVisible();

        assertThat(backend().count(tenantA, null)).isZero();
        assertThat(backend().count(tenantB, null)).isEqualTo(2);
        assertThat(scanIds(tenantB, ScanRequest.all(10))).containsExactlyInAnyOrder("x", "z");
        assertThat(backend().fetch(tenantB, List.of("x"))).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(valuesB, VALUE_TOLERANCE));
    }

    @Test
    void should_merge_matches_across_placements_by_score() {
        assumeThat(backend().capabilities().multiPlacementSearch()).as("multi-placement search").isTrue();
        CollectionSpec collection = newCollection(Metric.COSINE);
        Random random = new Random(33);
        List<Placement> placements = List.of(newPlacement(collection, "p1", "tenant_a"),
                newPlacement(collection, "p2", "tenant_a"), newPlacement(collection, "p3", "tenant_a"));
        Map<String, float[]> all = new HashMap<>();
        Map<String, String> placementOf = new HashMap<>();
        for (Placement placement : placements) {
            List<VectorRecord> records = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                VectorRecord record = new VectorRecord(placement.name() + "_" + i, randomVector(random), Map.of("even", i % 2 == 0));
                records.add(record);
                all.put(record.id(), record.values());
                placementOf.put(record.id(), placement.name());
            }
            upsert(placement, records);
        }
        if (sharedLayout()) {
            Placement otherTenant = newPlacement(collection, "p1", "tenant_b");
            upsert(otherTenant, new VectorRecord("intruder", randomVector(random), Map.of("even", true)));
        }
        float[] query = randomVector(random);

        List<Match> matches = backend().search(List.of(placements.get(0), placements.get(1), placements.get(2)),
                new SearchQuery(query, 8, eq("even", true), false, false));

        List<String> expected = all.entrySet().stream()
                .filter(e -> Integer.parseInt(e.getKey().substring(e.getKey().indexOf('_') + 1)) % 2 == 0)
                .sorted(Comparator.comparingDouble((Map.Entry<String, float[]> e) -> exactScore(Metric.COSINE, query, e.getValue())).reversed())
                .limit(8).map(Map.Entry::getKey).toList();
        assertThat(matches).extracting(Match::id).containsExactlyElementsOf(expected);
        assertThat(matches).allSatisfy(m -> assertThat(m.placement()).isEqualTo(placementOf.get(m.id())));
        assertDescending(matches);
    }

    @Test
    void should_never_show_or_change_a_dedicated_placement_to_another_tenant() {
        CollectionSpec collection = newCollection(Metric.L2);
        Placement owner = newDedicatedPlacement(collection, "owned", "tenant_a");
        float[] values = vector(1, 0, 0, 0, 0, 0, 0, 0);
        upsert(owner, new VectorRecord("x", values, Map.of("owner", "a")), record("y", 4));
        Placement intruder = Placement.dedicated(collection, "owned", "tenant_b");
        SearchQuery query = new SearchQuery(values, 10, null, true, true);

        // An adapter either refuses a call that names another tenant, or scopes it to that tenant (and finds nothing).
        assertRefusedOr(() -> backend().search(List.of(intruder), query), List::isEmpty);
        assertRefusedOr(() -> backend().fetch(intruder, List.of("x", "y")), List::isEmpty);
        assertRefusedOr(() -> backend().count(intruder, null), n -> n == 0);
        assertRefusedOr(() -> scanIds(intruder, ScanRequest.all(10)), List::isEmpty);
        assertRefusedOr(() -> backend().delete(intruder, List.of("x", "y")), n -> n == 0);
        awaitVisible();
        assertRefusedOr(() -> backend().deleteByFilter(intruder, null), n -> n == 0);
        awaitVisible();
        assertRefusedOr(() -> {
            backend().upsert(intruder, List.of(new VectorRecord("x", vector(0, 0, 0, 0, 0, 0, 0, 9), Map.of("owner", "b"))));
            return true;
        }, stored -> true);
        awaitVisible();

        assertThat(backend().count(owner, null)).isEqualTo(2);
        assertThat(backend().fetch(owner, List.of("x"))).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(values, VALUE_TOLERANCE))
                .satisfies(r -> assertThat(r.metadata()).containsEntry("owner", "a"));
        assertThat(backend().search(List.of(owner), query)).extracting(Match::id).containsExactlyInAnyOrder("x", "y");
    }

    @Test
    void should_return_nothing_for_an_empty_list_of_placements() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        upsert(placement, record("a", 1));

        assertThat(backend().search(List.of(), new SearchQuery(randomVector(new Random(1)), 5, null, false, false))).isEmpty();
    }

    @Test
    void should_search_shared_and_dedicated_placements_together() {
        assumeThat(backend().capabilities().multiPlacementSearch()).as("multi-placement search").isTrue();
        CollectionSpec collection = newCollection(Metric.L2);
        Placement bucket = newSharedPlacement(collection, "bucket", "tenant_a");
        Placement own = newDedicatedPlacement(collection, "own", "tenant_a");
        upsert(bucket, new VectorRecord("in_bucket", vector(1, 0, 0, 0, 0, 0, 0, 0), Map.of()));
        upsert(newSharedPlacement(collection, "bucket", "tenant_b"), new VectorRecord("other", vector(1, 0, 0, 0, 0, 0, 0, 0), Map.of()));
        upsert(own, new VectorRecord("in_own", vector(0, 1, 0, 0, 0, 0, 0, 0), Map.of()));

        List<Match> matches = backend().search(List.of(bucket, own), new SearchQuery(vector(1, 0, 0, 0, 0, 0, 0, 0), 10, null, false, false));

        assertThat(matches).extracting(Match::id, Match::placement)
                .containsExactly(tuple("in_bucket", "bucket"), tuple("in_own", "own"));
    }

    // ================================================================ timestamps

    @Test
    void should_filter_on_the_record_timestamp_with_an_inclusive_start_and_an_exclusive_end() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        Instant day = Instant.parse("2024-02-28T00:00:00Z");
        Random random = new Random(31);
        upsert(placement,
                new VectorRecord("start", randomVector(random), Map.of("k", "v"), day),
                new VectorRecord("noon", randomVector(random), Map.of(), day.plusSeconds(12 * 3600)),
                new VectorRecord("last_ms", randomVector(random), Map.of("k", "v"), day.plusSeconds(86_400).minusMillis(1)),
                new VectorRecord("next_day", randomVector(random), Map.of("k", "v"), day.plusSeconds(86_400)),
                new VectorRecord("untimed", randomVector(random), Map.of("k", "v")));

        assertFilter(placement, new Filter.TimeRange(day, day.plusSeconds(86_400)), "start", "noon", "last_ms");
        assertFilter(placement, new Filter.TimeRange(day.plusMillis(1), day.plusSeconds(86_400)), "noon", "last_ms");
        assertFilter(placement, new Filter.TimeRange(null, day.plusSeconds(12 * 3600)), "start");
        assertFilter(placement, new Filter.TimeRange(day.plusSeconds(12 * 3600), null), "noon", "last_ms", "next_day");
        assertFilter(placement, and(new Filter.TimeRange(day, null), eq("k", "v")), "start", "last_ms", "next_day");
        assertFilter(placement, not(new Filter.TimeRange(day, day.plusSeconds(86_400))), "next_day", "untimed");
        assertThat(scanIds(placement, new ScanRequest(2, new Filter.TimeRange(day.plusSeconds(1), null), false)))
                .containsExactlyInAnyOrder("noon", "last_ms", "next_day");

        assertThat(backend().deleteByFilter(placement, new Filter.TimeRange(null, day.plusSeconds(86_400)))).isEqualTo(3);
        awaitVisible();
        assertThat(scanIds(placement, ScanRequest.all(10))).containsExactlyInAnyOrder("next_day", "untimed");
    }

    // ================================================================ deletes

    @Test
    void should_delete_by_id_and_count_only_records_that_existed() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        upsert(placement, record("a", 1), record("b", 2), record("c", 3));

        assertThat(backend().delete(placement, List.of("a", "c", "never"))).isEqualTo(2);
        awaitVisible();
        assertThat(backend().delete(placement, List.of("a", "never"))).isZero();
        awaitVisible();

        assertThat(backend().count(placement, null)).isEqualTo(1);
        assertThat(ids(backend().fetch(placement, List.of("a", "b", "c")))).containsExactly("b");
        assertThat(backend().search(List.of(placement), new SearchQuery(randomVector(new Random(1)), 10, null, false, false)))
                .extracting(Match::id).containsExactly("b");
    }

    @Test
    void should_delete_by_filter_and_return_how_many() {
        Placement placement = filterFixture();

        assertThat(backend().deleteByFilter(placement, eq("genre", "news"))).isEqualTo(2);
        awaitVisible();
        assertThat(backend().deleteByFilter(placement, eq("genre", "news"))).isZero();
        awaitVisible();

        assertThat(backend().count(placement, null)).isEqualTo(3);
        assertThat(scanIds(placement, ScanRequest.all(10))).containsExactlyInAnyOrder("b", "d", "e");
        assertThat(ids(backend().search(List.of(placement), new SearchQuery(randomVector(new Random(2)), 10, null, false, false))))
                .containsExactlyInAnyOrder("b", "d", "e");
    }

    @Test
    void should_drop_a_partition_with_its_records() {
        CollectionSpec collection = newCollection(Metric.L2);
        Placement dropped = newPlacement(collection, "dropped", "tenant_a");
        Placement kept = newPlacement(collection, "kept", "tenant_a");
        upsert(dropped, record("a", 1), record("b", 2));
        upsert(kept, record("a", 3));

        backend().dropPartition(dropped);
        awaitVisible();
        backend().dropPartition(dropped);

        assertThatThrownBy(() -> backend().count(dropped, null)).isInstanceOf(BackendException.NotFound.class);
        assertThat(backend().count(kept, null)).isEqualTo(1);
        backend().ensurePartition(dropped);
        awaitVisible();
        assertThat(backend().count(dropped, null)).isZero();
        assertThat(backend().fetch(dropped, List.of("a", "b"))).isEmpty();
        assertThat(scanIds(dropped, ScanRequest.all(10))).isEmpty();
    }

    @Test
    void should_drop_a_collection_with_its_placements() {
        CollectionSpec collection = newCollection(Metric.L2);
        Placement placement = newPlacement(collection, "main", "tenant_a");
        upsert(placement, record("a", 1));

        backend().dropCollection(collection);
        awaitVisible();
        backend().dropCollection(collection);

        assertThatThrownBy(() -> backend().count(placement, null)).isInstanceOf(BackendException.NotFound.class);
        CollectionSpec recreated = new CollectionSpec(collection.name(), DIM + 1, Metric.DOT);
        backend().ensureCollection(recreated);
        Placement again = placement(recreated, "main", "tenant_a");
        backend().ensurePartition(again);
        awaitVisible();
        assertThat(backend().count(again, null)).isZero();
    }

    // ================================================================ count and scan

    @Test
    void should_count_with_and_without_a_filter() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        assertThat(backend().count(placement, null)).isZero();
        upsert(placement, IntStream.range(0, 12).mapToObj(i -> new VectorRecord("r" + i, randomVector(new Random(i)),
                Map.of("bucket", (double) (i % 3)))).toList());

        assertThat(backend().count(placement, null)).isEqualTo(12);
        assertThat(backend().count(placement, eq("bucket", 0.0))).isEqualTo(4);
        assertThat(backend().count(placement, compare("bucket", FilterOperator.GTE, 1.0))).isEqualTo(8);
    }

    @Test
    void should_scan_every_record_exactly_once_across_pages() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        List<VectorRecord> records = scanFixture(placement);

        List<List<VectorRecord>> pages = scanPages(placement, ScanRequest.all(10));

        assertThat(pages).allSatisfy(page -> assertThat(page).hasSizeBetween(1, 10));
        List<VectorRecord> scanned = pages.stream().flatMap(List::stream).toList();
        assertThat(ids(scanned)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(records));
        Map<String, VectorRecord> expected = byId(records);
        assertThat(scanned).allSatisfy(r -> {
            assertThat(r.values()).containsExactly(expected.get(r.id()).values(), VALUE_TOLERANCE);
            assertThat(normalised(r.metadata())).isEqualTo(normalised(expected.get(r.id()).metadata()));
        });
    }

    @Test
    void should_scan_without_values_when_not_asked() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        List<VectorRecord> records = scanFixture(placement);

        List<VectorRecord> scanned = scanPages(placement, new ScanRequest(7, null, false)).stream().flatMap(List::stream).toList();

        assertThat(ids(scanned)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(records));
        assertThat(scanned).allSatisfy(r -> assertThat(r.values()).isNull());
        assertThat(scanned).allSatisfy(r -> assertThat(r.metadata()).containsKey("parity"));
    }

    @Test
    void should_scan_only_records_matching_the_filter() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        List<VectorRecord> records = scanFixture(placement);

        List<List<VectorRecord>> pages = scanPages(placement, new ScanRequest(10, eq("parity", "even"), true));

        assertThat(pages).allSatisfy(page -> assertThat(page).hasSizeBetween(1, 10));
        List<String> expected = records.stream().filter(r -> "even".equals(r.metadata().get("parity"))).map(VectorRecord::id).toList();
        assertThat(expected).hasSize(27);
        assertThat(ids(pages.stream().flatMap(List::stream).toList())).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    // ================================================================ structure and errors

    @Test
    void should_ensure_collections_and_partitions_idempotently() {
        CollectionSpec collection = newCollection(Metric.COSINE);
        Placement placement = newPlacement(collection, "main", "tenant_a");
        upsert(placement, record("a", 1));

        backend().ensureCollection(collection);
        backend().ensurePartition(placement);
        backend().ensurePartition(placement);
        awaitVisible();

        assertThat(backend().count(placement, null)).isEqualTo(1);
        assertThat(ids(backend().fetch(placement, List.of("a")))).containsExactly("a");
    }

    @Test
    void should_reject_ensuring_an_existing_collection_with_another_dimension_or_metric() {
        CollectionSpec collection = newCollection(Metric.COSINE);

        assertThatThrownBy(() -> backend().ensureCollection(new CollectionSpec(collection.name(), DIM + 1, Metric.COSINE)))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> backend().ensureCollection(new CollectionSpec(collection.name(), DIM, Metric.L2)))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatCode(() -> backend().ensureCollection(collection)).doesNotThrowAnyException();
    }

    @Test
    void should_fail_with_not_found_on_a_placement_that_was_never_ensured() {
        CollectionSpec collection = newCollection(Metric.COSINE);
        Placement missing = placement(collection, "never_ensured", "tenant_a");
        SearchQuery query = new SearchQuery(randomVector(new Random(3)), 3, null, false, false);

        assertThatThrownBy(() -> backend().upsert(missing, List.of(record("a", 1)))).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend().search(List.of(missing), query)).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend().fetch(missing, List.of("a"))).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend().delete(missing, List.of("a"))).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend().deleteByFilter(missing, eq("k", "v"))).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend().count(missing, null)).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend().scan(missing, ScanRequest.all(10)).close()).isInstanceOf(BackendException.NotFound.class);
    }

    @Test
    void should_fail_with_not_found_on_a_collection_that_was_never_ensured() {
        CollectionSpec never = new CollectionSpec(uniqueName(), DIM, Metric.COSINE);
        Placement missing = placement(never, "main", "tenant_a");

        assertThatThrownBy(() -> backend().upsert(missing, List.of(record("a", 1)))).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend().count(missing, null)).isInstanceOf(BackendException.NotFound.class);
    }

    @Test
    void should_reject_vectors_of_the_wrong_dimension_and_write_nothing() {
        Placement placement = newPlacement(newCollection(Metric.COSINE), "main", "tenant_a");
        VectorRecord good = record("good", 1);
        VectorRecord tooLong = new VectorRecord("bad", new float[DIM + 1], Map.of());
        Arrays.fill(tooLong.values(), 1f);

        assertThatThrownBy(() -> backend().upsert(placement, List.of(good, tooLong))).isInstanceOf(BackendException.Rejected.class);
        awaitVisible();
        assertThatThrownBy(() -> backend().search(List.of(placement), new SearchQuery(vector(1, 2, 3), 3, null, false, false)))
                .isInstanceOf(BackendException.Rejected.class);

        assertThat(backend().count(placement, null)).isZero();
    }

    @Test
    void should_reject_values_that_are_not_finite_numbers() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        float[] withNaN = randomVector(new Random(4));
        withNaN[2] = Float.NaN;
        float[] withInfinity = randomVector(new Random(5));
        withInfinity[0] = Float.POSITIVE_INFINITY;

        assertThatThrownBy(() -> backend().upsert(placement, List.of(new VectorRecord("nan", withNaN, Map.of()))))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> backend().upsert(placement, List.of(new VectorRecord("inf", withInfinity, Map.of()))))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> backend().search(List.of(placement), new SearchQuery(withNaN, 3, null, false, false)))
                .isInstanceOf(BackendException.Rejected.class);
        awaitVisible();
        assertThat(backend().count(placement, null)).isZero();
    }

    @Test
    void should_reject_ids_longer_than_the_maximum() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        int max = backend().capabilities().maxIdLength();

        upsert(placement, new VectorRecord("i".repeat(max), randomVector(new Random(6)), Map.of()));
        assertThatThrownBy(() -> backend().upsert(placement, List.of(new VectorRecord("i".repeat(max + 1), randomVector(new Random(7)), Map.of()))))
                .isInstanceOf(BackendException.Rejected.class);

        assertThat(ids(backend().fetch(placement, List.of("i".repeat(max))))).containsExactly("i".repeat(max));
        assertThat(backend().count(placement, null)).isEqualTo(1);
    }

    @Test
    void should_keep_every_record_written_by_concurrent_calls() throws Exception {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        int threads = 4;
        int batches = 10;
        int batchSize = 5;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    Random random = new Random(thread);
                    for (int b = 0; b < batches; b++) {
                        List<VectorRecord> batch = new ArrayList<>();
                        for (int i = 0; i < batchSize; i++) {
                            batch.add(new VectorRecord("t" + thread + "_" + b + "_" + i, randomVector(random), Map.of("thread", (double) thread)));
                        }
                        backend().upsert(placement, batch);
                        backend().search(List.of(placement), new SearchQuery(randomVector(random), 5, eq("thread", (double) thread), false, true));
                        backend().count(placement, null);
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
        awaitVisible();

        assertThat(backend().count(placement, null)).isEqualTo((long) threads * batches * batchSize);
        assertThat(backend().count(placement, eq("thread", 2.0))).isEqualTo((long) batches * batchSize);
        assertThat(scanIds(placement, new ScanRequest(64, null, false))).hasSize(threads * batches * batchSize).doesNotHaveDuplicates();
    }

    // ================================================================ fixtures

    /**
     * Five records covering strings, numbers (integral and fractional), booleans, arrays, nested
     * objects, missing fields and type look-alikes ({@code 1} and {@code "1"}).
     */
    protected final Placement filterFixture() {
        Placement placement = newPlacement(newCollection(Metric.COSINE), "main", "tenant_a");
        Random random = new Random(17);
        upsert(placement,
                new VectorRecord("a", randomVector(random), Map.of("genre", "news", "year", 2020, "draft", false,
                        "tags", List.of("x", "y"), "scores", List.of(1, 5), "author", Map.of("name", "ann", "age", 30), "code", 1)),
                new VectorRecord("b", randomVector(random), Map.of("genre", "sport", "year", 2021, "draft", true,
                        "tags", List.of("y"), "author", Map.of("name", "bob"), "code", "1")),
                new VectorRecord("c", randomVector(random), Map.of("genre", "news", "year", 2022.5, "scores", List.of(2), "rating", 4)),
                new VectorRecord("d", randomVector(random), Map.of("genre", "weather", "year", 2019, "draft", false,
                        "author", Map.of("name", "ann", "age", 41))),
                new VectorRecord("e", randomVector(random), Map.of()));
        return placement;
    }

    /** 53 records, so that pages of 10 (or 7) leave a partial last page. */
    private List<VectorRecord> scanFixture(Placement placement) {
        Random random = new Random(53);
        List<VectorRecord> records = IntStream.range(0, 53)
                .mapToObj(i -> new VectorRecord("rec_" + i, randomVector(random), Map.of("parity", i % 2 == 0 ? "even" : "odd", "i", i)))
                .toList();
        upsert(placement, records.subList(0, 30));
        upsert(placement, records.subList(30, 53));
        return records;
    }

    /** Checks both search and count, or that the backend refuses the filter if it lacks an operator. */
    protected final void assertFilter(Placement placement, Filter filter, String... expectedIds) {
        SearchQuery query = new SearchQuery(randomVector(new Random(99)), 10, filter, false, false);
        Set<FilterOperator> supported = backend().capabilities().filterOperators();
        if (!supported.containsAll(filter.operators())) {
            assertThatThrownBy(() -> backend().search(List.of(placement), query)).as("search with unsupported %s", filter)
                    .isInstanceOf(BackendException.Rejected.class);
            assertThatThrownBy(() -> backend().count(placement, filter)).as("count with unsupported %s", filter)
                    .isInstanceOf(BackendException.Rejected.class);
            return;
        }
        assertThat(ids(backend().search(List.of(placement), query))).as("search with %s", filter).containsExactlyInAnyOrder(expectedIds);
        assertThat(backend().count(placement, filter)).as("count with %s", filter).isEqualTo(expectedIds.length);
    }

    // ================================================================ helpers

    protected final CollectionSpec newCollection(Metric metric) {
        return newCollection(DIM, metric);
    }

    protected final CollectionSpec newCollection(int dimension, Metric metric) {
        CollectionSpec spec = new CollectionSpec(uniqueName(), dimension, metric);
        createdCollections.add(spec);
        backend().ensureCollection(spec);
        return spec;
    }

    /** Lower-case letters, digits and '_', starting with a letter, unique per run and test. */
    protected static String uniqueName() {
        return "ct_" + RUN + "_" + SEQUENCE.incrementAndGet();
    }

    /** An ensured placement in the suite's layout (see {@link #sharedLayout()}). */
    protected final Placement newPlacement(CollectionSpec collection, String name, String tenant) {
        Placement placement = placement(collection, name, tenant);
        backend().ensurePartition(placement);
        return placement;
    }

    /** An ensured shared placement, whatever the suite's layout. */
    protected final Placement newSharedPlacement(CollectionSpec collection, String name, String tenant) {
        Placement placement = Placement.shared(collection, name, tenant);
        backend().ensurePartition(placement);
        return placement;
    }

    /** An ensured dedicated placement, whatever the suite's layout. */
    protected final Placement newDedicatedPlacement(CollectionSpec collection, String name, String tenant) {
        Placement placement = Placement.dedicated(collection, name, tenant);
        backend().ensurePartition(placement);
        return placement;
    }

    /** A placement in the suite's layout, not ensured. */
    protected final Placement placement(CollectionSpec collection, String name, String tenant) {
        return new Placement(collection, name, tenant, sharedLayout());
    }

    protected final void upsert(Placement placement, VectorRecord... records) {
        upsert(placement, List.of(records));
    }

    protected final void upsert(Placement placement, List<VectorRecord> records) {
        backend().upsert(placement, records);
        awaitVisible();
    }

    /** A record whose vector is derived from {@code seed}. */
    protected static VectorRecord record(String id, int seed) {
        return new VectorRecord(id, randomVector(new Random(seed)), Map.of());
    }

    protected static float[] vector(float... values) {
        return values;
    }

    /** Components in [-1, 1), never the zero vector. */
    protected static float[] randomVector(Random random) {
        float[] vector = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            vector[i] = random.nextFloat() * 2f - 1f;
        }
        vector[0] = vector[0] == 0f ? 0.5f : vector[0];
        return vector;
    }

    /** The SPI's normalised score, computed exactly (see {@link Metric}). */
    protected static double exactScore(Metric metric, float[] a, float[] b) {
        double dot = 0;
        double normA = 0;
        double normB = 0;
        double squaredDistance = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
            squaredDistance += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
        }
        return switch (metric) {
            case COSINE -> dot / (Math.sqrt(normA) * Math.sqrt(normB));
            case DOT -> dot;
            case L2 -> 1.0 / (1.0 + squaredDistance);
        };
    }

    private Match search(Placement placement, float[] query, boolean includeValues, boolean includeMetadata) {
        List<Match> matches = backend().search(List.of(placement), new SearchQuery(query, 1, null, includeValues, includeMetadata));
        assertThat(matches).hasSize(1);
        return matches.get(0);
    }

    private List<List<VectorRecord>> scanPages(Placement placement, ScanRequest request) {
        List<List<VectorRecord>> pages = new ArrayList<>();
        try (RecordCursor cursor = backend().scan(placement, request)) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                assertThat(pages).as("a scan that never ends").hasSizeLessThan(10_000);
                pages.add(page);
            }
        }
        return pages;
    }

    private List<String> scanIds(Placement placement, ScanRequest request) {
        return ids(scanPages(placement, request).stream().flatMap(List::stream).toList());
    }

    /** The call is refused as {@link BackendException.Rejected}, or it returns what {@code acceptable} accepts. */
    private static <T> void assertRefusedOr(java.util.function.Supplier<T> call, java.util.function.Predicate<T> acceptable) {
        T result;
        try {
            result = call.get();
        } catch (BackendException.Rejected refused) {
            return;
        }
        assertThat(acceptable.test(result)).as("result of a call naming another tenant: %s", result).isTrue();
    }

    private static void assertDescending(List<Match> matches) {
        for (int i = 1; i < matches.size(); i++) {
            assertThat(matches.get(i).score()).as("score %d is not above score %d", i, i - 1)
                    .isLessThanOrEqualTo(matches.get(i - 1).score());
        }
    }

    private static List<String> ids(List<?> items) {
        return items.stream().map(item -> item instanceof Match m ? m.id() : ((VectorRecord) item).id()).toList();
    }

    private static Map<String, VectorRecord> byId(List<VectorRecord> records) {
        Map<String, VectorRecord> byId = new LinkedHashMap<>();
        records.forEach(r -> assertThat(byId.put(r.id(), r)).as("duplicate id %s", r.id()).isNull());
        return byId;
    }

    /** Numbers as doubles: backends legitimately return 42 as 42, 42L or 42.0. */
    protected static Object normalised(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().collect(Collectors.toMap(e -> String.valueOf(e.getKey()), e -> normalised(e.getValue())));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(VectorBackendContract::normalised).toList();
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        return value;
    }

    protected static Filter eq(String field, Object value) {
        return new Filter.Compare(field, FilterOperator.EQ, value);
    }

    protected static Filter ne(String field, Object value) {
        return new Filter.Compare(field, FilterOperator.NE, value);
    }

    protected static Filter compare(String field, FilterOperator op, double value) {
        return new Filter.Compare(field, op, value);
    }

    protected static Filter in(String field, Object... values) {
        return new Filter.In(field, List.of(values), false);
    }

    protected static Filter nin(String field, Object... values) {
        return new Filter.In(field, List.of(values), true);
    }

    protected static Filter exists(String field, boolean exists) {
        return new Filter.Exists(field, exists);
    }

    protected static Filter and(Filter... operands) {
        return new Filter.And(List.of(operands));
    }

    protected static Filter or(Filter... operands) {
        return new Filter.Or(List.of(operands));
    }

    protected static Filter not(Filter operand) {
        return new Filter.Not(operand);
    }
}
