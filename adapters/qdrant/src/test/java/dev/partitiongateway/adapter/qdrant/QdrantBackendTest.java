package dev.partitiongateway.adapter.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.partitiongateway.adapter.qdrant.QdrantOptions.PartitionMode;
import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.grpc.Status;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the Qdrant adapter does beyond the shared contract, checked against the fake Qdrant and, where it
 * is about what ends up stored, by reading Qdrant directly with the client.
 */
class QdrantBackendTest {

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static FakeQdrant qdrant;
    private QdrantClient direct;
    private QdrantBackend backend;

    @BeforeAll
    static void startQdrant() {
        qdrant = FakeQdrant.start();
    }

    @AfterAll
    static void stopQdrant() {
        qdrant.close();
    }

    @BeforeEach
    void connect() {
        qdrant.reset();
        direct = new QdrantClient(QdrantGrpcClient.newBuilder(qdrant.host(), qdrant.port(), false, false).build());
        backend = open(options().build());
    }

    @AfterEach
    void disconnect() {
        backend.close();
        direct.close();
    }

    // ================================================================ what is stored

    @Test
    void should_store_scope_id_time_and_typed_metadata_in_the_payload_under_a_derived_uuid() throws Exception {
        CollectionSpec spec = collection(Metric.L2);
        Placement placement = ensure(Placement.dedicated(spec, "main", "tenant_a"));
        Instant time = Instant.parse("2024-03-01T12:00:00Z");

        backend.upsert(placement, List.of(new VectorRecord("doc-1", new float[] {1, 2, 3, 4}, Map.of("genre", "news", "year", 2020), time)));

        RetrievedPoint point = direct.retrieveAsync(spec.name(),
                List.of(PointIdFactory.id(PointIds.of(spec.name(), "main", "tenant_a", "doc-1"))), true, false, null).get(30, TimeUnit.SECONDS).get(0);
        Map<String, Value> payload = point.getPayloadMap();
        assertThat(payload.get("tenant").getStringValue()).isEqualTo("tenant_a");
        assertThat(payload.get("partition").getStringValue()).isEqualTo("main");
        assertThat(payload.get("id").getStringValue()).isEqualTo("doc-1");
        assertThat(payload.get("timestamp").getIntegerValue()).isEqualTo(time.toEpochMilli());
        assertThat(payload.get("metadata").getStructValue().getFieldsMap().get("year").getIntegerValue()).isEqualTo(2020);
        assertThat(payload.get("m_str").getStructValue().getFieldsMap().get("genre").getStringValue()).isEqualTo("news");
        assertThat(payload.get("m_num").getStructValue().getFieldsMap().get("year").getDoubleValue()).isEqualTo(2020.0);
        assertThat(payload).doesNotContainKey("values");
    }

    @Test
    void should_return_cosine_vectors_exactly_as_sent_although_qdrant_keeps_them_normalised() throws Exception {
        CollectionSpec spec = collection(Metric.COSINE);
        Placement placement = ensure(Placement.dedicated(spec, "main", "tenant_a"));
        float[] sent = {3f, 4f, 0.1f, -7.3f};
        backend.upsert(placement, List.of(new VectorRecord("v", sent, Map.of())));

        float[] stored = PointPayload.fromVectors(direct.retrieveAsync(spec.name(),
                List.of(PointIdFactory.id(PointIds.of(spec.name(), "main", "tenant_a", "v"))), false, true, null)
                .get(30, TimeUnit.SECONDS).get(0).getVectors());
        VectorRecord fetched = backend.fetch(placement, List.of("v")).get(0);
        Match found = backend.search(List.of(placement), new SearchQuery(sent, 1, null, true, false)).get(0);

        assertThat(stored[0]).isNotEqualTo(sent[0]);
        assertThat(fetched.values()).containsExactly(sent);
        assertThat(found.values()).containsExactly(sent);
        assertThat(found.score()).isCloseTo(1f, within(1e-5f));
    }

    @Test
    void should_report_the_euclid_distance_as_raw_and_one_over_one_plus_its_square_as_score() {
        Placement placement = ensure(Placement.dedicated(collection(Metric.L2), "main", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("far", new float[] {3, 4, 0, 0}, Map.of())));

        Match match = backend.search(List.of(placement), new SearchQuery(new float[] {0, 0, 0, 0}, 1, null, false, false)).get(0);

        assertThat(match.raw()).isCloseTo(5f, within(1e-5f));
        assertThat(match.score()).isCloseTo(1f / 26f, within(1e-6f));
    }

    // ================================================================ which collections are the gateway's

    @Test
    void should_not_delete_another_applications_collection_whose_name_starts_like_a_gateway_collection() throws Exception {
        // Default settings: payload mode, no collection prefix. Another application on the cluster owns "docs-archive".
        direct.createCollectionAsync("docs-archive", VectorParams.newBuilder().setSize(4).setDistance(Distance.Dot).build())
                .get(30, TimeUnit.SECONDS);
        CollectionSpec docs = new CollectionSpec("docs", 4, Metric.L2);
        backend.ensureCollection(docs);

        backend.dropCollection(docs);

        assertThat(qdrant.collectionNames()).contains("docs-archive").doesNotContain("docs");
    }

    @Test
    void should_refuse_to_take_over_a_collection_of_the_same_name_and_shape_that_it_did_not_create() throws Exception {
        direct.createCollectionAsync("docs", VectorParams.newBuilder().setSize(4).setDistance(Distance.Euclid).build()).get(30, TimeUnit.SECONDS);
        CollectionSpec docs = new CollectionSpec("docs", 4, Metric.L2);

        assertThatThrownBy(() -> backend.ensureCollection(docs)).isInstanceOf(BackendException.Rejected.class)
                .hasMessageContaining("no partition_gateway mark").hasMessageContaining("gateway.qdrant.collection-prefix");
        assertThatThrownBy(() -> backend.ensurePartition(Placement.dedicated(docs, "main", "tenant_a")))
                .isInstanceOf(BackendException.Rejected.class);
        backend.dropCollection(docs);

        assertThat(qdrant.collectionNames()).contains("docs");
        assertThat(direct.getCollectionInfoAsync("docs").get(30, TimeUnit.SECONDS).getPayloadSchemaMap()).isEmpty();
    }

    @Test
    void should_neither_take_over_nor_delete_a_placement_collection_it_did_not_create() throws Exception {
        backend.close();
        backend = open(options().partitionMode(PartitionMode.COLLECTION).build());
        CollectionSpec spec = collection(Metric.L2);
        String foreign = new CollectionNames("").dedicated(spec.name(), "main");
        direct.createCollectionAsync(foreign, VectorParams.newBuilder().setSize(4).setDistance(Distance.Euclid).build()).get(30, TimeUnit.SECONDS);
        Placement main = Placement.dedicated(spec, "main", "tenant_a");

        assertThatThrownBy(() -> backend.ensurePartition(main)).isInstanceOf(BackendException.Rejected.class).hasMessageContaining(foreign);
        backend.dropPartition(main);
        backend.dropCollection(spec);

        assertThat(qdrant.collectionNames()).contains(foreign).doesNotContain(spec.name());
    }

    @Test
    void should_keep_apart_two_gateways_whose_prefixes_and_collection_names_add_up_to_the_same_qdrant_name() {
        CollectionSpec mine = new CollectionSpec("gw_docs", 4, Metric.L2);
        CollectionSpec theirs = new CollectionSpec("docs", 4, Metric.L2);
        backend.ensureCollection(mine);
        backend.ensurePartition(Placement.dedicated(mine, "main", "tenant_a"));

        try (QdrantBackend prefixed = open(options().collectionPrefix("gw_").build())) {
            assertThatThrownBy(() -> prefixed.ensureCollection(theirs)).isInstanceOf(BackendException.Rejected.class)
                    .hasMessageContaining("gateway collection gw_docs (no collection-prefix)");
            prefixed.dropCollection(theirs);
        }

        assertThat(qdrant.collectionNames()).contains("gw_docs");
        backend.upsert(Placement.dedicated(mine, "main", "tenant_a"), List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of())));
    }

    @Test
    void should_keep_the_partitions_of_two_gateways_with_different_prefixes_apart_when_one_drops_its_collection() {
        try (QdrantBackend staging = open(options().collectionPrefix("staging_").build());
             QdrantBackend production = open(options().collectionPrefix("prod_").build())) {
            CollectionSpec docs = new CollectionSpec("docs", 4, Metric.L2);
            Placement main = Placement.dedicated(docs, "main", "tenant_a");
            staging.ensureCollection(docs);
            production.ensureCollection(docs);
            staging.ensurePartition(main);
            production.ensurePartition(main);
            production.upsert(main, List.of(new VectorRecord("a", new float[] {1, 2, 3, 4}, Map.of())));

            staging.dropCollection(docs);

            production.upsert(main, List.of(new VectorRecord("b", new float[] {1, 2, 3, 5}, Map.of())));
            assertThat(production.count(main, null)).isEqualTo(2);
            assertThatThrownBy(() -> staging.upsert(main, List.of(new VectorRecord("c", new float[] {1, 2, 3, 6}, Map.of()))))
                    .isInstanceOf(BackendException.NotFound.class);
        }
    }

    @Test
    void should_refuse_a_qdrant_too_old_to_keep_collection_metadata_and_leave_no_collection_behind() {
        qdrant.keepCollectionMetadata(false);
        CollectionSpec spec = new CollectionSpec("old_qdrant", 4, Metric.L2);

        assertThatThrownBy(() -> backend.ensureCollection(spec)).isInstanceOf(BackendException.Rejected.class)
                .hasMessageContaining("needs Qdrant 1.15.4 or later");
        assertThat(qdrant.collectionNames()).doesNotContain("old_qdrant");
    }

    // ================================================================ indexes and strict mode

    @Test
    void should_create_scope_indexes_with_the_tenant_index_marked_is_tenant() throws Exception {
        CollectionSpec spec = collection(Metric.DOT);

        CollectionInfo info = direct.getCollectionInfoAsync(spec.name()).get(30, TimeUnit.SECONDS);

        assertThat(info.getPayloadSchemaMap()).containsOnlyKeys("tenant", "partition", "m_keys", "timestamp");
        assertThat(info.getPayloadSchemaMap().get("tenant").getParams().getKeywordIndexParams().getIsTenant()).isTrue();
        assertThat(info.getPayloadSchemaMap().get("timestamp").getDataType()).isEqualTo(PayloadSchemaType.Integer);
    }

    @Test
    void should_index_a_metadata_key_with_the_schema_of_its_type_the_first_time_a_filter_uses_it() throws Exception {
        qdrant.strictModeByDefault(true);
        CollectionSpec spec = collection(Metric.DOT);
        Placement placement = ensure(Placement.shared(spec, "bucket_0", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("genre", "news", "year", 2020.5, "draft", true))));

        long count = backend.count(placement, new Filter.And(List.of(new Filter.Compare("genre", FilterOperator.EQ, "news"),
                new Filter.Compare("year", FilterOperator.GT, 2020.0), new Filter.Compare("draft", FilterOperator.EQ, true))));

        assertThat(count).isEqualTo(1);
        Map<String, io.qdrant.client.grpc.Collections.PayloadSchemaInfo> schema =
                direct.getCollectionInfoAsync(spec.name()).get(30, TimeUnit.SECONDS).getPayloadSchemaMap();
        assertThat(schema.get("m_str.genre").getDataType()).isEqualTo(PayloadSchemaType.Keyword);
        assertThat(schema.get("m_num.year").getDataType()).isEqualTo(PayloadSchemaType.Float);
        assertThat(schema.get("m_bool.draft").getDataType()).isEqualTo(PayloadSchemaType.Bool);
    }

    @Test
    void should_pass_on_strict_modes_refusal_when_told_not_to_index_metadata_keys() {
        qdrant.strictModeByDefault(true);
        backend.close();
        backend = open(options().indexFilteredKeys(false).build());
        Placement placement = ensure(Placement.dedicated(collection(Metric.DOT), "main", "tenant_a"));

        assertThatThrownBy(() -> backend.count(placement, new Filter.Compare("genre", FilterOperator.EQ, "news")))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("Index required but not found for \"m_str.genre\"");
        assertThat(backend.count(placement, new Filter.Exists("genre", true))).isZero();
    }

    @Test
    void should_index_again_when_another_gateway_recreated_the_collection() {
        qdrant.strictModeByDefault(true);
        CollectionSpec spec = collection(Metric.DOT);
        Placement placement = ensure(Placement.dedicated(spec, "main", "tenant_a"));
        Filter genre = new Filter.Compare("genre", FilterOperator.EQ, "news");
        assertThat(backend.count(placement, genre)).isZero();

        try (QdrantBackend other = open(options().build())) {
            other.dropCollection(spec);
            other.ensureCollection(spec);
            other.ensurePartition(placement);
        }
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("genre", "news"))));

        assertThat(backend.count(placement, genre)).isEqualTo(1);
    }

    @Test
    void should_create_no_payload_index_for_keys_that_no_record_holds_however_many_a_tenant_filters_on() throws Exception {
        qdrant.strictModeByDefault(true);
        CollectionSpec spec = collection(Metric.L2);
        Placement placement = ensure(Placement.shared(spec, "bucket_0", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("genre", "news"))));
        int before = direct.getCollectionInfoAsync(spec.name()).get(30, TimeUnit.SECONDS).getPayloadSchemaMap().size();

        for (int i = 0; i < 40; i++) {
            // One request per key; each key is tenant input that names nothing stored.
            Filter madeUp = new Filter.Or(List.of(new Filter.Compare("k" + i, FilterOperator.EQ, "x"),
                    new Filter.Compare("k" + i, FilterOperator.EQ, 1.0), new Filter.Compare("k" + i, FilterOperator.EQ, true)));
            assertThat(backend.search(List.of(placement), new SearchQuery(new float[] {1, 0, 0, 0}, 1, madeUp, false, false))).isEmpty();
        }

        assertThat(direct.getCollectionInfoAsync(spec.name()).get(30, TimeUnit.SECONDS).getPayloadSchemaMap()).hasSize(before);
    }

    @Test
    void should_match_nothing_on_a_key_no_record_holds_and_everything_on_its_negation_in_strict_mode() {
        qdrant.strictModeByDefault(true);
        Placement placement = ensure(Placement.dedicated(collection(Metric.L2), "main", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("genre", "news")),
                new VectorRecord("b", new float[] {0, 1, 0, 0}, Map.of())));
        Filter absent = new Filter.Compare("colour", FilterOperator.EQ, "red");

        assertThat(backend.count(placement, absent)).isZero();
        assertThat(backend.count(placement, new Filter.Not(absent))).isEqualTo(2);
        assertThat(backend.count(placement, new Filter.Compare("colour", FilterOperator.NE, "red"))).isEqualTo(2);
        assertThat(backend.count(placement, new Filter.In("colour", List.of("red", 2.0), true))).isEqualTo(2);
        assertThat(backend.count(placement, new Filter.Or(List.of(absent, new Filter.Compare("genre", FilterOperator.EQ, "news"))))).isEqualTo(1);
        assertThat(backend.deleteByFilter(placement, new Filter.Compare("colour", FilterOperator.GT, 1.0))).isZero();
        try (var cursor = backend.scan(placement, new dev.partitiongateway.spi.ScanRequest(10, new Filter.Not(absent), false))) {
            assertThat(cursor.next()).extracting(VectorRecord::id).containsExactlyInAnyOrder("a", "b");
        }
    }

    @Test
    void should_index_a_key_once_a_record_holds_it_after_filters_found_it_absent() throws Exception {
        qdrant.strictModeByDefault(true);
        CollectionSpec spec = collection(Metric.L2);
        Placement placement = ensure(Placement.dedicated(spec, "main", "tenant_a"));
        Filter red = new Filter.Compare("colour", FilterOperator.EQ, "red");
        assertThat(backend.count(placement, red)).isZero();

        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("colour", "red"))));

        assertThat(backend.count(placement, red)).isEqualTo(1);
        assertThat(direct.getCollectionInfoAsync(spec.name()).get(30, TimeUnit.SECONDS).getPayloadSchemaMap()).containsKey("m_str.colour");
    }

    @Test
    void should_stop_creating_metadata_indexes_at_the_limit_and_report_strict_modes_refusal_as_an_operator_limit() throws Exception {
        qdrant.strictModeByDefault(true);
        backend.close();
        backend = open(options().indexFilteredKeys(true, 1).build());
        CollectionSpec spec = collection(Metric.L2);
        Placement placement = ensure(Placement.dedicated(spec, "main", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("genre", "news", "year", 2020))));

        assertThat(backend.count(placement, new Filter.Compare("genre", FilterOperator.EQ, "news"))).isEqualTo(1);
        assertThatThrownBy(() -> backend.count(placement, new Filter.Compare("year", FilterOperator.EQ, 2020.0)))
                .isInstanceOf(BackendException.CapacityExceeded.class).hasMessageContaining("gateway.qdrant.max-metadata-indexes");

        assertThat(direct.getCollectionInfoAsync(spec.name()).get(30, TimeUnit.SECONDS).getPayloadSchemaMap())
                .containsKey("m_str.genre").doesNotContainKey("m_num.year");
    }

    @Test
    void should_filter_unindexed_beyond_the_limit_where_qdrant_is_not_in_strict_mode() {
        backend.close();
        backend = open(options().indexFilteredKeys(true, 0).build());
        Placement placement = ensure(Placement.dedicated(collection(Metric.L2), "main", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("genre", "news"))));

        assertThat(backend.count(placement, new Filter.Compare("genre", FilterOperator.EQ, "news"))).isEqualTo(1);
    }

    @Test
    void should_report_the_payload_index_limit_of_qdrants_strict_mode_as_an_operator_limit() {
        qdrant.strictModeByDefault(io.qdrant.client.grpc.Collections.StrictModeConfig.newBuilder().setEnabled(true)
                .setUnindexedFilteringRetrieve(false).setUnindexedFilteringUpdate(false).setMaxPayloadIndexCount(4).build());
        Placement placement = ensure(Placement.dedicated(collection(Metric.L2), "main", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of("genre", "news"))));

        assertThatThrownBy(() -> backend.count(placement, new Filter.Compare("genre", FilterOperator.EQ, "news")))
                .isInstanceOf(BackendException.CapacityExceeded.class).hasMessageContaining("max_payload_index_count");
    }

    // ================================================================ collection mode and limits

    @Test
    void should_give_each_dedicated_placement_a_collection_in_collection_mode_and_keep_shared_ones_in_the_base() {
        backend.close();
        backend = open(options().partitionMode(PartitionMode.COLLECTION).build());
        CollectionSpec spec = collection(Metric.L2);
        String longName = "p" + "x".repeat(199);
        Placement dedicated = ensure(Placement.dedicated(spec, longName, "tenant_a"));
        Placement shared = ensure(Placement.shared(spec, "bucket_0", "tenant_b"));
        backend.upsert(dedicated, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of())));
        backend.upsert(shared, List.of(new VectorRecord("b", new float[] {0, 1, 0, 0}, Map.of())));
        String dedicatedCollection = new CollectionNames("").dedicated(spec.name(), longName);

        assertThat(qdrant.collectionNames()).contains(spec.name(), dedicatedCollection);
        assertThat(dedicatedCollection).hasSizeLessThanOrEqualTo(255);
        assertThat(backend.count(dedicated, null)).isEqualTo(1);
        assertThat(backend.count(shared, null)).isEqualTo(1);

        backend.dropPartition(dedicated);

        assertThat(qdrant.collectionNames()).contains(spec.name()).doesNotContain(dedicatedCollection);
        assertThat(backend.count(shared, null)).isEqualTo(1);
        backend.dropCollection(spec);
        assertThat(qdrant.collectionNames()).containsOnly("partition_gateway.placements");
    }

    @Test
    void should_refuse_a_collection_beyond_the_configured_limit_before_qdrant_would() {
        backend.close();
        backend = open(options().partitionMode(PartitionMode.COLLECTION).maxCollections(3).build());
        CollectionSpec spec = collection(Metric.L2);
        ensure(Placement.dedicated(spec, "first", "tenant_a"));

        assertThatThrownBy(() -> backend.ensurePartition(Placement.dedicated(spec, "second", "tenant_b")))
                .isInstanceOf(BackendException.CapacityExceeded.class)
                .hasMessageContaining("gateway.qdrant.max-collections is 3").hasMessageContaining("partition-mode=payload");
        assertThat(qdrant.collectionNames()).hasSize(3);
        ensure(Placement.shared(spec, "bucket_0", "tenant_b"));
    }

    @Test
    void should_report_qdrants_own_collection_limit_as_capacity_exceeded() {
        qdrant.maxCollections(2);
        backend.close();
        backend = open(options().partitionMode(PartitionMode.COLLECTION).build());
        CollectionSpec spec = collection(Metric.L2);

        assertThatThrownBy(() -> backend.ensurePartition(Placement.dedicated(spec, "own", "tenant_a")))
                .isInstanceOf(BackendException.CapacityExceeded.class).hasMessageContaining("Max collections limit reached: 2");
    }

    @Test
    void should_keep_finding_placements_where_they_are_after_the_partition_mode_changes() {
        CollectionSpec spec = collection(Metric.L2);
        Placement before = ensure(Placement.dedicated(spec, "before", "tenant_a"));
        backend.upsert(before, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of())));
        backend.close();

        backend = open(options().partitionMode(PartitionMode.COLLECTION).build());
        Placement after = ensure(Placement.dedicated(spec, "after", "tenant_a"));
        backend.upsert(after, List.of(new VectorRecord("b", new float[] {0, 1, 0, 0}, Map.of())));

        assertThat(backend.fetch(before, List.of("a"))).hasSize(1);
        assertThat(backend.search(List.of(before, after), new SearchQuery(new float[] {1, 1, 0, 0}, 5, null, false, false)))
                .extracting(Match::id, Match::placement).containsExactlyInAnyOrder(
                        org.assertj.core.api.Assertions.tuple("a", "before"), org.assertj.core.api.Assertions.tuple("b", "after"));
        assertThat(qdrant.collectionNames()).doesNotContain(spec.name() + "-before").contains(spec.name() + "-after");
    }

    // ================================================================ drops

    @Test
    void should_refuse_every_call_on_a_partition_once_its_drop_began_and_clear_it_before_it_is_ensured_again() {
        CollectionSpec spec = collection(Metric.L2);
        Placement placement = ensure(Placement.dedicated(spec, "main", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of()),
                new VectorRecord("b", new float[] {0, 1, 0, 0}, Map.of())));
        // The node goes away after the drop marked the partition, before its records are deleted.
        qdrant.failNext("qdrant.Points/Delete", Status.UNAVAILABLE.withDescription("node restarting"));

        assertThatThrownBy(() -> backend.dropPartition(placement)).isInstanceOf(BackendException.Unavailable.class);

        assertThatThrownBy(() -> backend.upsert(placement, List.of(new VectorRecord("c", new float[] {0, 0, 1, 0}, Map.of()))))
                .isInstanceOf(BackendException.NotFound.class);
        assertThatThrownBy(() -> backend.count(placement, null)).isInstanceOf(BackendException.NotFound.class);
        try (QdrantBackend other = open(options().build())) {
            assertThatThrownBy(() -> other.fetch(placement, List.of("a"))).isInstanceOf(BackendException.NotFound.class);
        }
        backend.ensurePartition(placement);
        assertThat(backend.count(placement, null)).isZero();
    }

    @Test
    void should_finish_an_interrupted_drop_when_it_is_dropped_again() throws Exception {
        backend.close();
        backend = open(options().partitionMode(PartitionMode.COLLECTION).build());
        CollectionSpec spec = collection(Metric.L2);
        Placement placement = ensure(Placement.dedicated(spec, "main", "tenant_a"));
        backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of())));
        qdrant.failNext("qdrant.Collections/Delete", Status.UNAVAILABLE.withDescription("node restarting"));
        assertThatThrownBy(() -> backend.dropPartition(placement)).isInstanceOf(BackendException.Unavailable.class);

        backend.dropPartition(placement);

        assertThat(qdrant.collectionNames()).doesNotContain(new CollectionNames("").dedicated(spec.name(), "main"));
        assertThatThrownBy(() -> backend.count(placement, null)).isInstanceOf(BackendException.NotFound.class);
        assertThat(direct.countAsync("partition_gateway.placements", null, true).get(30, TimeUnit.SECONDS)).isZero();
    }

    // ================================================================ failures

    @Test
    void should_report_a_rate_limit_as_unavailable_with_qdrants_retry_after() {
        Placement placement = ensure(Placement.dedicated(collection(Metric.L2), "main", "tenant_a"));
        qdrant.rateLimitNext(1, Duration.ofSeconds(7));

        assertThatThrownBy(() -> backend.upsert(placement, List.of(new VectorRecord("a", new float[] {1, 0, 0, 0}, Map.of()))))
                .isInstanceOfSatisfying(BackendException.Unavailable.class, e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(7)));
    }

    @Test
    void should_time_out_instead_of_waiting_for_a_slow_node() {
        Placement placement = ensure(Placement.dedicated(collection(Metric.L2), "main", "tenant_a"));
        backend.close();
        backend = open(options().timeout(Duration.ofMillis(300), 2, Duration.ofMillis(200)).build());
        qdrant.delayResponses(Duration.ofMinutes(5));

        assertThatThrownBy(() -> backend.count(placement, null)).isInstanceOf(BackendException.Timeout.class);
        assertThat(backend.health().up()).isFalse();
    }

    @Test
    void should_be_unavailable_and_unhealthy_when_nothing_listens() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (QdrantBackend nowhere = open(QdrantOptions.builder("127.0.0.1", closedPort).timeout(Duration.ofSeconds(5), 1, Duration.ofMillis(200)).build())) {
            assertThat(nowhere.health().up()).isFalse();
            assertThatThrownBy(() -> nowhere.ensureCollection(new CollectionSpec("c", 4, Metric.L2)))
                    .isInstanceOf(BackendException.Unavailable.class);
        }
    }

    @Test
    void should_send_the_api_key_and_report_a_wrong_one_as_unavailable_and_unhealthy() {
        qdrant.requireApiKey("s3cret");
        backend.close();
        backend = open(options().apiKey("s3cret").build());
        CollectionSpec spec = collection(Metric.L2);
        assertThat(backend.health().up()).isTrue();

        try (QdrantBackend wrong = open(options().apiKey("guess").build())) {
            assertThat(wrong.health().up()).isFalse();
            assertThatThrownBy(() -> wrong.ensureCollection(spec))
                    .isInstanceOf(BackendException.Unavailable.class).hasMessageContaining("gateway.qdrant.api-key");
        }
    }

    @Test
    void should_describe_itself_in_its_health() {
        assertThat(backend.health().up()).isTrue();
        assertThat(backend.health().detail()).contains("Qdrant " + "1.18.0").contains("partition-mode payload");
    }

    // ================================================================ helpers

    private QdrantOptions.Builder options() {
        return QdrantOptions.builder(qdrant.host(), qdrant.port());
    }

    private static QdrantBackend open(QdrantOptions options) {
        return new QdrantBackend(options);
    }

    private CollectionSpec collection(Metric metric) {
        CollectionSpec spec = new CollectionSpec("qb_" + NAMES.incrementAndGet(), 4, metric);
        backend.ensureCollection(spec);
        return spec;
    }

    private Placement ensure(Placement placement) {
        backend.ensurePartition(placement);
        return placement;
    }
}
