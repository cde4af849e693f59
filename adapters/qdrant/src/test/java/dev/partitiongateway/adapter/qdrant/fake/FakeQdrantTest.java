package dev.partitiongateway.adapter.qdrant.fake;

import static io.qdrant.client.ConditionFactory.filter;
import static io.qdrant.client.ConditionFactory.hasId;
import static io.qdrant.client.ConditionFactory.isEmpty;
import static io.qdrant.client.ConditionFactory.isNull;
import static io.qdrant.client.ConditionFactory.match;
import static io.qdrant.client.ConditionFactory.matchExceptKeywords;
import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.matchKeywords;
import static io.qdrant.client.ConditionFactory.matchValues;
import static io.qdrant.client.ConditionFactory.nested;
import static io.qdrant.client.ConditionFactory.range;
import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.list;
import static io.qdrant.client.ValueFactory.nullValue;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorsFactory.vectors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantException;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.DeleteCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.KeywordIndexParams;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.StrictModeConfig;
import io.qdrant.client.grpc.Collections.UpdateCollection;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.JsonWithInt.Struct;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsIdsList;
import io.qdrant.client.grpc.Points.PointsSelector;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.UpdateResult;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.qdrant.client.grpc.Points.UpsertPoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Pins what {@link FakeQdrant} does, through the real {@code QdrantClient} and nothing of the adapter:
 * each test states one behaviour of Qdrant 1.x (see the sources named on the fake's classes).
 */
class FakeQdrantTest {

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static FakeQdrant server;
    private QdrantClient client;

    @BeforeAll
    static void startServer() {
        server = FakeQdrant.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        server.reset();
        client = new QdrantClient(QdrantGrpcClient.newBuilder(server.host(), server.port(), false, false).build());
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    // ================================================================ collections

    @Nested
    class Collections {

        @Test
        void should_refuse_an_existing_name_with_already_exists() throws Exception {
            String name = collection(4, Distance.Cosine);

            assertStatus(() -> get(client.createCollectionAsync(name, params(4, Distance.Cosine))),
                    Status.Code.ALREADY_EXISTS, "Wrong input: Collection `" + name + "` already exists!");
        }

        @Test
        void should_answer_not_found_for_a_collection_that_does_not_exist() {
            String message = "Not found: Collection `missing` doesn't exist!";

            assertStatus(() -> get(client.getCollectionInfoAsync("missing")), Status.Code.NOT_FOUND, message);
            assertStatus(() -> get(client.upsertAsync("missing", List.of(point(1, 1f)))), Status.Code.NOT_FOUND, message);
            assertStatus(() -> get(client.countAsync("missing", null, true)), Status.Code.NOT_FOUND, message);
            assertStatus(() -> get(client.scrollAsync(ScrollPoints.newBuilder().setCollectionName("missing").build())), Status.Code.NOT_FOUND, message);
        }

        @Test
        void should_answer_false_rather_than_an_error_when_deleting_a_missing_collection() throws Exception {
            String name = collection(2, Distance.Dot);

            boolean deleted = client.grpcClient().collections().delete(DeleteCollection.newBuilder().setCollectionName(name).build()).get().getResult();
            boolean again = client.grpcClient().collections().delete(DeleteCollection.newBuilder().setCollectionName(name).build()).get().getResult();

            assertThat(deleted).isTrue();
            assertThat(again).isFalse();
            // The client turns result=false into its own exception.
            assertThatThrownBy(() -> get(client.deleteCollectionAsync(name))).hasCauseInstanceOf(QdrantException.class);
            assertThat(get(client.collectionExistsAsync(name))).isFalse();
        }

        @Test
        void should_refuse_new_collections_beyond_the_node_limit_as_a_bad_request() throws Exception {
            server.maxCollections(2);
            collection(2, Distance.Dot);
            collection(2, Distance.Dot);

            assertStatus(() -> get(client.createCollectionAsync("third", params(2, Distance.Dot))), Status.Code.INVALID_ARGUMENT,
                    "Bad request: Can't create collection with name third. Max collections limit reached: 2");
            assertThat(get(client.listCollectionsAsync())).hasSize(2);
        }

        @Test
        void should_refuse_names_with_characters_unsafe_on_disk() {
            assertStatus(() -> get(client.createCollectionAsync("a/b", params(2, Distance.Dot))), Status.Code.INVALID_ARGUMENT,
                    "Validation error in body: [collection_name: collection name cannot contain \"/\" char]");
        }

        @Test
        void should_report_vector_parameters_and_payload_indexes_including_a_tenant_index() throws Exception {
            String name = collection(4, Distance.Euclid);
            PayloadIndexParams tenant = PayloadIndexParams.newBuilder().setKeywordIndexParams(KeywordIndexParams.newBuilder().setIsTenant(true)).build();
            get(client.createPayloadIndexAsync(name, "tenant", PayloadSchemaType.Keyword, tenant, true, null, null));
            get(client.createPayloadIndexAsync(name, "meta.year", PayloadSchemaType.Float, null, true, null, null));
            get(client.upsertAsync(name, List.of(point(1, payload("tenant", value("a")), 1, 2, 3, 4))));

            CollectionInfo info = get(client.getCollectionInfoAsync(name));

            assertThat(info.getConfig().getParams().getVectorsConfig().getParams().getSize()).isEqualTo(4);
            assertThat(info.getConfig().getParams().getVectorsConfig().getParams().getDistance()).isEqualTo(Distance.Euclid);
            assertThat(info.getPointsCount()).isEqualTo(1);
            assertThat(info.getPayloadSchemaMap()).containsOnlyKeys("tenant", "meta.year");
            assertThat(info.getPayloadSchemaMap().get("tenant").getDataType()).isEqualTo(PayloadSchemaType.Keyword);
            assertThat(info.getPayloadSchemaMap().get("tenant").getParams().getKeywordIndexParams().getIsTenant()).isTrue();
            assertThat(info.getPayloadSchemaMap().get("tenant").getPoints()).isEqualTo(1);
        }

        @Test
        void should_keep_the_metadata_a_collection_was_created_with_and_report_it_in_its_info() throws Exception {
            String name = "fake_" + NAMES.incrementAndGet();
            Value owner = Value.newBuilder().setStructValue(Struct.newBuilder()
                    .putFields("app", value("gateway")).putFields("version", value(2))).build();
            get(client.createCollectionAsync(CreateCollection.newBuilder().setCollectionName(name)
                    .setVectorsConfig(VectorsConfig.newBuilder().setParams(params(2, Distance.Dot)))
                    .putMetadata("owner", owner).putMetadata("ratio", value(1.0)).build()));
            String plain = collection(2, Distance.Dot);

            Map<String, Value> metadata = get(client.getCollectionInfoAsync(name)).getConfig().getMetadataMap();

            assertThat(metadata).containsOnlyKeys("owner", "ratio");
            assertThat(metadata.get("owner")).isEqualTo(owner);
            assertThat(metadata.get("ratio").getKindCase()).isEqualTo(Value.KindCase.DOUBLE_VALUE);
            assertThat(get(client.getCollectionInfoAsync(plain)).getConfig().getMetadataMap()).isEmpty();
        }

        @Test
        void should_merge_updated_metadata_at_the_top_level_and_remove_keys_updated_to_null() throws Exception {
            String name = "fake_" + NAMES.incrementAndGet();
            get(client.createCollectionAsync(CreateCollection.newBuilder().setCollectionName(name)
                    .setVectorsConfig(VectorsConfig.newBuilder().setParams(params(2, Distance.Dot)))
                    .putMetadata("keep", value("k")).putMetadata("drop", value("d"))
                    .putMetadata("whole", Value.newBuilder().setStructValue(Struct.newBuilder().putFields("a", value(1))).build()).build()));
            Value replacement = Value.newBuilder().setStructValue(Struct.newBuilder().putFields("b", value(2))).build();

            get(client.updateCollectionAsync(UpdateCollection.newBuilder().setCollectionName(name)
                    .putMetadata("drop", nullValue()).putMetadata("whole", replacement).putMetadata("added", value(true)).build()));

            Map<String, Value> metadata = get(client.getCollectionInfoAsync(name)).getConfig().getMetadataMap();
            assertThat(metadata).containsOnlyKeys("keep", "whole", "added");
            assertThat(metadata.get("whole")).isEqualTo(replacement);
            assertStatus(() -> get(client.updateCollectionAsync(UpdateCollection.newBuilder().setCollectionName("missing")
                    .putMetadata("a", value(1)).build())), Status.Code.NOT_FOUND, "Not found: Collection `missing` doesn't exist!");
        }

        @Test
        void should_drop_collection_metadata_without_a_word_when_set_to_behave_as_qdrant_before_1_15_4() throws Exception {
            server.keepCollectionMetadata(false);
            String name = "fake_" + NAMES.incrementAndGet();

            get(client.createCollectionAsync(CreateCollection.newBuilder().setCollectionName(name)
                    .setVectorsConfig(VectorsConfig.newBuilder().setParams(params(2, Distance.Dot))).putMetadata("owner", value("me")).build()));

            assertThat(get(client.getCollectionInfoAsync(name)).getConfig().getMetadataMap()).isEmpty();
        }

        @Test
        void should_answer_the_health_check_with_its_version() throws Exception {
            assertThat(get(client.healthCheckAsync()).getVersion()).isEqualTo(FakeQdrant.VERSION);
        }
    }

    // ================================================================ points

    @Nested
    class Points {

        @Test
        void should_accept_only_unsigned_numbers_and_uuids_as_ids() throws Exception {
            String name = collection(2, Distance.Dot);
            PointStruct named = PointStruct.newBuilder().setId(PointId.newBuilder().setUuid("doc-1")).setVectors(vectors(1, 2)).build();

            assertStatus(() -> get(client.upsertAsync(name, List.of(named))), Status.Code.INVALID_ARGUMENT, "Unable to parse UUID: doc-1");
            get(client.upsertAsync(name, List.of(point(7, 1, 2))));
            assertThat(get(client.countAsync(name, null, true))).isEqualTo(1);
        }

        @Test
        void should_return_uuids_lower_case_and_hyphenated_whatever_spelling_was_sent() throws Exception {
            String name = collection(2, Distance.Dot);
            UUID uuid = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
            PointStruct upper = PointStruct.newBuilder().setId(PointId.newBuilder().setUuid("0F8FAD5BD9CB469FA16570867728950E"))
                    .setVectors(vectors(1, 2)).build();

            get(client.upsertAsync(name, List.of(upper)));

            List<RetrievedPoint> points = get(client.retrieveAsync(name, List.of(id(uuid)), false, false, null));
            assertThat(points).singleElement().satisfies(p -> assertThat(p.getId().getUuid()).isEqualTo(uuid.toString()));
        }

        @Test
        void should_refuse_a_vector_of_the_wrong_dimension_and_store_nothing_of_the_request() throws Exception {
            String name = collection(4, Distance.Dot);

            assertStatus(() -> get(client.upsertAsync(name, List.of(point(1, 1, 2, 3, 4), point(2, 1, 2, 3)))),
                    Status.Code.INVALID_ARGUMENT, "Wrong input: Vector dimension error: expected dim: 4, got 3");
            assertStatus(() -> get(client.queryAsync(QueryPoints.newBuilder().setCollectionName(name).setQuery(QueryFactory.nearest(1, 2, 3)).build())),
                    Status.Code.INVALID_ARGUMENT, "Wrong input: Vector dimension error: expected dim: 4, got 3");
            assertThat(get(client.countAsync(name, null, true))).isZero();
        }

        @Test
        void should_store_cosine_vectors_normalised_and_other_distances_as_sent() throws Exception {
            String cosine = collection(2, Distance.Cosine);
            String dot = collection(2, Distance.Dot);
            get(client.upsertAsync(cosine, List.of(point(1, 3, 4))));
            get(client.upsertAsync(dot, List.of(point(1, 3, 4))));

            assertThat(vectorOf(get(client.retrieveAsync(cosine, List.of(id(1)), false, true, null)).get(0))).containsExactly(0.6f, 0.8f);
            assertThat(vectorOf(get(client.retrieveAsync(dot, List.of(id(1)), false, true, null)).get(0))).containsExactly(3f, 4f);
        }

        @Test
        void should_rank_by_similarity_for_cosine_and_dot_and_by_real_distance_for_euclid() throws Exception {
            String euclid = collection(2, Distance.Euclid);
            String cosine = collection(2, Distance.Cosine);
            String dot = collection(2, Distance.Dot);
            for (String name : List.of(euclid, cosine, dot)) {
                get(client.upsertAsync(name, List.of(point(1, 1, 0), point(2, 4, 4), point(3, -2, 0))));
            }

            List<ScoredPoint> byDistance = query(euclid, 1, 0);
            List<ScoredPoint> byCosine = query(cosine, 1, 0);
            List<ScoredPoint> byDot = query(dot, 1, 0);

            assertThat(byDistance).extracting(p -> p.getId().getNum()).containsExactly(1L, 3L, 2L);
            assertThat(byDistance).extracting(ScoredPoint::getScore).containsExactly(0f, 3f, 5f);
            assertThat(byCosine).extracting(p -> p.getId().getNum()).containsExactly(1L, 2L, 3L);
            assertThat(byCosine.get(1).getScore()).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
            assertThat(byDot).extracting(ScoredPoint::getScore).containsExactly(4f, 1f, -2f);
        }

        @Test
        void should_acknowledge_unwaited_writes_before_applying_them_and_apply_them_before_a_waited_write() throws Exception {
            String name = collection(2, Distance.Dot);
            server.applyUnwaitedWritesAfter(Duration.ofHours(1));

            UpdateResult unwaited = get(client.upsertAsync(UpsertPoints.newBuilder().setCollectionName(name).addPoints(point(1, 1, 2)).build()));
            long countBefore = get(client.countAsync(name, null, true));
            UpdateResult waited = get(client.upsertAsync(name, List.of(point(2, 1, 2))));

            assertThat(unwaited.getStatus()).isEqualTo(UpdateStatus.Acknowledged);
            assertThat(countBefore).isZero();
            assertThat(waited.getStatus()).isEqualTo(UpdateStatus.Completed);
            assertThat(get(client.countAsync(name, null, true))).isEqualTo(2);
        }

        @Test
        void should_apply_unwaited_writes_by_themselves_after_the_delay() throws Exception {
            String name = collection(2, Distance.Dot);
            server.applyUnwaitedWritesAfter(Duration.ofMillis(20));

            get(client.deleteAsync(DeletePoints.newBuilder().setCollectionName(name)
                    .setPoints(PointsSelector.newBuilder().setPoints(PointsIdsList.newBuilder().addIds(id(1)))).build()));
            get(client.upsertAsync(UpsertPoints.newBuilder().setCollectionName(name).addPoints(point(1, 1, 2)).build()));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (get(client.countAsync(name, null, true)) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(get(client.countAsync(name, null, true))).isEqualTo(1);
        }

        @Test
        void should_scroll_in_id_order_from_an_inclusive_offset_without_a_next_offset_on_the_last_page() throws Exception {
            String name = collection(2, Distance.Dot);
            UUID low = UUID.fromString("00000000-0000-4000-8000-000000000001");
            UUID high = UUID.fromString("ffffffff-0000-4000-8000-000000000001");
            get(client.upsertAsync(name, List.of(point(high, 1, 1), point(low, 1, 1), point(30, 1, 1), point(2, 1, 1), point(10, 1, 1))));

            ScrollResponse first = scroll(name, null, 2);
            ScrollResponse second = scroll(name, first.getNextPageOffset(), 2);
            ScrollResponse last = scroll(name, second.getNextPageOffset(), 2);

            assertThat(first.getResultList()).extracting(p -> p.getId().getNum()).containsExactly(2L, 10L);
            assertThat(first.getNextPageOffset().getNum()).isEqualTo(30);
            assertThat(second.getResultList()).extracting(p -> p.getId().toString()).containsExactly(id(30).toString(), id(low).toString());
            assertThat(last.getResultList()).extracting(p -> p.getId().getUuid()).containsExactly(high.toString());
            assertThat(last.hasNextPageOffset()).isFalse();
            assertThat(scroll(name, id(10), 1).getResultList()).extracting(p -> p.getId().getNum()).containsExactly(10L);
        }

        @Test
        void should_refuse_a_scroll_limit_of_zero() throws Exception {
            String name = collection(2, Distance.Dot);

            assertStatus(() -> scroll(name, null, 0), Status.Code.INVALID_ARGUMENT,
                    "Validation error in body: [limit: value 0 invalid, must be 1 or larger]");
        }

        @Test
        void should_count_exactly_unless_told_an_estimate_will_do() throws Exception {
            String name = collection(2, Distance.Dot);
            get(client.upsertAsync(name, List.of(point(1, payload("k", value("a")), 1, 1), point(2, payload("k", value("b")), 1, 1))));
            Filter onlyA = Filter.newBuilder().addMust(matchKeyword("k", "a")).build();

            assertThat(get(client.countAsync(name, onlyA, true))).isEqualTo(1);
            assertThat(get(client.countAsync(name, onlyA, null))).isEqualTo(1);
            assertThat(get(client.countAsync(name, onlyA, false))).isEqualTo(2);
        }

        @Test
        void should_delete_by_ids_and_by_filter_without_reporting_how_many() throws Exception {
            String name = collection(2, Distance.Dot);
            get(client.upsertAsync(name, List.of(point(1, payload("k", value("a")), 1, 1), point(2, payload("k", value("b")), 1, 1),
                    point(3, payload("k", value("b")), 1, 1))));

            UpdateResult byIds = get(client.deleteAsync(name, List.of(id(1), id(99))));
            UpdateResult byFilter = get(client.deleteAsync(name, Filter.newBuilder().addMust(matchKeyword("k", "b")).build()));

            assertThat(byIds.getStatus()).isEqualTo(UpdateStatus.Completed);
            assertThat(byFilter.getStatus()).isEqualTo(UpdateStatus.Completed);
            assertThat(UpdateResult.getDescriptor().getFields()).extracting(f -> f.getName()).containsExactly("operation_id", "status");
            assertThat(get(client.countAsync(name, null, true))).isZero();
        }

        @Test
        void should_keep_integers_and_doubles_apart_in_payloads() throws Exception {
            String name = collection(2, Distance.Dot);
            get(client.upsertAsync(name, List.of(point(1, Map.of("int", value(1), "double", value(1.0), "nested", value(Map.of("n", value(2.5)))), 1, 1))));

            Map<String, Value> payload = get(client.retrieveAsync(name, List.of(id(1)), true, false, null)).get(0).getPayloadMap();

            assertThat(payload.get("int").getKindCase()).isEqualTo(Value.KindCase.INTEGER_VALUE);
            assertThat(payload.get("double").getKindCase()).isEqualTo(Value.KindCase.DOUBLE_VALUE);
            assertThat(payload.get("nested").getStructValue().getFieldsMap().get("n").getDoubleValue()).isEqualTo(2.5);
        }

        @Test
        void should_return_only_the_payload_keys_asked_for() throws Exception {
            String name = collection(2, Distance.Dot);
            get(client.upsertAsync(name, List.of(point(1, Map.of("a", value(1), "b", value(Map.of("x", value(1), "y", value(2)))), 1, 1))));

            RetrievedPoint included = get(client.retrieveAsync(name, List.of(id(1)), WithPayloadSelectorFactory.include(List.of("b.x")),
                    WithVectorsSelectorFactory.enable(false), null)).get(0);
            RetrievedPoint excluded = get(client.retrieveAsync(name, List.of(id(1)), WithPayloadSelectorFactory.exclude(List.of("b")),
                    WithVectorsSelectorFactory.enable(false), null)).get(0);

            assertThat(included.getPayloadMap()).containsOnlyKeys("b");
            assertThat(included.getPayloadMap().get("b").getStructValue().getFieldsMap()).containsOnlyKeys("x");
            assertThat(excluded.getPayloadMap()).containsOnlyKeys("a");
            assertThat(included.hasVectors()).isFalse();
        }
    }

    // ================================================================ filters

    @Nested
    class Filters {

        private String name;

        /** Points 1..8 cover integers, doubles, strings, booleans, arrays, nulls, empty arrays and missing keys. */
        @BeforeEach
        void points() throws Exception {
            name = collection(2, Distance.Dot);
            get(client.upsertAsync(name, List.of(
                    point(1, Map.of("n", value(1), "s", value("x"), "b", value(true), "tags", list(List.of(value("a"), value("b"))),
                            "obj", value(Map.of("inner", value("deep"))), "items", list(List.of(value(Map.of("k", value("v"))))))),
                    point(2, Map.of("n", value(1.0), "s", value("1"), "b", value(false), "tags", list(List.of(value("c"))))),
                    point(3, Map.of("n", value("1"), "mixed", list(List.of(value("a"), value(3))))),
                    point(4, Map.of("n", nullValue(), "tags", list(List.of()))),
                    point(5, Map.of("tags", list(List.of(nullValue())), "n", list(List.of(value(5), value(7.5))))),
                    point(6, Map.of()),
                    point(7, Map.of("b", value("true"))),
                    point(8, Map.of("s", value(1))))));
        }

        @Test
        void should_match_integers_only_against_numbers_stored_as_integers() throws Exception {
            assertMatches(must(match("n", 1)), 1);
            assertMatches(must(matchValues("n", List.of(1L, 7L))), 1);
        }

        @Test
        void should_match_numbers_stored_as_integers_or_doubles_with_a_range() throws Exception {
            assertMatches(must(range("n", Range.newBuilder().setGte(1).setLte(1).build())), 1, 2);
            assertMatches(must(range("n", Range.newBuilder().setGt(6).build())), 5);
        }

        @Test
        void should_match_keywords_only_against_strings_and_booleans_only_against_booleans() throws Exception {
            assertMatches(must(matchKeyword("s", "1")), 2);
            assertMatches(must(matchKeyword("n", "1")), 3);
            assertMatches(must(match("b", true)), 1);
            assertMatches(must(matchKeyword("b", "true")), 7);
        }

        @Test
        void should_never_match_a_range_against_strings_but_match_the_numbers_of_a_mixed_array() throws Exception {
            assertMatches(must(range("s", Range.newBuilder().setGte(-1e300).build())), 8);
            assertMatches(must(range("mixed", Range.newBuilder().setGte(3).setLte(3).build())), 3);
        }

        @Test
        void should_match_arrays_when_any_element_matches() throws Exception {
            assertMatches(must(matchKeyword("tags", "b")), 1);
            assertMatches(must(matchKeywords("tags", List.of("c", "z"))), 2);
            assertMatches(must(matchKeyword("mixed", "a")), 3);
        }

        @Test
        void should_treat_missing_keys_as_not_matching_so_that_must_not_keeps_them() throws Exception {
            assertMatches(mustNot(matchKeyword("s", "x")), 2, 3, 4, 5, 6, 7, 8);
            assertMatches(mustNot(match("n", 1)), 2, 3, 4, 5, 6, 7, 8);
            assertMatches(mustNot(matchKeyword("tags", "a")), 2, 3, 4, 5, 6, 7, 8);
        }

        @Test
        void should_tell_is_empty_from_is_null() throws Exception {
            // [null] is neither empty nor null: the value at the key is an array that holds something.
            assertMatches(must(isEmpty("tags")), 3, 4, 6, 7, 8);
            assertMatches(must(isNull("tags")));
            assertMatches(must(isNull("n")), 4);
            assertMatches(must(isEmpty("n")), 4, 6, 7, 8);
        }

        @Test
        void should_be_false_for_except_on_missing_keys_and_nulls_and_true_on_other_types() throws Exception {
            assertMatches(must(matchExceptKeywords("s", List.of("x"))), 2, 8);
            assertMatches(must(matchExceptKeywords("n", List.of("1"))), 1, 2, 5);
        }

        @Test
        void should_follow_dotted_paths_into_objects_but_not_into_arrays_without_brackets() throws Exception {
            assertMatches(must(matchKeyword("obj.inner", "deep")), 1);
            assertMatches(must(matchKeyword("items.k", "v")));
            assertMatches(must(matchKeyword("items[].k", "v")), 1);
            assertMatches(must(nested("items", Filter.newBuilder().addMust(matchKeyword("k", "v")).build())), 1);
        }

        @Test
        void should_combine_should_must_and_must_not_with_an_empty_should_meaning_no_condition() throws Exception {
            Filter either = Filter.newBuilder().addShould(matchKeyword("s", "x")).addShould(matchKeyword("s", "1")).build();
            Filter noShould = Filter.newBuilder().addShould(Condition.getDefaultInstance()).addMust(match("b", false)).build();

            assertMatches(either, 1, 2);
            assertMatches(Filter.newBuilder().addMust(filter(either)).addMustNot(match("b", true)).build(), 2);
            assertMatches(noShould, 2);
            assertMatches(must(hasId(List.of(id(3), id(99)))), 3);
        }

        @Test
        void should_match_no_point_with_an_empty_has_id_and_every_point_with_its_negation() throws Exception {
            assertMatches(must(hasId(List.of())));
            assertMatches(mustNot(hasId(List.of())), 1, 2, 3, 4, 5, 6, 7, 8);
        }

        @Test
        void should_refuse_a_key_that_is_not_a_valid_json_path() {
            assertStatus(() -> get(client.countAsync(name, must(matchKeyword("a..b", "x")), true)), Status.Code.INVALID_ARGUMENT,
                    "Invalid json path: 'a..b'");
        }

        private void assertMatches(Filter filter, long... expected) throws Exception {
            List<Long> ids = new ArrayList<>();
            ScrollResponse page = get(client.scrollAsync(ScrollPoints.newBuilder().setCollectionName(name).setFilter(filter).setLimit(100).build()));
            page.getResultList().forEach(p -> ids.add(p.getId().getNum()));
            assertThat(ids).as("points matching %s", filter).containsExactly(java.util.Arrays.stream(expected).boxed().toArray(Long[]::new));
            assertThat(get(client.countAsync(name, filter, true))).isEqualTo(expected.length);
        }
    }

    // ================================================================ strict mode

    @Nested
    class StrictMode {

        @Test
        void should_refuse_filters_on_keys_without_a_suitable_index_until_one_exists() throws Exception {
            server.strictModeByDefault(true);
            String name = collection(2, Distance.Dot);
            get(client.upsertAsync(name, List.of(point(1, payload("genre", value("news")), 1, 1))));
            Filter genre = must(matchKeyword("genre", "news"));
            String refusal = "Bad request: Index required but not found for \"genre\" of one of the following types: [keyword]."
                    + " Help: Create an index for this key or use a different filter.";

            assertStatus(() -> get(client.countAsync(name, genre, true)), Status.Code.INVALID_ARGUMENT, refusal);
            assertStatus(() -> get(client.deleteAsync(name, genre)), Status.Code.INVALID_ARGUMENT, refusal);
            assertStatus(() -> get(client.queryAsync(QueryPoints.newBuilder().setCollectionName(name).setQuery(QueryFactory.nearest(1, 1))
                    .setFilter(genre).build())), Status.Code.INVALID_ARGUMENT, refusal);
            assertThat(get(client.countAsync(name, must(hasId(List.of(id(1)))), true))).isEqualTo(1);

            get(client.createPayloadIndexAsync(name, "genre", PayloadSchemaType.Keyword, null, true, null, null));

            assertThat(get(client.countAsync(name, genre, true))).isEqualTo(1);
            assertStatus(() -> get(client.countAsync(name, must(range("genre", Range.newBuilder().setGt(1).build())), true)),
                    Status.Code.INVALID_ARGUMENT, "Bad request: Index required but not found for \"genre\" of one of the following types: [float, integer].");
        }

        @Test
        void should_refuse_a_payload_index_beyond_the_limit_even_one_that_would_only_replace_an_existing_index() throws Exception {
            server.strictModeByDefault(StrictModeConfig.newBuilder().setEnabled(true).setMaxPayloadIndexCount(2).build());
            String name = collection(2, Distance.Dot);
            get(client.createPayloadIndexAsync(name, "a", PayloadSchemaType.Keyword, null, true, null, null));
            get(client.createPayloadIndexAsync(name, "b", PayloadSchemaType.Keyword, null, true, null, null));
            String refusal = "Bad request: Collection already has the maximum number of payload indices (2)."
                    + " Help: Please delete an existing index before creating a new one.";

            assertStatus(() -> get(client.createPayloadIndexAsync(name, "c", PayloadSchemaType.Keyword, null, true, null, null)),
                    Status.Code.INVALID_ARGUMENT, refusal);
            assertStatus(() -> get(client.createPayloadIndexAsync(name, "a", PayloadSchemaType.Keyword, null, true, null, null)),
                    Status.Code.INVALID_ARGUMENT, refusal);
            assertThat(get(client.getCollectionInfoAsync(name)).getPayloadSchemaMap()).containsOnlyKeys("a", "b");
        }

        @Test
        void should_give_the_same_results_with_a_tenant_index_as_without() throws Exception {
            String plain = collection(2, Distance.Dot);
            String tenanted = collection(2, Distance.Dot);
            PayloadIndexParams isTenant = PayloadIndexParams.newBuilder().setKeywordIndexParams(KeywordIndexParams.newBuilder().setIsTenant(true)).build();
            get(client.createPayloadIndexAsync(tenanted, "tenant", PayloadSchemaType.Keyword, isTenant, true, null, null));
            for (String name : List.of(plain, tenanted)) {
                get(client.upsertAsync(name, List.of(point(1, payload("tenant", value("a")), 1, 0), point(2, payload("tenant", value("b")), 0, 1))));
            }
            Filter tenantA = must(matchKeyword("tenant", "a"));

            assertThat(get(client.countAsync(tenanted, tenantA, true))).isEqualTo(get(client.countAsync(plain, tenantA, true)));
            assertThat(get(client.queryAsync(QueryPoints.newBuilder().setCollectionName(tenanted).setQuery(QueryFactory.nearest(0, 1)).setFilter(tenantA).build())))
                    .extracting(p -> p.getId().getNum()).containsExactly(1L);
        }
    }

    // ================================================================ faults

    @Nested
    class Faults {

        @Test
        void should_refuse_rate_limited_calls_with_resource_exhausted_and_a_retry_after_in_seconds() throws Exception {
            String name = collection(2, Distance.Dot);
            server.rateLimitNext(1, Duration.ofMillis(1500));

            StatusRuntimeException limited = statusOf(() -> get(client.upsertAsync(name, List.of(point(1, 1, 1)))));

            assertThat(limited.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(limited.getStatus().getDescription()).startsWith("Rate limiting exceeded: Write rate limit exceeded");
            assertThat(limited.getTrailers().get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("2");
            get(client.upsertAsync(name, List.of(point(1, 1, 1))));
        }

        @Test
        void should_require_the_api_key_on_every_call_but_the_health_check() throws Exception {
            server.requireApiKey("secret");
            try (QdrantClient keyed = new QdrantClient(QdrantGrpcClient.newBuilder(server.host(), server.port(), false, false).withApiKey("secret").build())) {
                assertStatus(() -> get(client.listCollectionsAsync()), Status.Code.UNAUTHENTICATED, "Must provide an API key or an Authorization bearer token");
                assertThat(get(client.healthCheckAsync()).getTitle()).isEqualTo("qdrant - vector search engine");
                assertThat(get(keyed.listCollectionsAsync())).isEmpty();
            }
        }

        @Test
        void should_fail_the_next_call_of_a_chosen_method_once_and_without_effect() throws Exception {
            String name = collection(2, Distance.Dot);
            get(client.upsertAsync(name, List.of(point(1, 1, 1))));
            server.failNext("qdrant.Points/Delete", Status.UNAVAILABLE.withDescription("gone"));

            assertStatus(() -> get(client.deleteAsync(name, List.of(id(1)))), Status.Code.UNAVAILABLE, "gone");
            assertThat(get(client.countAsync(name, null, true))).isEqualTo(1);
            get(client.deleteAsync(name, List.of(id(1))));
            assertThat(get(client.countAsync(name, null, true))).isZero();
        }

        @Test
        void should_let_a_client_deadline_expire_when_the_node_is_slow() {
            server.delayResponses(Duration.ofSeconds(30));

            assertThat(statusOf(() -> get(client.listCollectionsAsync(Duration.ofMillis(200)))).getStatus().getCode())
                    .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        }
    }

    // ================================================================ helpers

    private String collection(int dimension, Distance distance) throws Exception {
        String name = "fake_" + NAMES.incrementAndGet();
        get(client.createCollectionAsync(name, params(dimension, distance)));
        return name;
    }

    private static VectorParams params(int dimension, Distance distance) {
        return VectorParams.newBuilder().setSize(dimension).setDistance(distance).build();
    }

    private static Map<String, Value> payload(String key, Value value) {
        return Map.of(key, value);
    }

    private static PointStruct point(long id, float... values) {
        return point(id, Map.of(), values);
    }

    private static PointStruct point(long id, Map<String, Value> payload, float... values) {
        return PointStruct.newBuilder().setId(id(id)).setVectors(vectors(values.length == 0 ? new float[] {1, 1} : values)).putAllPayload(payload).build();
    }

    private static PointStruct point(UUID id, float... values) {
        return PointStruct.newBuilder().setId(id(id)).setVectors(vectors(values)).build();
    }

    private static Filter must(Condition condition) {
        return Filter.newBuilder().addMust(condition).build();
    }

    private static Filter mustNot(Condition condition) {
        return Filter.newBuilder().addMustNot(condition).build();
    }

    private List<ScoredPoint> query(String name, float... vector) throws Exception {
        return get(client.queryAsync(QueryPoints.newBuilder().setCollectionName(name).setQuery(QueryFactory.nearest(vector)).setLimit(10).build()));
    }

    private ScrollResponse scroll(String name, PointId offset, int limit) throws Exception {
        ScrollPoints.Builder scroll = ScrollPoints.newBuilder().setCollectionName(name).setLimit(limit);
        if (offset != null) {
            scroll.setOffset(offset);
        }
        return get(client.scrollAsync(scroll.build()));
    }

    private static float[] vectorOf(RetrievedPoint point) {
        List<Float> data = point.getVectors().getVector().getDense().getDataList();
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i);
        }
        return values;
    }

    private static <T> T get(Future<T> future) throws Exception {
        return future.get(60, TimeUnit.SECONDS);
    }

    private static StatusRuntimeException statusOf(ThrowingCallable call) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(thrown).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(StatusRuntimeException.class);
        return (StatusRuntimeException) thrown.getCause();
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String description) {
        Status status = statusOf(call).getStatus();
        assertThat(status.getCode()).isEqualTo(code);
        assertThat(status.getDescription()).startsWith(description);
    }
}
