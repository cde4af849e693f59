package dev.partitiongateway.adapter.pinecone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Struct;
import dev.partitiongateway.adapter.pinecone.fake.FakeIndex;
import dev.partitiongateway.adapter.pinecone.fake.FakePinecone;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.grpc.Status;
import io.pinecone.clients.Index;
import io.pinecone.configs.PineconeConfig;
import io.pinecone.configs.PineconeConnection;
import io.pinecone.unsigned_indices_model.VectorWithUnsignedIndices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What only the Pinecone adapter promises, checked against the fake (the contract suite covers the rest). */
class PineconeBackendTest {

    private static final int DIM = 4;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private FakePinecone fake(FakePinecone.Behaviour behaviour) {
        FakePinecone fake = FakePinecone.start(behaviour);
        opened.add(fake);
        return fake;
    }

    private FakePinecone fake() {
        return fake(FakePinecone.Behaviour.DEFAULTS);
    }

    private static PineconeOptions options(FakePinecone fake) {
        return PineconeOptions.defaults(fake.apiKey(), fake.controlPlaneUrl()).withTls(false);
    }

    private PineconeBackend backend(PineconeOptions options) {
        PineconeBackend backend = new PineconeBackend(options);
        opened.add(backend);
        return backend;
    }

    /** The Pinecone client on one of the fake's indexes, as another application in the same project would use it. */
    private Index connect(FakePinecone fake, FakeIndex index) {
        PineconeConfig config = new PineconeConfig(fake.apiKey());
        config.setHost(index.host());
        config.setTLSEnabled(false);
        Index client = new Index(config, new PineconeConnection(config), index.name());
        opened.add(client);
        return client;
    }

    /** A backend that creates an index per collection in the fake. */
    private PineconeBackend creating(FakePinecone fake) {
        return backend(options(fake).withCreatedIndexes("aws", "us-east-1"));
    }

    private static CollectionSpec collection(String name, Metric metric) {
        return new CollectionSpec(name, DIM, metric);
    }

    private static VectorRecord record(String id, float... values) {
        return new VectorRecord(id, values, Map.of());
    }

    private static float[] random(Random random) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        v[0] = v[0] == 0 ? 0.5f : v[0];
        return v;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static long calls(FakePinecone fake, String method) {
        return fake.calls().stream().filter(c -> c.method().equals(method)).count();
    }

    // ================================================================ capabilities and structure

    @Test
    void should_declare_eventual_reads_every_operator_and_one_namespace_per_query() {
        PineconeBackend backend = creating(fake());

        assertThat(backend.kind()).isEqualTo("pinecone");
        assertThat(backend.capabilities().consistency()).isEqualTo(Consistency.EVENTUAL);
        assertThat(backend.capabilities().filterOperators()).isEqualTo(EnumSet.allOf(FilterOperator.class));
        assertThat(backend.capabilities().multiPlacementSearch()).isFalse();
        assertThat(backend.capabilities().maxBatchSize()).isEqualTo(1000);
        assertThat(backend.capabilities().maxIdLength()).isEqualTo(512);
        assertThat(backend.health().up()).as(backend.health().detail()).isTrue();
    }

    @Test
    void should_refuse_a_collection_without_an_index_unless_creating_indexes_is_allowed() {
        FakePinecone fake = fake();
        PineconeBackend backend = backend(options(fake));

        assertThatThrownBy(() -> backend.ensureCollection(collection("docs", Metric.COSINE)))
                .isInstanceOf(BackendException.Rejected.class)
                .hasMessageContaining("pg-docs").hasMessageContaining("create-indexes").hasMessageContaining("indexes.\"docs\"");
        assertThat(fake.indexNames()).isEmpty();
    }

    @Test
    void should_create_a_tagged_serverless_index_per_collection_and_delete_it_with_the_collection() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withIndexInitialisation(Duration.ofMillis(200)));
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("my_docs", Metric.L2);

        backend.ensureCollection(spec);

        assertThat(fake.index("pg-my-docs")).hasValueSatisfying(index -> {
            assertThat(index.metric()).isEqualTo("euclidean");
            assertThat(index.dimension()).isEqualTo(DIM);
            assertThat(index.tags()).containsEntry("partition-gateway-collection", "my_docs");
        });
        backend.dropCollection(spec);
        assertThat(fake.indexNames()).isEmpty();
        backend.dropCollection(spec);
    }

    @Test
    void should_keep_an_operators_index_and_drop_only_the_collections_namespaces() {
        FakePinecone fake = fake();
        fake.createIndex("shared-index", DIM, "cosine");
        PineconeBackend backend = backend(options(fake).withDefaultIndex(PineconeOptions.IndexLocation.named("shared-index")));
        CollectionSpec first = collection("first", Metric.COSINE);
        CollectionSpec second = collection("second", Metric.COSINE);
        backend.ensureCollection(first);
        backend.ensureCollection(second);
        Placement inFirst = Placement.dedicated(first, "main", "tenant_a");
        Placement inSecond = Placement.dedicated(second, "main", "tenant_a");
        backend.ensurePartition(inFirst);
        backend.ensurePartition(inSecond);
        backend.upsert(inFirst, List.of(record("a", 1, 0, 0, 0)));
        backend.upsert(inSecond, List.of(record("a", 0, 1, 0, 0)));

        assertThat(backend.fetch(inSecond, List.of("a"))).singleElement().satisfies(r -> assertThat(r.values()[1]).isEqualTo(1f));
        backend.dropCollection(first);

        assertThat(fake.index("shared-index")).isPresent();
        assertThat(fake.index("shared-index").orElseThrow().namespaces()).containsExactly("second-main");
        assertThatThrownBy(() -> backend.count(inFirst, null)).isInstanceOf(BackendException.NotFound.class);
        assertThat(backend.count(inSecond, null)).isEqualTo(1);
    }

    @Test
    void should_keep_namespaces_the_gateway_did_not_create_when_dropping_a_collection_in_an_operators_index() {
        FakePinecone fake = fake();
        FakeIndex shared = fake.createIndex("shared-index", DIM, "cosine");
        // Another application's namespaces in the same index, named as if they belonged to the collection.
        Index otherApplication = connect(fake, shared);
        otherApplication.upsert(List.of(new VectorWithUnsignedIndices("keep-me", List.of(1f, 0f, 0f, 0f), Struct.getDefaultInstance(), null)), "docs-backup");
        otherApplication.createNamespace("docs-archive");
        PineconeBackend backend = backend(options(fake).withDefaultIndex(PineconeOptions.IndexLocation.named("shared-index")));
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        backend.upsert(placement, List.of(record("a", 1, 0, 0, 0)));

        backend.dropCollection(spec);

        assertThat(shared.namespaces()).containsExactlyInAnyOrder("docs-backup", "docs-archive");
        assertThat(otherApplication.fetch(List.of("keep-me"), "docs-backup").getVectorsMap()).containsKey("keep-me");
    }

    @Test
    void should_use_an_index_given_by_host_without_the_control_plane() {
        FakePinecone fake = fake();
        String host = fake.createIndex("by-host", DIM, "dotproduct").host();
        PineconeOptions unreachableControlPlane = PineconeOptions.defaults(fake.apiKey(), "http://127.0.0.1:9").withTls(false)
                .withIndex("docs", PineconeOptions.IndexLocation.at(host));
        PineconeBackend backend = backend(unreachableControlPlane);
        CollectionSpec spec = collection("docs", Metric.DOT);

        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        backend.upsert(placement, List.of(record("a", 1, 2, 3, 4)));

        assertThat(backend.search(List.of(placement), new SearchQuery(new float[] {1, 0, 0, 0}, 1, null, false, false)))
                .extracting(Match::id).containsExactly("a");
        assertThatThrownBy(() -> backend.ensureCollection(collection("docs", Metric.COSINE))).isInstanceOf(BackendException.Rejected.class)
                .hasMessageContaining("dotproduct");
        assertThat(backend.health().up()).as(backend.health().detail()).isTrue();
    }

    @Test
    void should_reject_a_collection_whose_configured_index_has_another_dimension_or_metric() {
        FakePinecone fake = fake();
        fake.createIndex("fixed", DIM, "euclidean");
        PineconeBackend backend = backend(options(fake).withIndex("docs", PineconeOptions.IndexLocation.named("fixed")));

        assertThatThrownBy(() -> backend.ensureCollection(new CollectionSpec("docs", DIM + 1, Metric.L2)))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("dimension " + DIM);
        assertThatThrownBy(() -> backend.ensureCollection(collection("docs", Metric.COSINE))).isInstanceOf(BackendException.Rejected.class);
        backend.ensureCollection(collection("docs", Metric.L2));
    }

    @Test
    void should_delete_the_namespace_itself_when_a_placement_is_dropped() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "t_a", "tenant_a");
        backend.ensurePartition(placement);
        backend.upsert(placement, List.of(record("a", 1, 0, 0, 0)));

        backend.dropPartition(placement);

        assertThat(fake.index("pg-docs").orElseThrow().namespaces()).isEmpty();
        assertThat(calls(fake, "deleteNamespace")).isEqualTo(1);
        backend.dropPartition(placement);
    }

    @Test
    void should_treat_a_dropped_placement_as_gone_at_once_while_pinecone_still_shows_it() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withVisibilityDelay(Duration.ofHours(1)));
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "t_a", "tenant_a");
        backend.ensurePartition(placement);

        backend.dropPartition(placement);

        assertThat(fake.index("pg-docs").orElseThrow().namespaces()).as("Pinecone lags").containsExactly("docs-t_a");
        assertThatThrownBy(() -> backend.count(placement, null)).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend.upsert(placement, List.of(record("a", 1, 0, 0, 0)))).isInstanceOf(BackendException.NotFound.class);
    }

    @Test
    void should_send_nothing_for_a_placement_that_was_never_ensured() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);

        assertThatThrownBy(() -> backend.upsert(Placement.dedicated(spec, "never", "tenant_a"), List.of(record("a", 1, 0, 0, 0))))
                .isInstanceOf(BackendException.NotFound.class);
        assertThat(calls(fake, "upsert")).isZero();
        assertThat(fake.index("pg-docs").orElseThrow().namespaces()).isEmpty();
    }

    // ================================================================ writes

    @Test
    void should_split_upserts_at_the_request_size_limit() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        fake.clearCalls();
        Random random = new Random(1);
        String text = "t".repeat(4000);
        List<VectorRecord> records = IntStream.range(0, 1000)
                .mapToObj(i -> new VectorRecord("r" + i, random(random), Map.of("text", text))).toList();

        backend.upsert(placement, records);

        List<FakePinecone.Call> upserts = fake.calls().stream().filter(c -> c.method().equals("upsert")).toList();
        assertThat(upserts).hasSizeGreaterThan(3);
        assertThat(upserts).allSatisfy(c -> assertThat(c.bytes()).isLessThanOrEqualTo(2_000_000));
        assertThat(upserts).allSatisfy(c -> assertThat(c.items()).isLessThanOrEqualTo(1000));
        assertThat(upserts.stream().mapToInt(FakePinecone.Call::items).sum()).isEqualTo(1000);
        assertThat(backend.count(placement, null)).isEqualTo(1000);
    }

    @Test
    void should_refuse_before_sending_anything_a_batch_with_one_record_over_the_metadata_limit() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        fake.clearCalls();

        assertThatThrownBy(() -> backend.upsert(placement, List.of(record("fine", 1, 0, 0, 0),
                new VectorRecord("huge", new float[] {1, 0, 0, 0}, Map.of("text", "x".repeat(25_000))))))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("huge").hasMessageContaining("40960");
        assertThatThrownBy(() -> backend.upsert(placement, List.of(new VectorRecord("key", new float[] {1, 0, 0, 0}, Map.of("a.b", 1)))))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> backend.upsert(placement, List.of(record("zero", 0, 0, 0, 0))))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("all zeros");
        assertThat(calls(fake, "upsert")).isZero();
    }

    @Test
    void should_not_resurrect_a_record_deleted_right_after_its_upsert() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withVisibilityDelay(Duration.ofMillis(300)));
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);

        backend.upsert(placement, List.of(record("a", 1, 0, 0, 0)));
        long reported = backend.delete(placement, List.of("a"));
        backend.upsert(placement, List.of(record("marker", 0, 1, 0, 0)));
        // Writes apply in order, so once the later marker is visible the delete has been applied too.
        await("the marker is visible", () -> !backend.fetch(placement, List.of("marker")).isEmpty());

        assertThat(reported).as("only visible records are counted").isZero();
        assertThat(backend.fetch(placement, List.of("a"))).isEmpty();
    }

    // ================================================================ reads

    @Test
    void should_round_trip_ids_too_long_for_pinecone_through_every_read_path() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.L2);
        backend.ensureCollection(spec);
        Placement placement = Placement.shared(spec, "bucket", "tenant_a");
        backend.ensurePartition(placement);
        String longId = "\u00e9".repeat(512);
        backend.upsert(placement, List.of(new VectorRecord(longId, new float[] {1, 0, 0, 0}, Map.of("k", "v")), record("short", 0, 1, 0, 0)));

        assertThat(backend.fetch(placement, List.of(longId))).extracting(VectorRecord::id).containsExactly(longId);
        assertThat(backend.search(List.of(placement), new SearchQuery(new float[] {1, 0, 0, 0}, 2, null, false, false)))
                .extracting(Match::id).containsExactly(longId, "short");
        assertThat(backend.search(List.of(placement), new SearchQuery(new float[] {1, 0, 0, 0}, 1, null, false, true)))
                .singleElement().satisfies(m -> assertThat(m.metadata()).containsEntry("k", "v"));
        List<String> scanned = new ArrayList<>();
        try (RecordCursor cursor = backend.scan(placement, new ScanRequest(1, null, false))) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                page.forEach(r -> scanned.add(r.id()));
            }
        }
        assertThat(scanned).containsExactlyInAnyOrder(longId, "short");
        assertThat(backend.count(placement, new Filter.Compare("k", FilterOperator.EQ, "v"))).isEqualTo(1);
        assertThat(backend.delete(placement, List.of(longId))).isEqualTo(1);
        assertThat(backend.count(placement, null)).isEqualTo(1);
    }

    @Test
    void should_report_the_squared_euclidean_distance_as_raw_and_one_over_one_plus_it_as_score() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.L2);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        backend.upsert(placement, List.of(record("three", 3, 0, 0, 0)));

        Match match = backend.search(List.of(placement), new SearchQuery(new float[] {1, 0, 0, 0}, 1, null, false, false)).get(0);

        assertThat(match.raw()).isCloseTo(4f, within(1e-5f));
        assertThat(match.score()).isCloseTo(0.2f, within(1e-6f));
    }

    @Test
    void should_fetch_details_afterwards_when_a_query_response_would_pass_4_megabytes() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        Random random = new Random(2);
        String text = "m".repeat(15_000);
        List<VectorRecord> records = IntStream.range(0, 300)
                .mapToObj(i -> new VectorRecord("r" + i, random(random), Map.of("text", text, "i", i))).toList();
        backend.upsert(placement, records);
        fake.clearCalls();

        List<Match> matches = backend.search(List.of(placement), new SearchQuery(random(random), 300, null, true, true));

        assertThat(matches).hasSize(300).allSatisfy(m -> {
            assertThat(m.metadata()).containsEntry("text", text);
            assertThat(m.values()).hasSize(DIM);
        });
        assertThat(calls(fake, "query")).isEqualTo(1);
        assertThat(calls(fake, "fetch")).isEqualTo(1);
    }

    @Test
    void should_refuse_unsupported_filters_and_oversized_top_k_before_sending() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        fake.clearCalls();

        assertThatThrownBy(() -> backend.search(List.of(placement), new SearchQuery(new float[] {1, 0, 0, 0}, 5,
                new Filter.Compare("pg:tenant", FilterOperator.EQ, "tenant_b"), false, false))).isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> backend.search(List.of(placement), new SearchQuery(new float[] {1, 0, 0, 0}, 10_001, null, false, false)))
                .isInstanceOf(BackendException.Rejected.class);
        assertThat(calls(fake, "query")).isZero();
    }

    // ================================================================ failures

    @Test
    void should_retry_rate_limited_calls_within_the_deadline_when_adapter_retries_are_on() {
        FakePinecone fake = fake();
        PineconeBackend backend = backend(options(fake).withCreatedIndexes("aws", "us-east-1")
                .withRetry(new PineconeOptions.RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50))));
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        fake.failNextCalls(Status.RESOURCE_EXHAUSTED.withDescription("Request rate limit exceeded"), 2);

        backend.upsert(placement, List.of(record("a", 1, 0, 0, 0)));

        // An upsert first asks whether the namespace still exists: that call meets the rate limit.
        assertThat(fake.calls()).extracting(FakePinecone.Call::method).containsSubsequence(
                "DescribeNamespace:injected-RESOURCE_EXHAUSTED", "DescribeNamespace:injected-RESOURCE_EXHAUSTED", "describeNamespace", "upsert");
        assertThat(backend.count(placement, null)).isEqualTo(1);
    }

    @Test
    void should_report_a_lasting_rate_limit_as_unavailable_with_the_servers_retry_after() {
        FakePinecone fake = fake();
        PineconeBackend backend = backend(options(fake).withCreatedIndexes("aws", "us-east-1")
                .withRetry(new PineconeOptions.RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(50))));
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        fake.failNextCalls(Status.RESOURCE_EXHAUSTED.withDescription("Request rate limit exceeded"), 2, Duration.ofSeconds(1));

        assertThatThrownBy(() -> backend.fetch(placement, List.of("a"))).isInstanceOfSatisfying(BackendException.Unavailable.class, e -> {
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
            assertThat(e.getMessage()).contains("rate-limited");
        });
        fake.failNextCalls(Status.RESOURCE_EXHAUSTED.withDescription("Request rate limit exceeded"), 2);
        assertThatThrownBy(() -> backend.fetch(placement, List.of("a"))).isInstanceOfSatisfying(BackendException.Unavailable.class,
                e -> assertThat(e.retryAfter()).as("a hint even when the server gave none").isPresent());
    }

    @Test
    void should_report_unavailability_that_outlasts_the_retries() {
        FakePinecone fake = fake();
        PineconeBackend backend = backend(options(fake).withCreatedIndexes("aws", "us-east-1")
                .withRetry(new PineconeOptions.RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20))));
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        fake.failNextCalls(Status.UNAVAILABLE.withDescription("upstream connect error"), 3);

        assertThatThrownBy(() -> backend.count(placement, null)).isInstanceOf(BackendException.Unavailable.class);
        assertThat(backend.count(placement, null)).isZero();
    }

    @Test
    void should_report_a_full_namespace_quota_as_capacity_exceeded_naming_the_limit() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withMaxNamespacesPerIndex(1));
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        backend.ensurePartition(Placement.dedicated(spec, "one", "tenant_a"));

        assertThatThrownBy(() -> backend.ensurePartition(Placement.dedicated(spec, "two", "tenant_b")))
                .isInstanceOf(BackendException.CapacityExceeded.class).hasMessageContaining("namespaces per index");
    }

    @Test
    void should_report_a_permission_denial_that_names_no_plan_limit_as_an_unavailable_backend_not_as_capacity() {
        FakePinecone fake = fake();
        fake.createIndex("pg-docs", DIM, "cosine");
        PineconeBackend backend = backend(PineconeOptions.defaults(fake.createViewerApiKey(), fake.controlPlaneUrl()).withTls(false));
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);

        assertThatThrownBy(() -> backend.ensurePartition(Placement.dedicated(spec, "main", "tenant_a")))
                .isInstanceOf(BackendException.Unavailable.class).hasMessageContaining("gateway.pinecone.api-key")
                .hasMessageContaining("not allowed");
    }

    @Test
    void should_refuse_to_drop_a_collection_whose_index_is_protected_from_deletion_and_say_how_to_lift_it() {
        FakePinecone fake = fake();
        PineconeBackend backend = creating(fake);
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        fake.protectFromDeletion("pg-docs");

        assertThatThrownBy(() -> backend.dropCollection(spec)).isInstanceOf(BackendException.Rejected.class)
                .hasMessageContaining("deletion protection");
        assertThat(fake.indexNames()).containsExactly("pg-docs");
    }

    @Test
    void should_time_out_a_slow_index_at_the_deadline() {
        FakePinecone fake = fake();
        PineconeBackend backend = backend(options(fake).withCreatedIndexes("aws", "us-east-1")
                .withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        CollectionSpec spec = collection("docs", Metric.COSINE);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "main", "tenant_a");
        backend.ensurePartition(placement);
        fake.slowDownCalls(Duration.ofSeconds(3));

        assertThatThrownBy(() -> backend.fetch(placement, List.of("a"))).isInstanceOf(BackendException.Timeout.class);
        fake.slowDownCalls(Duration.ZERO);
    }

    @Test
    void should_report_a_refused_api_key_as_an_unavailable_backend() {
        FakePinecone fake = fake();
        fake.createIndex("pg-docs", DIM, "cosine");
        PineconeBackend backend = backend(PineconeOptions.defaults("wrong-key", fake.controlPlaneUrl()).withTls(false));

        assertThatThrownBy(() -> backend.ensureCollection(collection("docs", Metric.COSINE)))
                .isInstanceOf(BackendException.Unavailable.class).hasMessageContaining("api-key");
        assertThat(backend.health().up()).isFalse();
    }

    @Test
    void should_fail_as_unavailable_after_close() {
        PineconeBackend backend = creating(fake());
        backend.close();

        assertThat(backend.health().up()).isFalse();
        assertThatThrownBy(() -> backend.ensureCollection(collection("docs", Metric.COSINE))).isInstanceOf(BackendException.Unavailable.class);
    }
}
