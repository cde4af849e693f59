package dev.partitiongateway.adapter.pinecone.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.pinecone.clients.Index;
import io.pinecone.clients.Pinecone;
import io.pinecone.configs.PineconeConfig;
import io.pinecone.configs.PineconeConnection;
import io.pinecone.exceptions.PineconeAlreadyExistsException;
import io.pinecone.exceptions.PineconeAuthorizationException;
import io.pinecone.exceptions.PineconeForbiddenException;
import io.pinecone.exceptions.PineconeNotFoundException;
import io.pinecone.proto.DescribeIndexStatsResponse;
import io.pinecone.proto.ListItem;
import io.pinecone.proto.ListResponse;
import io.pinecone.unsigned_indices_model.ScoredVectorWithUnsignedIndices;
import io.pinecone.unsigned_indices_model.VectorWithUnsignedIndices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openapitools.db_control.client.model.IndexModel;

/**
 * Pins every behaviour of the fake, driving it only through the Pinecone Java client 6.1.0 (the
 * {@code Index} data-plane client and the {@code Pinecone} control-plane client), never through the
 * adapter: these are the facts the adapter is written against.
 */
class FakePineconeTest {

    private static final int DIM = 3;

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

    /** A data-plane client without the control plane, as the adapter connects. */
    private Index connect(FakePinecone fake, FakeIndex index, String apiKey) {
        PineconeConfig config = new PineconeConfig(apiKey);
        config.setHost(index.host());
        config.setTLSEnabled(false);
        Index client = new Index(config, new PineconeConnection(config), index.name());
        opened.add(client);
        return client;
    }

    private Index connect(FakePinecone fake, FakeIndex index) {
        return connect(fake, index, fake.apiKey());
    }

    private Pinecone controlPlane(FakePinecone fake, String apiKey) {
        return new Pinecone.Builder(apiKey).withHost(fake.controlPlaneUrl()).withTlsEnabled(false).build();
    }

    private static VectorWithUnsignedIndices vector(String id, Struct metadata, float... values) {
        List<Float> list = new ArrayList<>();
        for (float v : values) {
            list.add(v);
        }
        return new VectorWithUnsignedIndices(id, list, metadata, null);
    }

    private static VectorWithUnsignedIndices vector(String id, float... values) {
        return vector(id, Struct.getDefaultInstance(), values);
    }

    private static List<Float> floats(float... values) {
        List<Float> list = new ArrayList<>();
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    private static Struct struct(Object... keysAndValues) {
        Struct.Builder b = Struct.newBuilder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            b.putFields((String) keysAndValues[i], value(keysAndValues[i + 1]));
        }
        return b.build();
    }

    private static Value value(Object v) {
        if (v == null) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        }
        if (v instanceof Value value) {
            return value;
        }
        if (v instanceof String s) {
            return Value.newBuilder().setStringValue(s).build();
        }
        if (v instanceof Boolean b) {
            return Value.newBuilder().setBoolValue(b).build();
        }
        if (v instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        if (v instanceof Struct s) {
            return Value.newBuilder().setStructValue(s).build();
        }
        if (v instanceof List<?> list) {
            ListValue.Builder l = ListValue.newBuilder();
            list.forEach(e -> l.addValues(value(e)));
            return Value.newBuilder().setListValue(l).build();
        }
        throw new IllegalArgumentException(String.valueOf(v));
    }

    private static List<String> ids(List<ScoredVectorWithUnsignedIndices> matches) {
        return matches.stream().map(ScoredVectorWithUnsignedIndices::getId).toList();
    }

    private static List<String> query(Index index, String namespace, Struct filter) {
        return ids(index.query(100, floats(1, 1, 1), null, null, null, namespace, filter, false, false).getMatchesList());
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        throw new AssertionError("the call succeeded");
    }

    /** Polls a condition with a bound; never a blind sleep. */
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

    // ================================================================ control plane

    @Test
    void should_describe_and_connect_created_indexes_in_the_shape_the_6_1_0_client_parses() {
        FakePinecone fake = fake();
        Pinecone pinecone = controlPlane(fake, fake.apiKey());

        IndexModel created = pinecone.createServerlessIndex("docs-index", "euclidean", DIM, "aws", "us-east-1", "disabled",
                Map.of("partition-gateway-collection", "docs"));
        IndexModel described = pinecone.describeIndex("docs-index");

        assertThat(created.getName()).isEqualTo("docs-index");
        assertThat(described.getDimension()).isEqualTo(DIM);
        assertThat(described.getMetric()).isEqualTo("euclidean");
        assertThat(described.getTags()).containsEntry("partition-gateway-collection", "docs");
        assertThat(described.getStatus().getReady()).isTrue();
        assertThat(described.getHost()).isEqualTo(fake.index("docs-index").orElseThrow().host());
        assertThat(pinecone.listIndexes().getIndexes()).extracting(IndexModel::getName).containsExactly("docs-index");
        // The client caches connections by index name in a static map: close it so no other test reuses it.
        try (Index connected = pinecone.getIndexConnection("docs-index")) {
            connected.upsert(List.of(vector("a", 1, 0, 0)), "ns");
            assertThat(connected.fetch(List.of("a"), "ns").getVectorsMap()).containsKey("a");
        }
    }

    @Test
    void should_report_a_created_index_as_initializing_until_it_is_ready() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withIndexInitialisation(Duration.ofHours(1)));
        Pinecone pinecone = controlPlane(fake, fake.apiKey());

        pinecone.createServerlessIndex("slow", "cosine", DIM, "aws", "us-east-1", "disabled", Map.of());

        IndexModel described = pinecone.describeIndex("slow");
        assertThat(described.getStatus().getReady()).isFalse();
        assertThat(described.getStatus().getState()).isEqualTo("Initializing");
        Index index = connect(fake, fake.index("slow").orElseThrow());
        assertThat(code(() -> index.describeIndexStats())).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void should_refuse_an_existing_index_name_an_unknown_one_and_indexes_beyond_the_project_cap() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withMaxIndexes(1));
        Pinecone pinecone = controlPlane(fake, fake.apiKey());
        pinecone.createServerlessIndex("one", "cosine", DIM, "aws", "us-east-1", "disabled", Map.of());

        assertThatThrownBy(() -> pinecone.createServerlessIndex("one", "cosine", DIM, "aws", "us-east-1", "disabled", Map.of()))
                .isInstanceOf(PineconeAlreadyExistsException.class);
        assertThatThrownBy(() -> pinecone.createServerlessIndex("two", "cosine", DIM, "aws", "us-east-1", "disabled", Map.of()))
                .isInstanceOf(PineconeForbiddenException.class).hasMessageContaining("max serverless indexes");
        assertThatThrownBy(() -> pinecone.describeIndex("never")).isInstanceOf(PineconeNotFoundException.class);
    }

    @Test
    void should_delete_an_index_with_its_host() {
        FakePinecone fake = fake();
        Pinecone pinecone = controlPlane(fake, fake.apiKey());
        pinecone.createServerlessIndex("gone", "cosine", DIM, "aws", "us-east-1", "disabled", Map.of());
        Index index = connect(fake, fake.index("gone").orElseThrow());
        index.upsert(List.of(vector("a", 1, 0, 0)), "ns");

        pinecone.deleteIndex("gone");

        assertThatThrownBy(() -> pinecone.describeIndex("gone")).isInstanceOf(PineconeNotFoundException.class);
        assertThat(code(() -> index.describeIndexStats())).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void should_refuse_a_wrong_api_key_on_both_planes() {
        FakePinecone fake = fake();
        FakeIndex index = fake.createIndex("keyed", DIM, "cosine");

        assertThatThrownBy(() -> controlPlane(fake, "wrong").describeIndex("keyed")).isInstanceOf(PineconeAuthorizationException.class);
        assertThat(code(() -> connect(fake, index, "wrong").describeIndexStats())).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void should_let_a_viewer_key_read_on_both_planes_and_refuse_its_writes_as_forbidden() {
        FakePinecone fake = fake();
        FakeIndex keyed = fake.createIndex("keyed", DIM, "cosine");
        connect(fake, keyed).upsert(List.of(vector("a", 1, 0, 0)), "ns");
        String viewerKey = fake.createViewerApiKey();
        Index viewer = connect(fake, keyed, viewerKey);
        Pinecone viewerControlPlane = controlPlane(fake, viewerKey);

        assertThat(viewer.fetch(List.of("a"), "ns").getVectorsMap()).containsKey("a");
        assertThat(viewer.describeNamespace("ns").getRecordCount()).isEqualTo(1);
        assertThat(viewerControlPlane.describeIndex("keyed").getHost()).isEqualTo(keyed.host());
        assertThatThrownBy(() -> viewer.upsert(List.of(vector("b", 0, 1, 0)), "ns")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).doesNotContain("max").doesNotContain("quota").doesNotContain("limit");
        });
        assertThat(code(() -> viewer.createNamespace("other"))).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(() -> viewer.deleteNamespace("ns"))).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThatThrownBy(() -> viewerControlPlane.deleteIndex("keyed")).isInstanceOf(PineconeForbiddenException.class);
        assertThat(fake.indexNames()).containsExactly("keyed");
        assertThat(connect(fake, keyed).fetch(List.of("a", "b"), "ns").getVectorsMap()).containsOnlyKeys("a");
    }

    @Test
    void should_refuse_to_delete_an_index_under_deletion_protection_with_forbidden() {
        FakePinecone fake = fake();
        fake.createIndex("kept", DIM, "cosine");
        Pinecone pinecone = controlPlane(fake, fake.apiKey());

        fake.protectFromDeletion("kept");

        assertThat(pinecone.describeIndex("kept").getDeletionProtection()).isEqualTo("enabled");
        assertThatThrownBy(() -> pinecone.deleteIndex("kept")).isInstanceOf(PineconeForbiddenException.class)
                .hasMessageContaining("Deletion protection is enabled for this index. Disable deletion protection before retrying.");
        assertThat(fake.indexNames()).containsExactly("kept");
    }

    // ================================================================ records

    @Test
    void should_refuse_metadata_that_is_null_nested_a_list_of_non_strings_or_keyed_with_a_dollar() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("meta", DIM, "cosine"));

        for (Struct refused : List.of(
                struct("k", null),
                struct("k", struct("nested", "x")),
                struct("k", List.of("a", 1)),
                struct("k", List.of(true)),
                struct("$k", "x"))) {
            assertThatThrownBy(() -> index.upsert(List.of(vector("a", refused, 1, 0, 0)), "ns"))
                    .as("%s", refused).isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        }
        index.upsert(List.of(vector("ok", struct("s", "x", "n", 1.5, "b", true, "l", List.of("a", "b")), 1, 0, 0)), "ns");
        assertThat(index.fetch(List.of("ok"), "ns").getVectorsMap().get("ok").getMetadata().getFieldsMap()).containsOnlyKeys("s", "n", "b", "l");
    }

    @Test
    void should_refuse_metadata_over_40960_bytes_with_the_servers_message() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("big", DIM, "cosine"));
        String fits = "x".repeat(40_960 - "{\"k\":\"\"}".length());

        index.upsert(List.of(vector("fits", struct("k", fits), 1, 0, 0)), "ns");
        assertThatThrownBy(() -> index.upsert(List.of(vector("over", struct("k", fits + "x"), 1, 0, 0)), "ns"))
                .isInstanceOf(StatusRuntimeException.class)
                .hasMessage("INVALID_ARGUMENT: metadata size is 40961 bytes, which exceeds the limit of 40960 bytes per vector");
    }

    @Test
    void should_refuse_a_whole_upsert_when_one_vector_is_invalid() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("strict", DIM, "cosine"));

        assertThatThrownBy(() -> index.upsert(List.of(vector("good", 1, 0, 0), vector("long", 1, 0, 0, 0)), "ns"))
                .hasMessage("INVALID_ARGUMENT: Vector dimension 4 does not match the dimension of the index 3");
        assertThatThrownBy(() -> index.upsert(List.of(vector("good", 1, 0, 0), vector("zero", 0, 0, 0)), "ns"))
                .hasMessage("INVALID_ARGUMENT: Dense vectors must contain at least one non-zero value. Vector ID 'zero' contains only zeros");
        assertThat(code(() -> index.upsert(List.of(vector("nan", Float.NaN, 0, 0)), "ns"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> index.upsert(List.of(vector("x".repeat(513), 1, 0, 0)), "ns"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> index.upsert(List.of(vector("\u00e9".repeat(257), 1, 0, 0)), "ns")))
                .as("the id limit is 512 bytes of UTF-8").isEqualTo(Status.Code.INVALID_ARGUMENT);

        assertThat(index.fetch(List.of("good"), "ns").getVectorsMap()).isEmpty();
        index.upsert(List.of(vector("i".repeat(512), 1, 0, 0)), "ns");
    }

    @Test
    void should_refuse_more_than_1000_vectors_or_2_mebibytes_in_one_upsert() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("limits", DIM, "cosine"));
        List<VectorWithUnsignedIndices> thousand = IntStream.range(0, 1000).mapToObj(i -> vector("v" + i, 1, i, 0)).toList();
        List<VectorWithUnsignedIndices> tooMany = new ArrayList<>(thousand);
        tooMany.add(vector("one-more", 1, 0, 0));
        Struct bulky = struct("k", "y".repeat(40_000));
        List<VectorWithUnsignedIndices> tooBig = IntStream.range(0, 60).mapToObj(i -> vector("b" + i, bulky, 1, 0, 0)).toList();

        index.upsert(thousand, "ns");
        assertThat(code(() -> index.upsert(tooMany, "ns"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThatThrownBy(() -> index.upsert(tooBig, "ns")).hasMessageContaining("exceeds the maximum supported size of 2MB");
        assertThat(index.fetch(List.of("one-more", "b0"), "ns").getVectorsMap()).isEmpty();
    }

    @Test
    void should_refuse_fetches_and_deletes_of_more_than_1000_ids_and_top_k_outside_1_to_10000() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("caps", DIM, "cosine"));
        index.upsert(List.of(vector("a", 1, 0, 0)), "ns");
        List<String> tooMany = IntStream.range(0, 1001).mapToObj(i -> "id" + i).toList();

        assertThat(code(() -> index.fetch(tooMany, "ns"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> index.deleteByIds(tooMany, "ns"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> index.query(10_001, floats(1, 0, 0), null, null, null, "ns", null, false, false)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> index.query(0, floats(1, 0, 0), null, null, null, "ns", null, false, false)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(index.query(10_000, floats(1, 0, 0), null, null, null, "ns", null, false, false).getMatchesList()).hasSize(1);
    }

    @Test
    void should_refuse_a_query_whose_response_exceeds_4_mebibytes() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("wide", DIM, "cosine"));
        Struct bulky = struct("k", "z".repeat(40_000));
        for (int batch = 0; batch < 3; batch++) {
            int offset = batch * 40;
            index.upsert(IntStream.range(offset, offset + 40).mapToObj(i -> vector("m" + i, bulky, 1, i, 0)).toList(), "ns");
        }

        assertThat(index.query(120, floats(1, 0, 0), null, null, null, "ns", null, false, false).getMatchesList()).hasSize(120);
        assertThat(code(() -> index.query(120, floats(1, 0, 0), null, null, null, "ns", null, false, true)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    // ================================================================ scores

    @Test
    void should_score_euclidean_as_the_squared_distance_with_the_nearest_first() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("l2", DIM, "euclidean"));
        index.upsert(List.of(vector("near", 1, 1, 0), vector("far", 4, 0, 0)), "ns");

        List<ScoredVectorWithUnsignedIndices> matches = index.query(2, floats(1, 0, 0), null, null, null, "ns", null, false, false).getMatchesList();

        assertThat(ids(matches)).containsExactly("near", "far");
        assertThat(matches.get(0).getScore()).isCloseTo(1f, within(1e-6f));
        assertThat(matches.get(1).getScore()).isCloseTo(9f, within(1e-6f));
    }

    @Test
    void should_score_cosine_and_dotproduct_with_the_highest_first() {
        FakePinecone fake = fake();
        Index cosine = connect(fake, fake.createIndex("cos", DIM, "cosine"));
        Index dot = connect(fake, fake.createIndex("dot", DIM, "dotproduct"));
        for (Index index : List.of(cosine, dot)) {
            index.upsert(List.of(vector("same", 2, 0, 0), vector("orthogonal", 0, 3, 0), vector("opposite", -1, 0, 0)), "ns");
        }

        List<ScoredVectorWithUnsignedIndices> byCosine = cosine.query(3, floats(1, 0, 0), null, null, null, "ns", null, false, false).getMatchesList();
        List<ScoredVectorWithUnsignedIndices> byDot = dot.query(3, floats(1, 0, 0), null, null, null, "ns", null, false, false).getMatchesList();

        assertThat(ids(byCosine)).containsExactly("same", "orthogonal", "opposite");
        assertThat(byCosine).extracting(ScoredVectorWithUnsignedIndices::getScore).containsExactly(1f, 0f, -1f);
        assertThat(ids(byDot)).containsExactly("same", "orthogonal", "opposite");
        assertThat(byDot).extracting(ScoredVectorWithUnsignedIndices::getScore).containsExactly(2f, 0f, -1f);
    }

    @Test
    void should_return_values_and_metadata_only_when_asked() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("incl", DIM, "cosine"));
        index.upsert(List.of(vector("a", struct("k", "v"), 1, 2, 3)), "ns");

        ScoredVectorWithUnsignedIndices bare = index.query(1, floats(1, 0, 0), null, null, null, "ns", null, false, false).getMatches(0);
        ScoredVectorWithUnsignedIndices full = index.query(1, floats(1, 0, 0), null, null, null, "ns", null, true, true).getMatches(0);

        assertThat(bare.getValuesList()).isEmpty();
        assertThat(bare.getMetadata().getFieldsCount()).isZero();
        assertThat(full.getValuesList()).containsExactly(1f, 2f, 3f);
        assertThat(full.getMetadata()).isEqualTo(struct("k", "v"));
    }

    // ================================================================ filters

    @Test
    void should_refuse_the_not_operator_unknown_operators_and_ill_typed_operands() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("ops", DIM, "cosine"));
        index.upsert(List.of(vector("a", struct("k", "v"), 1, 0, 0)), "ns");

        for (Struct refused : List.of(
                struct("$not", struct("k", "v")),
                struct("k", struct("$not", struct("$eq", "v"))),
                struct("k", struct("$regex", "v")),
                struct("k", struct("$gt", "a")),
                struct("k", struct("$in", List.of(true))),
                struct("k", struct("$in", "v")),
                struct("k", struct("$exists", "yes")),
                struct("$and", List.of()),
                struct("k", struct("$in", IntStream.range(0, 10_001).mapToObj(i -> "v" + i).toList())))) {
            assertThat(code(() -> query(index, "ns", refused))).as("%s", refused).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        List<String> tenThousand = IntStream.range(0, 10_000).mapToObj(i -> i == 0 ? "v" : "v" + i).toList();
        assertThat(query(index, "ns", struct("k", struct("$in", tenThousand)))).containsExactly("a");
    }

    @Test
    void should_match_a_list_of_strings_when_any_element_matches_and_negate_only_when_none_does() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("lists", DIM, "cosine"));
        index.upsert(List.of(vector("both", struct("genre", List.of("comedy", "documentary")), 1, 0, 0),
                vector("drama", struct("genre", "drama"), 0, 1, 0)), "ns");

        assertThat(query(index, "ns", struct("genre", "comedy"))).containsExactly("both");
        assertThat(query(index, "ns", struct("genre", struct("$in", List.of("documentary", "action"))))).containsExactly("both");
        assertThat(query(index, "ns", struct("$and", List.of(struct("genre", "comedy"), struct("genre", "documentary"))))).containsExactly("both");
        assertThat(query(index, "ns", struct("genre", struct("$ne", "comedy")))).containsExactly("drama");
        assertThat(query(index, "ns", struct("genre", struct("$nin", List.of("documentary"))))).containsExactly("drama");
    }

    @Test
    void should_compare_types_strictly_and_range_only_over_numbers() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("types", DIM, "cosine"));
        index.upsert(List.of(vector("number", struct("k", 1), 1, 0, 0), vector("string", struct("k", "1"), 0, 1, 0),
                vector("bool", struct("k", true), 0, 0, 1)), "ns");

        assertThat(query(index, "ns", struct("k", 1))).containsExactly("number");
        assertThat(query(index, "ns", struct("k", 1.0))).containsExactly("number");
        assertThat(query(index, "ns", struct("k", "1"))).containsExactly("string");
        assertThat(query(index, "ns", struct("k", true))).containsExactly("bool");
        assertThat(query(index, "ns", struct("k", struct("$in", List.of(1, "true"))))).containsExactly("number");
        assertThat(query(index, "ns", struct("k", struct("$gte", 0)))).containsExactly("number");
        assertThat(query(index, "ns", struct("k", struct("$exists", true)))).containsExactlyInAnyOrder("number", "string", "bool");
    }

    @Test
    void should_match_records_without_the_field_with_ne_and_nin_only_when_switched_on() {
        FakePinecone matching = fake(FakePinecone.Behaviour.DEFAULTS.withNegationsMatchingMissingFields(true));
        FakePinecone notMatching = fake(FakePinecone.Behaviour.DEFAULTS.withNegationsMatchingMissingFields(false));
        for (FakePinecone fake : List.of(matching, notMatching)) {
            Index index = connect(fake, fake.createIndex("missing", DIM, "cosine"));
            index.upsert(List.of(vector("with", struct("k", "a"), 1, 0, 0), vector("without", 0, 1, 0)), "ns");

            List<String> expected = fake == matching ? List.of("without") : List.of();
            assertThat(query(index, "ns", struct("k", struct("$ne", "a")))).containsExactlyElementsOf(expected);
            assertThat(query(index, "ns", struct("k", struct("$nin", List.of("a"))))).containsExactlyElementsOf(expected);
            assertThat(query(index, "ns", struct("k", struct("$exists", false)))).containsExactly("without");
        }
    }

    // ================================================================ list

    @Test
    void should_list_ids_bytewise_in_pages_of_100_with_a_token_only_while_more_remain() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("list", DIM, "cosine"));
        List<VectorWithUnsignedIndices> records = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            records.add(vector(String.format("id%03d", i), 1, i, 0));
        }
        // Bytewise (UTF-8, unsigned): 'Z' < 'a' < 'é' (0xC3 0xA9) < '😀' (0xF0...), whereas UTF-16 puts U+FFFD above '😀'.
        records.add(vector("Z", 1, 0, 1));
        records.add(vector("\uFFFD", 1, 0, 2));
        records.add(vector("\uD83D\uDE00", 1, 0, 3));
        index.upsert(records, "ns");

        ListResponse first = index.list("ns");
        ListResponse second = index.list("ns", 100, first.getPagination().getNext());

        assertThat(first.getVectorsList()).hasSize(100);
        assertThat(first.hasPagination()).isTrue();
        assertThat(second.getVectorsList()).hasSize(53);
        assertThat(second.hasPagination()).isFalse();
        List<String> all = new ArrayList<>();
        first.getVectorsList().forEach(v -> all.add(v.getId()));
        second.getVectorsList().forEach(v -> all.add(v.getId()));
        assertThat(all.get(0)).isEqualTo("Z");
        assertThat(all.subList(all.size() - 2, all.size())).containsExactly("\uFFFD", "\uD83D\uDE00");
        assertThat(index.list("ns", 53, first.getPagination().getNext()).hasPagination()).as("exactly the rest").isFalse();
    }

    @Test
    void should_list_ids_with_a_prefix_and_limit() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("prefix", DIM, "cosine"));
        index.upsert(List.of(vector("a/1", 1, 0, 0), vector("a/2", 1, 0, 0), vector("a/3", 1, 0, 0), vector("ab/1", 1, 0, 0),
                vector("b/1", 1, 0, 0)), "ns");

        ListResponse page = index.list("ns", "a/", 2);
        ListResponse rest = index.list("ns", "a/", page.getPagination().getNext(), 2);

        assertThat(page.getVectorsList()).extracting(ListItem::getId).containsExactly("a/1", "a/2");
        assertThat(rest.getVectorsList()).extracting(ListItem::getId).containsExactly("a/3");
        assertThat(rest.hasPagination()).isFalse();
        assertThat(index.list("missing-namespace").getVectorsList()).isEmpty();
        assertThat(code(() -> index.list("ns", 101))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    // ================================================================ namespaces and deletes

    @Test
    void should_keep_a_namespace_emptied_of_records_and_remove_it_with_delete_namespace() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("ns", DIM, "cosine"));
        index.upsert(List.of(vector("a", 1, 0, 0), vector("b", 0, 1, 0)), "tenant");

        index.deleteAll("tenant");

        assertThat(index.describeNamespace("tenant").getRecordCount()).isZero();
        assertThat(index.listNamespaces().getNamespacesList()).extracting(n -> n.getName()).containsExactly("tenant");
        index.deleteNamespace("tenant");
        assertThat(code(() -> index.describeNamespace("tenant"))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(index.listNamespaces().getNamespacesList()).isEmpty();
        assertThat(code(() -> index.deleteNamespace("tenant"))).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void should_create_namespaces_explicitly_and_refuse_a_second_creation() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("explicit", DIM, "cosine"));

        index.createNamespace("made");

        assertThat(index.describeNamespace("made").getRecordCount()).isZero();
        assertThat(code(() -> index.createNamespace("made"))).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(code(() -> index.describeNamespace("never"))).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void should_answer_a_delete_in_a_missing_namespace_as_switched() {
        FakePinecone notFound = fake(FakePinecone.Behaviour.DEFAULTS.withMissingNamespaceDelete(FakePinecone.MissingNamespaceDelete.NOT_FOUND));
        FakePinecone accepted = fake(FakePinecone.Behaviour.DEFAULTS.withMissingNamespaceDelete(FakePinecone.MissingNamespaceDelete.OK));
        Index strict = connect(notFound, notFound.createIndex("strict", DIM, "cosine"));
        Index lenient = connect(accepted, accepted.createIndex("lenient", DIM, "cosine"));

        assertThatThrownBy(() -> strict.deleteByIds(List.of("a"), "missing")).hasMessage("NOT_FOUND: Namespace not found");
        lenient.deleteByIds(List.of("a"), "missing");
        assertThat(lenient.listNamespaces().getNamespacesList()).isEmpty();
    }

    @Test
    void should_delete_by_exactly_one_of_ids_delete_all_or_filter_without_a_count() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("del", DIM, "cosine"));
        index.upsert(List.of(vector("a", struct("k", "x"), 1, 0, 0), vector("b", struct("k", "y"), 0, 1, 0),
                vector("c", 0, 0, 1)), "ns");

        assertThat(index.deleteByIds(List.of("a", "never"), "ns").getAllFields()).as("no count in the response").isEmpty();
        index.deleteByFilter(struct("k", "y"), "ns");

        assertThat(query(index, "ns", null)).containsExactly("c");
        assertThat(code(() -> index.delete(List.of("c"), true, "ns", null))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> index.delete(List.of("c"), false, "ns", struct("k", "x")))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> index.delete(null, false, "ns", null))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void should_refuse_a_namespace_beyond_the_plans_cap_with_permission_denied() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withMaxNamespacesPerIndex(2));
        Index index = connect(fake, fake.createIndex("capped", DIM, "cosine"));
        index.createNamespace("one");
        index.upsert(List.of(vector("a", 1, 0, 0)), "two");

        assertThatThrownBy(() -> index.createNamespace("three")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains("max namespaces");
        });
        assertThat(code(() -> index.upsert(List.of(vector("a", 1, 0, 0)), "three"))).isEqualTo(Status.Code.PERMISSION_DENIED);
        index.upsert(List.of(vector("b", 1, 0, 0)), "two");
    }

    @Test
    void should_describe_index_stats_per_namespace_with_dimension_and_metric() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("stats", DIM, "dotproduct"));
        index.upsert(List.of(vector("a", 1, 0, 0), vector("b", 0, 1, 0)), "one");
        index.upsert(List.of(vector("c", 1, 0, 0)), "two");

        DescribeIndexStatsResponse stats = index.describeIndexStats();

        assertThat(stats.getDimension()).isEqualTo(DIM);
        assertThat(stats.getMetric()).isEqualTo("dotproduct");
        assertThat(stats.getTotalVectorCount()).isEqualTo(3);
        assertThat(stats.getNamespacesMap().get("one").getVectorCount()).isEqualTo(2);
        assertThat(stats.getNamespacesMap().get("two").getVectorCount()).isEqualTo(1);
    }

    // ================================================================ consistency, rate limits, faults

    @Test
    void should_hide_writes_and_deletes_until_the_visibility_delay_has_passed() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withVisibilityDelay(Duration.ofHours(1)));
        Index index = connect(fake, fake.createIndex("lagging", DIM, "cosine"));

        index.upsert(List.of(vector("a", 1, 0, 0)), "ns");

        assertThat(index.fetch(List.of("a"), "ns").getVectorsMap()).isEmpty();
        assertThat(query(index, "ns", null)).isEmpty();
        assertThat(index.list("ns").getVectorsList()).isEmpty();
        assertThat(index.describeIndexStats().getNamespacesMap()).isEmpty();
        assertThat(code(() -> index.describeNamespace("ns"))).as("an implicit namespace appears with its first write").isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void should_show_writes_and_deletes_in_order_once_the_visibility_delay_has_passed() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withVisibilityDelay(Duration.ofMillis(500)));
        Index index = connect(fake, fake.createIndex("settling", DIM, "cosine"));

        index.upsert(List.of(vector("a", 1, 0, 0), vector("b", 0, 1, 0)), "ns");
        index.deleteByIds(List.of("a"), "ns");
        index.upsert(List.of(vector("a", 0, 0, 1)), "ns");
        // The state after the first upsert also holds two records: wait for the last write of 'a' itself.
        // Applied out of order (the delete after the second upsert), 'a' would never come back.
        await("the last write of 'a' is visible", () -> {
            var a = index.fetch(List.of("a"), "ns").getVectorsMap().get("a");
            return a != null && a.getValuesList().equals(List.of(0f, 0f, 1f));
        });
        assertThat(query(index, "ns", null)).as("a and b, once each").containsExactlyInAnyOrder("a", "b");
        index.deleteNamespace("ns");
        assertThat(index.describeNamespace("ns").getRecordCount()).as("deletion not yet visible").isEqualTo(2);
        await("the namespace is gone", () -> index.listNamespaces().getNamespacesCount() == 0);
    }

    @Test
    void should_rate_limit_a_namespace_with_resource_exhausted_and_a_retry_after_hint() {
        FakePinecone fake = fake(FakePinecone.Behaviour.DEFAULTS.withRateLimit(1, Duration.ofSeconds(2)));
        Index index = connect(fake, fake.createIndex("limited", DIM, "cosine"));

        // Twice in one window is over a limit of one per second; a window boundary between the two
        // calls is caught by the third.
        StatusRuntimeException refused = null;
        for (int i = 0; i < 3 && refused == null; i++) {
            try {
                index.fetch(List.of("a"), "ns");
            } catch (StatusRuntimeException e) {
                refused = e;
            }
        }

        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getTrailers().get(io.grpc.Metadata.Key.of("retry-after", io.grpc.Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("2");
    }

    @Test
    void should_fail_injected_calls_and_record_what_it_received() {
        FakePinecone fake = fake();
        Index index = connect(fake, fake.createIndex("faults", DIM, "cosine"));
        fake.failNextCalls(Status.UNAVAILABLE.withDescription("injected"), 1);

        assertThat(code(() -> index.fetch(List.of("a"), "ns"))).isEqualTo(Status.Code.UNAVAILABLE);
        index.upsert(List.of(vector("a", 1, 0, 0), vector("b", 1, 0, 0)), "ns");

        assertThat(fake.calls()).extracting(FakePinecone.Call::method).containsExactly("Fetch:injected-UNAVAILABLE", "upsert");
        assertThat(fake.calls().get(1).items()).isEqualTo(2);
    }
}
