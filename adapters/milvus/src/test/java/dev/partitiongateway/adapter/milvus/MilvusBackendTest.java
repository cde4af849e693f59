package dev.partitiongateway.adapter.milvus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.partitiongateway.adapter.milvus.fake.FakeMilvusServer;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.milvus.shaded.io.grpc.Status;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.DataType;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.collection.request.ReleaseCollectionReq;
import io.milvus.v2.service.partition.request.HasPartitionReq;
import io.milvus.v2.service.partition.request.ListPartitionsReq;
import io.milvus.v2.service.vector.request.QueryReq;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only the Milvus backend promises, against the fake server: limits, layout on Milvus, failures, retries, deadlines. */
class MilvusBackendTest {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static FakeMilvusServer server;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private MilvusBackend backend;
    private MilvusClientV2 raw;

    @BeforeAll
    static void startServer() {
        server = FakeMilvusServer.start(FakeMilvusServer.Options.defaults());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void open() {
        backend = open(MilvusOptions.defaults(server.uri()));
        raw = new MilvusClientV2(ConnectConfig.builder().uri(server.uri()).rpcDeadlineMs(10_000).build());
    }

    @AfterEach
    void close() throws Exception {
        server.clearFaults();
        for (AutoCloseable c : opened) {
            c.close();
        }
        raw.close(5);
    }

    private MilvusBackend open(MilvusOptions options) {
        MilvusBackend b = new MilvusBackend(options);
        opened.add(b);
        return b;
    }

    private FakeMilvusServer start(FakeMilvusServer.Options options) {
        FakeMilvusServer s = FakeMilvusServer.start(options);
        opened.add(0, s); // closed after the backends that use it
        return s;
    }

    // ================================================================ capabilities and limits

    @Test
    void should_declare_strong_consistency_only_at_the_strong_level() {
        assertThat(backend.kind()).isEqualTo("milvus");
        assertThat(backend.capabilities().consistency()).isEqualTo(Consistency.STRONG);
        assertThat(backend.capabilities().multiPlacementSearch()).isTrue();
        assertThat(backend.capabilities().filterOperators()).isEqualTo(EnumSet.allOf(FilterOperator.class));
        assertThat(backend.capabilities().maxIdLength()).isEqualTo(512);
        // Dropping a shared bucket deletes its records one page at a time.
        assertThat(backend.capabilities().constantTimeDropPartition()).isFalse();
        assertThat(open(MilvusOptions.defaults(server.uri()).withConsistencyLevel("bounded")).capabilities().consistency())
                .isEqualTo(Consistency.EVENTUAL);
    }

    @Test
    void should_refuse_a_partition_beyond_max_partitions_and_point_the_operator_to_shared_hash() {
        MilvusBackend capped = open(MilvusOptions.defaults(server.uri()).withMaxPartitions(3));
        CollectionSpec spec = collection(Metric.L2);
        capped.ensureCollection(spec);
        capped.ensurePartition(Placement.dedicated(spec, "p1", "t1"));
        capped.ensurePartition(Placement.dedicated(spec, "p2", "t2"));

        assertThatThrownBy(() -> capped.ensurePartition(Placement.dedicated(spec, "p3", "t3")))
                .isInstanceOf(BackendException.CapacityExceeded.class)
                .hasMessageContaining("SHARED_HASH").hasMessageContaining("gateway.milvus.max-partitions (3");
        assertThat(raw.listPartitions(ListPartitionsReq.builder().collectionName(spec.name()).build())).hasSize(3);
    }

    @Test
    void should_map_the_servers_own_partition_cap_to_capacity_exceeded() {
        FakeMilvusServer small = start(FakeMilvusServer.Options.defaults().withMaxPartitionNum(2));
        MilvusBackend b = open(MilvusOptions.defaults(small.uri()));
        CollectionSpec spec = collection(Metric.L2);
        b.ensureCollection(spec);
        b.ensurePartition(Placement.dedicated(spec, "p1", "t1"));

        assertThatThrownBy(() -> b.ensurePartition(Placement.dedicated(spec, "p2", "t2")))
                .isInstanceOf(BackendException.CapacityExceeded.class)
                .hasMessageContaining("exceeds max configuration (2)").hasMessageContaining("SHARED_HASH");
    }

    // ================================================================ layout on Milvus

    @Test
    void should_size_the_partition_key_collection_from_the_bucket_count_or_sixteen() {
        CollectionSpec sized = new CollectionSpec("sized_" + SEQUENCE.incrementAndGet(), 2, Metric.L2, 4);
        CollectionSpec unsized = collection(Metric.L2);
        for (CollectionSpec spec : List.of(sized, unsized)) {
            backend.ensureCollection(spec);
            backend.ensurePartition(Placement.shared(spec, "bucket_0", "t1"));
        }

        assertThat(raw.listPartitions(ListPartitionsReq.builder().collectionName(sized.name() + "_SHARED").build())).hasSize(4);
        assertThat(raw.listPartitions(ListPartitionsReq.builder().collectionName(unsized.name() + "_SHARED").build())).hasSize(16);
        // Dedicated placements stay in the collection of the gateway's name; a shared bucket is no Milvus partition.
        assertThat(raw.listPartitions(ListPartitionsReq.builder().collectionName(unsized.name()).build())).containsExactly("_default");
    }

    @Test
    void should_keep_each_tenants_copy_of_an_id_under_its_own_primary_key() {
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        Placement a = Placement.shared(spec, "bucket", "tenant_a");
        Placement b = Placement.shared(spec, "bucket", "tenant_b");
        backend.ensurePartition(a);
        backend.upsert(a, List.of(record("same", 1, 0)));
        backend.upsert(b, List.of(record("same", 0, 1)));

        List<Object> keys = raw.query(QueryReq.builder().collectionName(spec.name() + "_SHARED").filter("id == \"same\"")
                .consistencyLevel(ConsistencyLevel.STRONG).build()).getQueryResults().stream().map(r -> r.getEntity().get("pk")).toList();

        assertThat(keys).containsExactlyInAnyOrder("bucket/8:tenant_a/same", "bucket/8:tenant_b/same");
    }

    @Test
    void should_release_and_then_drop_a_dedicated_partition() {
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "gone", "t1");
        backend.ensurePartition(placement);
        backend.upsert(placement, List.of(record("a", 1, 0)));

        backend.dropPartition(placement);

        assertThat(raw.hasPartition(HasPartitionReq.builder().collectionName(spec.name()).partitionName("gone").build())).isFalse();
    }

    @Test
    void should_load_the_collection_again_when_milvus_reports_it_not_loaded() {
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "p", "t1");
        backend.ensurePartition(placement);
        backend.upsert(placement, List.of(record("a", 1, 0)));
        raw.releaseCollection(ReleaseCollectionReq.builder().collectionName(spec.name()).build());

        assertThat(backend.search(List.of(placement), new SearchQuery(new float[] {1, 0}, 5, null, false, false)))
                .extracting(m -> m.id()).containsExactly("a");
    }

    @Test
    void should_wait_for_milvus_to_finish_loading_before_a_new_collection_is_used() {
        FakeMilvusServer slowLoads = start(FakeMilvusServer.Options.defaults().withLoadingPolls(6));
        MilvusBackend b = open(MilvusOptions.defaults(slowLoads.uri()));
        CollectionSpec spec = collection(Metric.COSINE);

        b.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "p", "t1");
        b.ensurePartition(placement);

        assertThat(b.search(List.of(placement), new SearchQuery(new float[] {1, 0}, 5, null, false, false))).isEmpty();
    }

    @Test
    void should_refuse_a_milvus_collection_of_that_name_the_gateway_did_not_make() {
        String name = "foreign_" + SEQUENCE.incrementAndGet();
        CreateCollectionReq.CollectionSchema schema = CreateCollectionReq.CollectionSchema.builder().build();
        schema.addField(AddFieldReq.builder().fieldName("id").dataType(DataType.Int64).isPrimaryKey(true).build());
        schema.addField(AddFieldReq.builder().fieldName("vector").dataType(DataType.FloatVector).dimension(2).build());
        raw.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                .indexParams(List.of(IndexParam.builder().fieldName("vector").metricType(IndexParam.MetricType.L2).build())).build());

        assertThatThrownBy(() -> backend.ensureCollection(new CollectionSpec(name, 2, Metric.L2)))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("not made by the gateway");
    }

    // ================================================================ failures, retries, deadlines

    @Test
    void should_map_milvus_status_codes_to_typed_failures() {
        MilvusBackend noRateLimitRetry = open(MilvusOptions.defaults(server.uri()).withRetry(3, Duration.ofMillis(10), false));
        Placement placement = placementWithRecord(noRateLimitRetry);

        server.failNext("query", 1100, "invalid parameter", 1);
        assertThatThrownBy(() -> noRateLimitRetry.count(placement, null)).isInstanceOf(BackendException.Rejected.class);
        server.failNext("query", 100, "collection not found[database=default][collection=x]", 1);
        assertThatThrownBy(() -> noRateLimitRetry.count(placement, null)).isInstanceOf(BackendException.NotFound.class);
        server.failNext("query", 200, "partition not found[partition=x]", 1);
        assertThatThrownBy(() -> noRateLimitRetry.count(placement, null)).isInstanceOf(BackendException.NotFound.class);
        server.failNext("query", 65535, "unexpected error", 1);
        assertThatThrownBy(() -> noRateLimitRetry.count(placement, null)).isInstanceOf(BackendException.Unavailable.class);
        server.failNext("search", 8, "rate limit exceeded[rate=10]", 1);
        assertThatThrownBy(() -> noRateLimitRetry.search(List.of(placement), new SearchQuery(new float[] {1, 0}, 1, null, false, false)))
                .isInstanceOfSatisfying(BackendException.Unavailable.class, e -> assertThat(e.retryAfter()).isPresent());
        assertThat(noRateLimitRetry.count(placement, null)).isEqualTo(1);
    }

    @Test
    void should_retry_a_rate_limit_within_the_budget() {
        MilvusBackend retrying = open(MilvusOptions.defaults(server.uri()).withRetry(3, Duration.ofMillis(10), true));
        Placement placement = placementWithRecord(retrying);
        server.failNext("search", 8, "rate limit exceeded[rate=10]", 2);

        assertThat(retrying.search(List.of(placement), new SearchQuery(new float[] {1, 0}, 1, null, false, false))).hasSize(1);
        assertThat(server.pendingFaults()).isZero();
    }

    @Test
    void should_retry_unavailable_a_bounded_number_of_times() {
        MilvusBackend b = open(MilvusOptions.defaults(server.uri()).withRetry(3, Duration.ofMillis(10), true));
        Placement placement = placementWithRecord(b);

        server.failNextWithGrpc("query", Status.Code.UNAVAILABLE, 2);
        assertThat(b.count(placement, null)).isEqualTo(1);

        server.failNextWithGrpc("query", Status.Code.UNAVAILABLE, 10);
        assertThatThrownBy(() -> b.count(placement, null)).isInstanceOf(BackendException.Unavailable.class);
        // Three attempts, not the SDK's default of 75.
        assertThat(server.pendingFaults()).isEqualTo(7);
    }

    @Test
    void should_wait_for_a_load_a_read_needs_no_longer_than_the_call_timeout() {
        FakeMilvusServer neverLoads = start(FakeMilvusServer.Options.defaults().withLoadingPolls(Integer.MAX_VALUE));
        MilvusBackend impatientStructure = open(MilvusOptions.defaults(neverLoads.uri()).withLoadTimeout(Duration.ofMillis(50)));
        CollectionSpec spec = collection(Metric.L2);
        Placement placement = Placement.dedicated(spec, "p", "t1");
        // Both are made before the wait for their load gives up.
        assertThatThrownBy(() -> impatientStructure.ensureCollection(spec)).isInstanceOf(BackendException.Unavailable.class);
        assertThatThrownBy(() -> impatientStructure.ensurePartition(placement)).isInstanceOf(BackendException.Unavailable.class);
        MilvusBackend reader = open(MilvusOptions.defaults(neverLoads.uri()).withCallTimeout(Duration.ofMillis(300))
                .withLoadTimeout(Duration.ofHours(1)));

        // The bound only turns a hang into a failure; the call itself gives up after call-timeout.
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> reader.count(placement, null))
                .isInstanceOf(BackendException.Unavailable.class).hasMessageContaining("gateway.milvus.call-timeout"));
    }

    @Test
    void should_not_hold_back_other_structure_calls_while_waiting_for_a_load() throws Exception {
        FakeMilvusServer neverLoads = start(FakeMilvusServer.Options.defaults().withLoadingPolls(Integer.MAX_VALUE));
        MilvusBackend b = open(MilvusOptions.defaults(neverLoads.uri()).withLoadTimeout(Duration.ofHours(1)));
        CollectionSpec loading = collection(Metric.L2);
        CompletableFuture<Void> ensuring = CompletableFuture.runAsync(() -> b.ensureCollection(loading));
        MilvusClientV2 other = new MilvusClientV2(ConnectConfig.builder().uri(neverLoads.uri()).rpcDeadlineMs(10_000).build());
        opened.add(0, () -> other.close(5));
        boolean created = false;
        for (int i = 0; i < 1000 && !created; i++) {
            created = other.hasCollection(HasCollectionReq.builder().collectionName(loading.name()).build());
        }
        assertThat(created).as("the first call made its collection and waits for its load").isTrue();

        // Bounded only so that a call held behind the load fails the test instead of hanging it.
        CompletableFuture.runAsync(() -> b.dropCollection(collection(Metric.L2))).get(60, TimeUnit.SECONDS);
        assertThat(ensuring).isNotDone();
    }

    @Test
    void should_time_out_on_a_slow_milvus_instead_of_hanging() {
        MilvusBackend impatient = open(MilvusOptions.defaults(server.uri()).withCallTimeout(Duration.ofMillis(300)));
        Placement placement = placementWithRecord(impatient);
        server.delayNext("search", Duration.ofSeconds(3), 1);

        assertThatThrownBy(() -> impatient.search(List.of(placement), new SearchQuery(new float[] {1, 0}, 1, null, false, false)))
                .isInstanceOf(BackendException.Timeout.class);
        assertThat(impatient.count(placement, null)).isEqualTo(1);
    }

    @Test
    void should_split_an_upsert_that_is_larger_than_one_milvus_request() {
        FakeMilvusServer small = start(FakeMilvusServer.Options.defaults().withMaxRequestBytes(64 * 1024));
        MilvusBackend splitting = open(MilvusOptions.defaults(small.uri()).withWriteRequestBytes(16 * 1024));
        MilvusBackend whole = open(MilvusOptions.defaults(small.uri()));
        CollectionSpec spec = collection(Metric.L2);
        splitting.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "p", "t1");
        splitting.ensurePartition(placement);
        List<VectorRecord> records = IntStream.range(0, 80)
                .mapToObj(i -> new VectorRecord("r" + i, new float[] {i, 1}, Map.of("pad", "p".repeat(1000)))).toList();

        assertThatThrownBy(() -> whole.upsert(placement, records)).isInstanceOf(BackendException.class);
        splitting.upsert(placement, records);

        assertThat(splitting.count(placement, null)).isEqualTo(80);
    }

    @Test
    void should_refuse_what_milvus_could_not_store_before_writing_anything() {
        Placement placement = placementWithRecord(backend);
        Map<String, Object> wide = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 1500; i++) {
            wide.put("key_number_" + i, (double) i);
        }

        assertThatThrownBy(() -> backend.upsert(Placement.dedicated(placement.collection(), placement.name(), "t".repeat(300)),
                List.of(record("x", 1, 0)))).isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> backend.upsert(placement, List.of(record("ok", 1, 0), new VectorRecord("wide", new float[] {1, 0}, wide))))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("filterable");
        assertThatThrownBy(() -> backend.upsert(placement, List.of(new VectorRecord("far", new float[] {1, 0}, Map.of(), Instant.MAX))))
                .isInstanceOf(BackendException.Rejected.class);
        assertThat(backend.count(placement, null)).isEqualTo(1);
    }

    // ================================================================ consistency, access, lifecycle

    @Test
    void should_read_its_own_writes_from_a_lagging_milvus_at_the_strong_level_only() {
        FakeMilvusServer lagging = start(FakeMilvusServer.Options.defaults().withVisibilityLag(Duration.ofHours(1)));
        MilvusBackend strong = open(MilvusOptions.defaults(lagging.uri()));
        MilvusBackend bounded = open(MilvusOptions.defaults(lagging.uri()).withConsistencyLevel("BOUNDED"));
        CollectionSpec spec = collection(Metric.L2);
        strong.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "p", "t1");
        strong.ensurePartition(placement);

        strong.upsert(placement, List.of(record("a", 1, 0)));

        assertThat(strong.count(placement, null)).isEqualTo(1);
        assertThat(bounded.count(placement, null)).isZero();
    }

    @Test
    void should_use_the_configured_token_and_database() throws Exception {
        FakeMilvusServer secured = start(FakeMilvusServer.Options.defaults().withToken("root:Milvus"));
        secured.createDatabase("gateway");
        MilvusBackend b = open(MilvusOptions.defaults(secured.uri()).withToken("root:Milvus").withDatabase("gateway"));
        CollectionSpec spec = collection(Metric.L2);

        b.ensureCollection(spec);

        MilvusClientV2 defaultDatabase = new MilvusClientV2(ConnectConfig.builder().uri(secured.uri()).token("root:Milvus").build());
        try {
            assertThat(defaultDatabase.hasCollection(HasCollectionReq.builder().collectionName(spec.name()).build())).isFalse();
        } finally {
            defaultDatabase.close(5);
        }
        assertThatThrownBy(() -> new MilvusBackend(MilvusOptions.defaults(secured.uri()))).isInstanceOf(BackendException.Unavailable.class);
    }

    @Test
    void should_report_health_and_refuse_calls_after_close() {
        Placement placement = placementWithRecord(backend);
        assertThat(backend.health().up()).isTrue();

        backend.close();

        assertThat(backend.health().up()).isFalse();
        assertThatThrownBy(() -> backend.count(placement, null)).isInstanceOf(BackendException.Unavailable.class);
    }

    @Test
    void should_stay_healthy_where_milvus_offers_no_check_health_call() {
        server.failNextWithGrpc("checkHealth", Status.Code.UNIMPLEMENTED, 1);

        assertThat(backend.health().up()).isTrue();
        server.failNextWithGrpc("*", Status.Code.UNAUTHENTICATED, 2);
        assertThat(backend.health().up()).isFalse();
    }

    @Test
    void should_notice_a_shared_bucket_dropped_by_another_gateway_once_its_cache_entry_expires() {
        MilvusBackend replica = open(MilvusOptions.defaults(server.uri()).withSharedPlacementCacheTtl(Duration.ZERO));
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        Placement bucket = Placement.shared(spec, "bucket", "t1");
        backend.ensurePartition(bucket);
        backend.upsert(bucket, List.of(record("a", 1, 0)));
        assertThat(replica.count(bucket, null)).isEqualTo(1);

        backend.dropPartition(bucket);

        assertThatThrownBy(() -> replica.count(bucket, null)).isInstanceOf(BackendException.NotFound.class);
    }

    @Test
    void should_not_bring_back_what_a_replica_wrote_into_a_shared_bucket_after_another_replica_dropped_it() {
        MilvusBackend replica = open(MilvusOptions.defaults(server.uri()));
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        Placement bucket = Placement.shared(spec, "bucket", "t1");
        backend.ensurePartition(bucket);
        backend.upsert(bucket, List.of(record("before", 1, 0)));
        assertThat(replica.count(bucket, null)).isEqualTo(1);

        backend.dropPartition(bucket);
        // Within shared-placement-cache-ttl the replica still trusts the bucket's marker.
        replica.upsert(bucket, List.of(record("late", 0, 1)));
        backend.ensurePartition(bucket);

        assertThat(backend.count(bucket, null)).isZero();
        assertThat(replica.fetch(bucket, List.of("before", "late"))).isEmpty();
    }

    @Test
    void should_drop_a_shared_buckets_marker_before_its_records_so_that_a_drop_cut_short_leaves_no_bucket() {
        MilvusBackend replica = open(MilvusOptions.defaults(server.uri()).withSharedPlacementCacheTtl(Duration.ZERO));
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        Placement bucket = Placement.shared(spec, "bucket", "t1");
        backend.ensurePartition(bucket);
        backend.upsert(bucket, List.of(record("a", 1, 0)));
        server.failNext("query", 65535, "unexpected error", 1);

        assertThatThrownBy(() -> backend.dropPartition(bucket)).isInstanceOf(BackendException.Unavailable.class);

        assertThatThrownBy(() -> replica.count(bucket, null)).isInstanceOf(BackendException.NotFound.class);
        replica.ensurePartition(bucket);
        assertThat(replica.count(bucket, null)).isZero();
    }

    @Test
    void should_not_see_a_milvus_collection_dropped_elsewhere_as_existing() {
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "p", "t1");
        backend.ensurePartition(placement);
        raw.dropCollection(io.milvus.v2.service.collection.request.DropCollectionReq.builder().collectionName(spec.name()).build());

        assertThatThrownBy(() -> backend.count(placement, null)).isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend.upsert(placement, List.of(record("a", 1, 0)))).isInstanceOf(BackendException.NotFound.class);
    }

    @Test
    void should_serve_a_collection_another_replica_dropped_and_created_again_with_another_shape() {
        MilvusBackend replica = open(MilvusOptions.defaults(server.uri()));
        CollectionSpec before = new CollectionSpec("mb_" + SEQUENCE.incrementAndGet(), 2, Metric.L2);
        backend.ensureCollection(before);
        backend.ensurePartition(Placement.dedicated(before, "p", "t1"));
        backend.ensurePartition(Placement.shared(before, "bucket", "t1"));
        replica.upsert(Placement.dedicated(before, "p", "t1"), List.of(record("a", 1, 0)));
        replica.upsert(Placement.shared(before, "bucket", "t1"), List.of(record("a", 1, 0)));

        // The gateway's DELETE and POST of the collection, on the first replica: same name, another dimension.
        backend.dropCollection(before);
        CollectionSpec after = new CollectionSpec(before.name(), 3, Metric.L2);
        backend.ensureCollection(after);
        Placement dedicated = Placement.dedicated(after, "p", "t1");
        Placement bucket = Placement.shared(after, "bucket", "t1");
        backend.ensurePartition(dedicated);
        backend.ensurePartition(bucket);

        for (Placement placement : List.of(dedicated, bucket)) {
            replica.upsert(placement, List.of(new VectorRecord("b", new float[] {1, 2, 3}, Map.of())));
            assertThat(replica.count(placement, null)).isEqualTo(1);
            assertThat(replica.search(List.of(placement), new SearchQuery(new float[] {1, 2, 3}, 5, null, false, false)))
                    .extracting(m -> m.id()).containsExactly("b");
        }
        // A caller that still names the old shape is refused, as before.
        assertThatThrownBy(() -> replica.count(Placement.dedicated(before, "p", "t1"), null)).isInstanceOf(BackendException.Rejected.class)
                .hasMessageContaining("dimension 3");
    }

    @Test
    void should_ensure_a_shared_bucket_after_another_replica_dropped_and_created_the_collection_again() {
        MilvusBackend replica = open(MilvusOptions.defaults(server.uri()));
        CollectionSpec spec = collection(Metric.L2);
        backend.ensureCollection(spec);
        replica.ensurePartition(Placement.shared(spec, "bucket", "t1"));

        backend.dropCollection(spec);
        backend.ensureCollection(spec);
        Placement bucket = Placement.shared(spec, "bucket", "t1");
        replica.ensurePartition(bucket);

        replica.upsert(bucket, List.of(record("a", 1, 0)));
        assertThat(backend.count(bucket, null)).isEqualTo(1);
    }

    // ================================================================ helpers

    private static CollectionSpec collection(Metric metric) {
        return new CollectionSpec("mb_" + SEQUENCE.incrementAndGet(), 2, metric);
    }

    private static VectorRecord record(String id, float x, float y) {
        return new VectorRecord(id, new float[] {x, y}, Map.of());
    }

    private static Placement placementWithRecord(MilvusBackend b) {
        CollectionSpec spec = collection(Metric.L2);
        b.ensureCollection(spec);
        Placement placement = Placement.dedicated(spec, "p", "t1");
        b.ensurePartition(placement);
        b.upsert(placement, List.of(record("a", 1, 0)));
        return placement;
    }
}
