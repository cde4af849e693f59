package dev.partitiongateway.adapter.milvus.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.client.RetryConfig;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.DataType;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.exception.MilvusClientException;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.DescribeCollectionReq;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.GetLoadStateReq;
import io.milvus.v2.service.collection.request.LoadCollectionReq;
import io.milvus.v2.service.collection.request.ReleaseCollectionReq;
import io.milvus.v2.service.collection.response.DescribeCollectionResp;
import io.milvus.v2.service.index.request.DescribeIndexReq;
import io.milvus.v2.service.partition.request.CreatePartitionReq;
import io.milvus.v2.service.partition.request.DropPartitionReq;
import io.milvus.v2.service.partition.request.ListPartitionsReq;
import io.milvus.v2.service.partition.request.ReleasePartitionsReq;
import io.milvus.v2.service.utility.request.FlushReq;
import io.milvus.v2.service.vector.request.DeleteReq;
import io.milvus.v2.service.vector.request.InsertReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.UpsertReq;
import io.milvus.v2.service.vector.request.data.FloatVec;
import io.milvus.v2.service.vector.response.QueryResp;
import io.milvus.v2.service.vector.response.SearchResp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pins each behaviour of the fake that the Milvus adapter relies on, driving it through the real
 * {@link MilvusClientV2} (never through the adapter), so that the fake stands for Milvus and not for
 * what the adapter happens to send. Each test names the Milvus source or document the behaviour comes from.
 */
class FakeMilvusServerTest {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static FakeMilvusServer server;
    private static FakeMilvusServer threeValued;
    private MilvusClientV2 client;
    private final List<MilvusClientV2> extraClients = new ArrayList<>();

    @BeforeAll
    static void startServers() {
        server = FakeMilvusServer.start(FakeMilvusServer.Options.defaults().withMaxPartitionNum(8));
        threeValued = FakeMilvusServer.start(FakeMilvusServer.Options.defaults().withMissingKeySemantics(MissingKeySemantics.THREE_VALUED));
    }

    @AfterAll
    static void stopServers() {
        server.close();
        threeValued.close();
    }

    @BeforeEach
    void connect() {
        client = connect(server);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        server.clearFaults();
        client.close(5);
        for (MilvusClientV2 extra : extraClients) {
            extra.close(5);
        }
    }

    private MilvusClientV2 connect(FakeMilvusServer target) {
        MilvusClientV2 c = new MilvusClientV2(ConnectConfig.builder().uri(target.uri()).rpcDeadlineMs(10_000).connectTimeoutMs(5_000).build());
        // No retries: each test sees the server's first answer.
        c.retryConfig(RetryConfig.builder().maxRetryTimes(1).build());
        if (target != server) {
            extraClients.add(c);
        }
        return c;
    }

    // ================================================================ connection and collections

    @Test
    void should_answer_connect_and_describe_a_created_collection_with_field_ids_from_100() {
        String name = createCollection(client, false, 0);

        DescribeCollectionResp described = client.describeCollection(DescribeCollectionReq.builder().collectionName(name).build());

        assertThat(described.getCollectionName()).isEqualTo(name);
        assertThat(described.getPrimaryFieldName()).isEqualTo("pk");
        assertThat(described.getCollectionSchema().getField("vector").getDimension()).isEqualTo(2);
        assertThat(described.getCollectionSchema().getField("pk").getMaxLength()).isEqualTo(64);
        assertThat(described.getCollectionSchema().getFieldSchemaList()).extracting(CreateCollectionReq.FieldSchema::getName)
                .containsExactly("pk", "tenant", "vector", "meta");
        assertThat(client.describeIndex(DescribeIndexReq.builder().collectionName(name).fieldName("vector").build())
                .getIndexDescriptions().get(0).getMetricType()).isEqualTo(IndexParam.MetricType.L2);
    }

    @Test
    void should_accept_an_identical_create_collection_and_refuse_a_different_one() {
        String name = createCollection(client, false, 0);

        createCollection(client, name, false, 0, 2);

        assertThatThrownBy(() -> createCollection(client, name, false, 0, 3))
                .isInstanceOfSatisfying(MilvusClientException.class, e -> assertThat(e.getMessage()).contains("different parameters"));
    }

    @Test
    void should_report_loading_for_a_few_polls_after_load_and_then_loaded() {
        String name = createCollection(client, false, 0);
        client.releaseCollection(ReleaseCollectionReq.builder().collectionName(name).build());
        assertThat(client.getLoadState(GetLoadStateReq.builder().collectionName(name).build())).isFalse();

        client.loadCollection(LoadCollectionReq.builder().collectionName(name).sync(false).build());

        // loadingPolls = 2: the first poll still sees the load in progress.
        assertThat(client.getLoadStateV2(GetLoadStateReq.builder().collectionName(name).build()).getState())
                .isEqualTo(io.milvus.grpc.LoadState.LoadStateLoading);
        assertThat(pollUntilLoaded(name, null)).isTrue();
    }

    @Test
    void should_refuse_search_and_query_on_a_collection_that_is_not_loaded_with_code_101() {
        String name = createCollection(client, false, 0);
        client.releaseCollection(ReleaseCollectionReq.builder().collectionName(name).build());

        assertServerError(() -> client.query(QueryReq.builder().collectionName(name).filter("pk != \"\"").build()),
                101, "collection not loaded");
        assertServerError(() -> search(client, name, List.of(), null, Map.of(), 3), 101, "collection not loaded");
    }

    @Test
    void should_refuse_search_on_a_partition_that_is_not_loaded_with_code_201() {
        String name = createCollection(client, false, 0);
        client.createPartition(CreatePartitionReq.builder().collectionName(name).partitionName("p1").build());
        pollUntilLoaded(name, "p1");
        client.releasePartitions(ReleasePartitionsReq.builder().collectionName(name).partitionNames(List.of("p1")).build());

        assertServerError(() -> search(client, name, List.of("p1"), null, Map.of(), 3), 201, "partition not loaded");
        assertThat(search(client, name, List.of("_default"), null, Map.of(), 3)).isEmpty();
    }

    @Test
    void should_load_a_partition_created_in_a_loaded_collection() {
        String name = createCollection(client, false, 0);

        client.createPartition(CreatePartitionReq.builder().collectionName(name).partitionName("fresh").build());

        assertThat(pollUntilLoaded(name, "fresh")).isTrue();
        insert(client, name, "fresh", row("a", "t", 1, 0, "{}"));
        assertThat(search(client, name, List.of("fresh"), null, Map.of(), 3)).extracting(r -> r.getId()).containsExactly("a");
    }

    @Test
    void should_create_an_existing_partition_silently_and_refuse_one_beyond_max_partition_num() {
        String name = createCollection(client, false, 0);
        for (int i = 1; i < 8; i++) {
            client.createPartition(CreatePartitionReq.builder().collectionName(name).partitionName("p" + i).build());
        }
        client.createPartition(CreatePartitionReq.builder().collectionName(name).partitionName("p1").build());

        // maxPartitionNum = 8 for this server, counting _default.
        assertServerError(() -> client.createPartition(CreatePartitionReq.builder().collectionName(name).partitionName("p8").build()),
                65535, "partition number (8) exceeds max configuration (8), collection: " + name);
        assertThat(client.listPartitions(ListPartitionsReq.builder().collectionName(name).build())).hasSize(8).contains("_default");
    }

    @Test
    void should_refuse_to_drop_a_loaded_partition_and_drop_it_after_release() {
        String name = createCollection(client, false, 0);
        client.createPartition(CreatePartitionReq.builder().collectionName(name).partitionName("gone").build());
        pollUntilLoaded(name, "gone");

        assertServerError(() -> client.dropPartition(DropPartitionReq.builder().collectionName(name).partitionName("gone").build()),
                65535, "partition cannot be dropped, partition is loaded, please release it first");

        client.releasePartitions(ReleasePartitionsReq.builder().collectionName(name).partitionNames(List.of("gone")).build());
        client.dropPartition(DropPartitionReq.builder().collectionName(name).partitionName("gone").build());
        client.dropPartition(DropPartitionReq.builder().collectionName(name).partitionName("gone").build());
        assertThat(client.listPartitions(ListPartitionsReq.builder().collectionName(name).build())).containsExactly("_default");
    }

    @Test
    void should_make_sixteen_partitions_for_a_partition_key_by_default_and_refuse_partition_names() {
        // the shared server caps partitions at 8; this one has Milvus's default of 1,024
        MilvusClientV2 client = connect(threeValued);
        String name = createCollection(client, true, 0);

        assertThat(client.listPartitions(ListPartitionsReq.builder().collectionName(name).build()))
                .containsExactlyElementsOf(IntStream.range(0, 16).mapToObj(i -> "_default_" + i).toList());
        String refusal = "not support manually specifying the partition names if partition key mode is used";
        assertServerError(() -> client.createPartition(CreatePartitionReq.builder().collectionName(name).partitionName("p").build()),
                65535, "disable create partition if partition key mode is used");
        assertServerError(() -> client.dropPartition(DropPartitionReq.builder().collectionName(name).partitionName("_default_1").build()),
                65535, "disable drop partition if partition key mode is used");
        assertServerError(() -> search(client, name, List.of("_default_0"), null, Map.of(), 3), 1100, refusal);
        assertServerError(() -> client.query(QueryReq.builder().collectionName(name).partitionNames(List.of("_default_0"))
                .filter("pk != \"\"").build()), 1100, refusal);
        assertServerError(() -> client.delete(DeleteReq.builder().collectionName(name).partitionName("_default_0")
                .filter("pk == \"a\"").build()), 1100, refusal);
        // The SDK itself refuses a partition name on insert/upsert into a partition-key collection, before any RPC.
        assertThatThrownBy(() -> insert(client, name, "_default_0", row("a", "t", 1, 0, "{}")))
                .isInstanceOf(MilvusClientException.class).hasMessageContaining("partition key");
    }

    @Test
    void should_take_num_partitions_for_a_partition_key_collection_and_keep_tenants_apart_by_filter() {
        String name = createCollection(client, true, 4);
        insert(client, name, null, row("a", "t1", 1, 0, "{}"), row("b", "t2", 1, 0, "{}"), row("c", "t1", 0, 1, "{}"));

        assertThat(client.listPartitions(ListPartitionsReq.builder().collectionName(name).build())).hasSize(4);
        assertThat(search(client, name, List.of(), "tenant == {t}", Map.of("t", "t1"), 10)).extracting(r -> r.getId())
                .containsExactlyInAnyOrder("a", "c");
    }

    // ================================================================ writes and deletes

    @Test
    void should_replace_a_record_on_upsert_but_keep_duplicates_on_insert() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("dup", "t", 1, 0, "{\"v\":1}"));
        insert(client, name, null, row("dup", "t", 1, 0, "{\"v\":2}"));
        assertThat(count(client, name, "pk == \"dup\"")).isEqualTo(2);

        client.upsert(UpsertReq.builder().collectionName(name).data(List.of(row("dup", "t", 0, 1, "{\"v\":3}"))).build());

        assertThat(query(client, name, "pk == \"dup\"", Map.of(), List.of("meta"))).singleElement()
                .satisfies(e -> assertThat(e.get("meta").toString()).isEqualTo("{\"v\":3}"));
    }

    @Test
    void should_refuse_a_write_built_from_a_collection_since_dropped_and_created_again_so_that_the_client_describes_it_again() {
        // proxy insert/upsert tasks: a schema_timestamp other than the collection's update timestamp is ErrCollectionSchemaMismatch
        // (109, legacy SchemaMismatch), on which milvus-sdk-java describes the collection again and rebuilds the rows.
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("before", "t", 1, 0, "{}"));
        MilvusClientV2 other = connect(server);
        extraClients.add(other);
        other.dropCollection(DropCollectionReq.builder().collectionName(name).build());
        CreateCollectionReq.CollectionSchema schema = CreateCollectionReq.CollectionSchema.builder().build();
        schema.addField(AddFieldReq.builder().fieldName("pk").dataType(DataType.VarChar).isPrimaryKey(true).maxLength(64).build());
        schema.addField(AddFieldReq.builder().fieldName("tenant").dataType(DataType.VarChar).maxLength(64).build());
        schema.addField(AddFieldReq.builder().fieldName("vector").dataType(DataType.FloatVector).dimension(2).build());
        schema.addField(AddFieldReq.builder().fieldName("meta").dataType(DataType.VarChar).maxLength(64).build());
        other.createCollection(CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                .indexParams(List.of(IndexParam.builder().fieldName("vector").indexType(IndexParam.IndexType.HNSW)
                        .metricType(IndexParam.MetricType.L2).extraParams(Map.of("M", 16, "efConstruction", 64)).build())).build());
        assertThat(pollUntilLoaded(name, null)).isTrue();
        JsonObject after = row("after", "t", 1, 0, "{}");
        after.addProperty("meta", "text");

        // This client still holds the first collection's schema, in which meta is JSON.
        insert(client, name, null, after);

        assertThat(query(client, name, "pk == \"after\"", Map.of(), List.of("meta"))).singleElement()
                .satisfies(e -> assertThat(e.get("meta")).isEqualTo("text"));
    }

    @Test
    void should_report_keys_sent_when_deleting_by_primary_keys_and_matches_otherwise() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("a", "t", 1, 0, "{\"k\":1}"), row("b", "t", 1, 0, "{\"k\":1}"), row("c", "t", 1, 0, "{\"k\":2}"));

        long byKeys = client.delete(DeleteReq.builder().collectionName(name).filter("pk in {keys}")
                .filterTemplateValues(Map.of("keys", List.of("a", "never", "also_never"))).build()).getDeleteCnt();
        long byFilter = client.delete(DeleteReq.builder().collectionName(name).filter("meta[\"k\"] == 1").build()).getDeleteCnt();
        long byIds = client.delete(DeleteReq.builder().collectionName(name).ids(List.of("zzz")).build()).getDeleteCnt();

        assertThat(byKeys).isEqualTo(3);
        assertThat(byFilter).isEqualTo(1);
        assertThat(byIds).isEqualTo(1);
        assertThat(query(client, name, "pk != \"\"", Map.of(), List.of())).extracting(e -> e.get("pk")).containsExactly("c");
    }

    @Test
    void should_refuse_varchar_values_longer_than_max_length_in_utf8_bytes() {
        String name = createCollection(client, false, 0);

        // 32 characters of two bytes each: 64 bytes fit, 33 characters (66 bytes) do not.
        insert(client, name, null, row("é".repeat(32), "t", 1, 0, "{}"));
        assertServerError(() -> insert(client, name, null, row("é".repeat(33), "t", 1, 0, "{}")), 1100, "exceeds max length");
    }

    @Test
    void should_refuse_a_json_value_over_64_kib() {
        String name = createCollection(client, false, 0);
        String big = "{\"s\":\"" + "x".repeat(65_536) + "\"}";

        assertServerError(() -> insert(client, name, null, row("a", "t", 1, 0, big)), 1100, "json field");
    }

    @Test
    void should_refuse_a_request_larger_than_the_maximum_request_size() {
        try (FakeMilvusServer small = FakeMilvusServer.start(FakeMilvusServer.Options.defaults().withMaxRequestBytes(64 * 1024))) {
            MilvusClientV2 c = connect(small);
            String name = createCollection(c, false, 0);
            List<JsonObject> rows = IntStream.range(0, 100).mapToObj(i -> row("r" + i, "t", i, 0, "{\"pad\":\"" + "p".repeat(1000) + "\"}")).toList();

            // grpc-java resets the stream (CANCELLED) where grpc-go answers RESOURCE_EXHAUSTED; either way nothing is stored.
            assertThatThrownBy(() -> c.insert(InsertReq.builder().collectionName(name).data(rows).build()))
                    .isInstanceOf(MilvusClientException.class).hasMessageMatching(".*(RESOURCE_EXHAUSTED|CANCELLED).*");
            assertThat(count(c, name, "pk != \"\"")).isZero();
        }
    }

    // ================================================================ search and query

    @Test
    void should_return_l2_as_the_squared_distance_smallest_first() {
        String name = createCollection(client, false, 0, 2, IndexParam.MetricType.L2);
        insert(client, name, null, row("near", "t", 1, 1, "{}"), row("far", "t", 4, 5, "{}"));

        List<SearchResp.SearchResult> results = search(client, name, List.of(), null, Map.of(), 2);

        assertThat(results).extracting(r -> r.getId()).containsExactly("near", "far");
        assertThat(results.get(0).getScore()).isCloseTo(1f, within(1e-6f)); // (1-0)^2 + (1-1)^2 from the query (0, 1)
        assertThat(results.get(1).getScore()).isCloseTo(32f, within(1e-5f)); // 4^2 + 4^2, no square root
    }

    @Test
    void should_return_cosine_and_inner_product_largest_first() {
        String cosine = createCollection(client, false, 0, 2, IndexParam.MetricType.COSINE);
        String ip = createCollection(client, false, 0, 2, IndexParam.MetricType.IP);
        for (String name : List.of(cosine, ip)) {
            insert(client, name, null, row("aligned", "t", 0, 3, "{}"), row("opposite", "t", 0, -1, "{}"), row("orthogonal", "t", 2, 0, "{}"));
        }

        assertThat(search(client, cosine, List.of(), null, Map.of(), 3)).extracting(r -> r.getId(), r -> r.getScore())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("aligned", 1f), org.assertj.core.groups.Tuple.tuple("orthogonal", 0f),
                        org.assertj.core.groups.Tuple.tuple("opposite", -1f));
        assertThat(search(client, ip, List.of(), null, Map.of(), 3)).extracting(r -> r.getId(), r -> r.getScore())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("aligned", 3f), org.assertj.core.groups.Tuple.tuple("orthogonal", 0f),
                        org.assertj.core.groups.Tuple.tuple("opposite", -1f));
    }

    @Test
    void should_refuse_top_k_above_16384() {
        String name = createCollection(client, false, 0);

        assertServerError(() -> search(client, name, List.of(), null, Map.of(), 16_385), 1100, "topk");
    }

    @Test
    void should_return_a_session_timestamp_with_query_results() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("a", "t", 1, 0, "{}"));

        QueryResp response = client.query(QueryReq.builder().collectionName(name).filter("pk == \"a\"").consistencyLevel(ConsistencyLevel.STRONG).build());

        assertThat(response.getSessionTs()).isPositive();
    }

    @Test
    void should_refuse_a_query_without_filter_and_limit_but_count_without_either() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("a", "t", 1, 0, "{}"), row("b", "t", 1, 0, "{}"));

        assertServerError(() -> client.query(QueryReq.builder().collectionName(name).build()), 1100, "empty expression should be used with limit");
        assertThat(client.query(QueryReq.builder().collectionName(name).outputFields(List.of("count(*)")).build())
                .getQueryResults().get(0).getEntity().get("count(*)")).isEqualTo(2L);
    }

    @Test
    void should_order_query_results_by_primary_key_only_for_iterator_queries() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("c", "t", 1, 0, "{}"), row("a", "t", 1, 0, "{}"), row("b", "t", 1, 0, "{}"));

        List<Object> plain = client.query(QueryReq.builder().collectionName(name).filter("pk != \"\"").limit(3).build())
                .getQueryResults().stream().map(r -> r.getEntity().get("pk")).toList();
        List<Object> iterator = client.query(QueryReq.builder().collectionName(name).filter("pk > {last}")
                        .filterTemplateValues(Map.of("last", "a")).limit(2).queryParams(Map.of("iterator", true)).build())
                .getQueryResults().stream().map(r -> r.getEntity().get("pk")).toList();

        assertThat(plain).containsExactly("c", "a", "b");
        assertThat(iterator).containsExactly("b", "c");
    }

    @Test
    void should_compare_strings_by_utf8_bytes_as_milvus_does() {
        String name = createCollection(client, false, 0);
        // U+FF21 (3 bytes in UTF-8) sorts after U+1F600 (4 bytes, starts with 0xF0) by bytes, before it by UTF-16 units.
        insert(client, name, null, row("\uFF21", "t", 1, 0, "{}"), row("\uD83D\uDE00", "t", 1, 0, "{}"));

        assertThat(query(client, name, "pk > {p}", Map.of("p", "\uFF21"), List.of())).extracting(e -> e.get("pk")).containsExactly("\uD83D\uDE00");
    }

    @Test
    void should_hide_recent_writes_from_bounded_reads_but_not_from_strong_or_session_reads() {
        try (FakeMilvusServer lagging = FakeMilvusServer.start(FakeMilvusServer.Options.defaults().withVisibilityLag(Duration.ofHours(1)))) {
            MilvusClientV2 c = connect(lagging);
            String name = createCollection(c, false, 0);
            insert(c, name, null, row("fresh", "t", 1, 0, "{}"));

            assertThat(countAt(c, name, ConsistencyLevel.BOUNDED)).isZero();
            assertThat(countAt(c, name, ConsistencyLevel.EVENTUALLY)).isZero();
            assertThat(countAt(c, name, ConsistencyLevel.STRONG)).isEqualTo(1);
            // Session: the SDK sends the timestamp of this client's last write as the guarantee.
            assertThat(countAt(c, name, ConsistencyLevel.SESSION)).isEqualTo(1);
        }
    }

    // ================================================================ filter expressions

    @Test
    void should_compare_json_numbers_by_value_and_never_across_types() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("int", "t", 1, 0, "{\"v\":1}"), row("double", "t", 1, 0, "{\"v\":1.0}"),
                row("string", "t", 1, 0, "{\"v\":\"1\"}"), row("bool", "t", 1, 0, "{\"v\":true}"));

        assertThat(ids(name, "meta[\"v\"] == 1")).containsExactlyInAnyOrder("int", "double");
        assertThat(ids(name, "meta[\"v\"] == {v}", Map.of("v", 1.0))).containsExactlyInAnyOrder("int", "double");
        assertThat(ids(name, "meta[\"v\"] == \"1\"")).containsExactly("string");
        assertThat(ids(name, "meta[\"v\"] == true")).containsExactly("bool");
        assertThat(ids(name, "meta[\"v\"] in {vs}", Map.of("vs", List.of("true", "1")))).containsExactly("string");
    }

    @Test
    void should_see_an_array_only_through_json_contains_never_through_scalar_comparisons() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("tags", "t", 1, 0, "{\"tags\":[\"x\",\"y\"],\"n\":[1,5]}"), row("scalar", "t", 1, 0, "{\"tags\":\"y\",\"n\":5}"));

        assertThat(ids(name, "meta[\"tags\"] == \"y\"")).containsExactly("scalar");
        assertThat(ids(name, "json_contains(meta[\"tags\"], {v})", Map.of("v", "y"))).containsExactly("tags");
        assertThat(ids(name, "json_contains_any(meta[\"tags\"], {vs})", Map.of("vs", List.of("q", "x")))).containsExactly("tags");
        assertThat(ids(name, "json_contains_all(meta[\"tags\"], {vs})", Map.of("vs", List.of("x", "y")))).containsExactly("tags");
        assertThat(ids(name, "json_contains(meta[\"n\"], 5.0)")).containsExactly("tags");
        assertThat(ids(name, "meta[\"n\"] > 3")).containsExactly("scalar");
    }

    @Test
    void should_never_match_a_range_on_a_string_or_an_array() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("string", "t", 1, 0, "{\"k\":\"zzz\"}"), row("array", "t", 1, 0, "{\"k\":[9,10]}"),
                row("number", "t", 1, 0, "{\"k\":4}"));

        assertThat(ids(name, "meta[\"k\"] > 3")).containsExactly("number");
        assertThat(ids(name, "meta[\"k\"] < 1e300")).containsExactly("number");
    }

    @Test
    void should_answer_exists_false_for_missing_keys_null_and_empty_containers() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("value", "t", 1, 0, "{\"k\":0}"), row("null", "t", 1, 0, "{\"k\":null}"),
                row("emptyArray", "t", 1, 0, "{\"k\":[]}"), row("emptyObject", "t", 1, 0, "{\"k\":{\"a\":{}}}"),
                row("missing", "t", 1, 0, "{}"), row("false", "t", 1, 0, "{\"k\":false}"));

        assertThat(ids(name, "exists meta[\"k\"]")).containsExactlyInAnyOrder("value", "false");
        assertThat(ids(name, "meta[\"k\"] is null")).containsExactlyInAnyOrder("null", "missing");
    }

    @ParameterizedTest
    @EnumSource(MissingKeySemantics.class)
    void should_treat_missing_keys_and_type_mismatches_per_the_configured_semantics(MissingKeySemantics semantics) {
        MilvusClientV2 c = semantics == MissingKeySemantics.TWO_VALUED ? client : connect(threeValued);
        String name = createCollection(c, false, 0);
        insert(c, name, null, row("match", "t", 1, 0, "{\"k\":\"v\"}"), row("other", "t", 1, 0, "{\"k\":\"w\"}"),
                row("missing", "t", 1, 0, "{}"), row("number", "t", 1, 0, "{\"k\":7}"), row("array", "t", 1, 0, "{\"k\":[\"v\"]}"));

        List<String> notEqual = ids(c, name, "meta[\"k\"] != \"v\"", Map.of());
        List<String> negated = ids(c, name, "not (meta[\"k\"] == \"v\")", Map.of());
        List<String> notIn = ids(c, name, "meta[\"k\"] not in [\"v\"]", Map.of());
        List<String> notContains = ids(c, name, "not json_contains(meta[\"k\"], \"v\")", Map.of());
        List<String> guarded = ids(c, name, "not (exists meta[\"k\"] and meta[\"k\"] == \"v\")", Map.of());

        if (semantics == MissingKeySemantics.TWO_VALUED) {
            // Milvus 2.5: a key that cannot be read as a string is "not equal".
            assertThat(notEqual).containsExactlyInAnyOrder("other", "missing", "number", "array");
            assertThat(negated).containsExactlyInAnyOrder("other", "missing", "number", "array");
            assertThat(notIn).containsExactlyInAnyOrder("other", "missing", "number", "array");
            assertThat(notContains).containsExactlyInAnyOrder("match", "other", "missing", "number");
            assertThat(guarded).containsExactlyInAnyOrder("other", "missing", "number", "array");
        } else {
            // PR #50702: missing and mistyped keys are UNKNOWN, and not UNKNOWN stays UNKNOWN.
            assertThat(notEqual).containsExactly("other");
            assertThat(negated).containsExactly("other");
            assertThat(notIn).containsExactly("other");
            assertThat(notContains).isEmpty();
            // exists is never UNKNOWN, and FALSE and UNKNOWN is FALSE: the guard makes the missing key count.
            assertThat(guarded).containsExactlyInAnyOrder("other", "missing");
        }
    }

    @Test
    void should_bind_not_tighter_than_a_comparison_as_the_grammar_does() {
        String name = createCollection(client, false, 0);

        assertServerError(() -> query(client, name, "not meta[\"k\"] == 1", Map.of(), List.of()), 1100, "cannot parse expression");
        assertThat(query(client, name, "not (meta[\"k\"] == 1)", Map.of(), List.of())).isEmpty();
    }

    @Test
    void should_take_template_values_as_values_never_as_expression_text() {
        String name = createCollection(client, false, 0);
        String injection = "x\" or pk != \"";
        insert(client, name, null, row("plain", "t", 1, 0, "{\"k\":\"x\"}"), row("injected", "t", 1, 0, "{\"k\":\"" + injection.replace("\"", "\\\"") + "\"}"));

        assertThat(ids(name, "meta[\"k\"] == {v}", Map.of("v", injection))).containsExactly("injected");
        // Pasted into the text, the same string rewrites the filter into one that matches every row.
        assertThat(ids(name, "meta[\"k\"] == \"" + injection + "\"")).containsExactlyInAnyOrder("plain", "injected");
    }

    @Test
    void should_refuse_missing_templates_and_a_non_array_term_template() {
        String name = createCollection(client, false, 0);

        assertServerError(() -> query(client, name, "meta[\"k\"] == {v}", Map.of(), List.of()), 1100,
                "the value of expression template variable name {v} is not found");
        assertServerError(() -> query(client, name, "meta[\"k\"] in {v}", Map.of("v", "x"), List.of()), 1100, "is not array");
        assertServerError(() -> query(client, name, "nope == 1", Map.of(), List.of()), 1100, "field nope not exist");
    }

    // ================================================================ status codes and access

    @Test
    void should_report_status_codes_with_their_legacy_error_codes() {
        String name = createCollection(client, false, 0);

        assertThatThrownBy(() -> client.describeCollection(DescribeCollectionReq.builder().collectionName("missing_collection").build()))
                .isInstanceOfSatisfying(MilvusClientException.class, e -> {
                    assertThat(e.getServerErrCode()).isEqualTo(100);
                    assertThat(e.getLegacyServerCode()).isEqualTo(io.milvus.grpc.ErrorCode.CollectionNotExists.getNumber());
                    assertThat(e.getMessage()).contains("collection not found");
                });
        assertThatThrownBy(() -> insert(client, name, "no_such_partition", row("a", "t", 1, 0, "{}")))
                .isInstanceOfSatisfying(MilvusClientException.class, e -> {
                    assertThat(e.getServerErrCode()).isEqualTo(200);
                    assertThat(e.getLegacyServerCode()).isEqualTo(io.milvus.grpc.ErrorCode.MetaFailed.getNumber());
                });
        assertThatThrownBy(() -> query(client, name, "meta[\"k\"] ==", Map.of(), List.of()))
                .isInstanceOfSatisfying(MilvusClientException.class, e -> {
                    assertThat(e.getServerErrCode()).isEqualTo(1100);
                    assertThat(e.getLegacyServerCode()).isEqualTo(io.milvus.grpc.ErrorCode.IllegalArgument.getNumber());
                });
        assertThatThrownBy(() -> createCollection(client, name, false, 0, 3))
                .isInstanceOfSatisfying(MilvusClientException.class, e -> {
                    assertThat(e.getServerErrCode()).isEqualTo(65535);
                    assertThat(e.getLegacyServerCode()).isEqualTo(io.milvus.grpc.ErrorCode.UnexpectedError.getNumber());
                });
        server.failNext("search", 8, "rate limit exceeded[rate=1]", 1);
        assertThatThrownBy(() -> search(client, name, List.of(), null, Map.of(), 1))
                .isInstanceOfSatisfying(MilvusClientException.class, e -> {
                    assertThat(e.getServerErrCode()).isEqualTo(8);
                    assertThat(e.getLegacyServerCode()).isEqualTo(io.milvus.grpc.ErrorCode.RateLimit.getNumber());
                });
    }

    @Test
    void should_refuse_every_call_without_the_token_when_one_is_required() {
        try (FakeMilvusServer secured = FakeMilvusServer.start(FakeMilvusServer.Options.defaults().withToken("root:Milvus"))) {
            assertThatThrownBy(() -> new MilvusClientV2(ConnectConfig.builder().uri(secured.uri()).connectTimeoutMs(5_000).build()))
                    .hasMessageContaining("UNAUTHENTICATED");
            MilvusClientV2 c = new MilvusClientV2(ConnectConfig.builder().uri(secured.uri()).token("root:Milvus").connectTimeoutMs(5_000).build());
            extraClients.add(c);
            assertThat(c.checkHealth().getIsHealthy()).isTrue();
        }
    }

    @Test
    void should_flush_and_report_flushed() {
        String name = createCollection(client, false, 0);
        insert(client, name, null, row("a", "t", 1, 0, "{}"));

        client.flush(FlushReq.builder().collectionNames(List.of(name)).build());
    }

    // ================================================================ helpers

    private String createCollection(MilvusClientV2 c, boolean partitionKey, int numPartitions) {
        return createCollection(c, partitionKey, numPartitions, 2, IndexParam.MetricType.L2);
    }

    private String createCollection(MilvusClientV2 c, boolean partitionKey, int numPartitions, int dim, IndexParam.MetricType metric) {
        String name = "fake_" + SEQUENCE.incrementAndGet();
        createCollection(c, name, partitionKey, numPartitions, dim, metric);
        return name;
    }

    private void createCollection(MilvusClientV2 c, String name, boolean partitionKey, int numPartitions, int dim) {
        createCollection(c, name, partitionKey, numPartitions, dim, IndexParam.MetricType.L2);
    }

    private void createCollection(MilvusClientV2 c, String name, boolean partitionKey, int numPartitions, int dim, IndexParam.MetricType metric) {
        CreateCollectionReq.CollectionSchema schema = CreateCollectionReq.CollectionSchema.builder().build();
        schema.addField(AddFieldReq.builder().fieldName("pk").dataType(DataType.VarChar).isPrimaryKey(true).maxLength(64).build());
        schema.addField(AddFieldReq.builder().fieldName("tenant").dataType(DataType.VarChar).maxLength(64).isPartitionKey(partitionKey).build());
        schema.addField(AddFieldReq.builder().fieldName("vector").dataType(DataType.FloatVector).dimension(dim).build());
        schema.addField(AddFieldReq.builder().fieldName("meta").dataType(DataType.JSON).build());
        CreateCollectionReq.CreateCollectionReqBuilder request = CreateCollectionReq.builder().collectionName(name).collectionSchema(schema)
                .indexParams(List.of(IndexParam.builder().fieldName("vector").indexType(IndexParam.IndexType.HNSW).metricType(metric)
                        .extraParams(Map.of("M", 16, "efConstruction", 64)).build()));
        if (numPartitions > 0) {
            request.numPartitions(numPartitions);
        }
        c.createCollection(request.build());
        // the SDK loads without waiting; poll until loaded so that tests start from a usable collection
        for (int i = 0; i < 20 && !c.getLoadState(GetLoadStateReq.builder().collectionName(name).build()); i++) {
            // each poll advances the fake's simulated load by one step
        }
    }

    private boolean pollUntilLoaded(String collection, String partition) {
        for (int i = 0; i < 20; i++) {
            if (client.getLoadState(GetLoadStateReq.builder().collectionName(collection).partitionName(partition).build())) {
                return true;
            }
        }
        return false;
    }

    private static JsonObject row(String pk, String tenant, float x, float y, String meta) {
        JsonObject row = new JsonObject();
        row.addProperty("pk", pk);
        row.addProperty("tenant", tenant);
        JsonArray vector = new JsonArray();
        vector.add(x);
        vector.add(y);
        row.add("vector", vector);
        row.add("meta", JsonParser.parseString(meta));
        return row;
    }

    private static void insert(MilvusClientV2 c, String collection, String partition, JsonObject... rows) {
        InsertReq.InsertReqBuilder request = InsertReq.builder().collectionName(collection).data(List.of(rows));
        if (partition != null) {
            request.partitionName(partition);
        }
        c.insert(request.build());
    }

    private static List<SearchResp.SearchResult> search(MilvusClientV2 c, String collection, List<String> partitions, String filter,
                                                         Map<String, Object> values, int topK) {
        SearchReq.SearchReqBuilder request = SearchReq.builder().collectionName(collection).annsField("vector")
                .data(List.of(new FloatVec(new float[] {0, 1}))).limit(topK).partitionNames(partitions)
                .consistencyLevel(ConsistencyLevel.STRONG);
        if (filter != null) {
            request.filter(filter).filterTemplateValues(values);
        }
        return c.search(request.build()).getSearchResults().get(0);
    }

    private static List<Map<String, Object>> query(MilvusClientV2 c, String collection, String filter, Map<String, Object> values,
                                                   List<String> outputs) {
        return c.query(QueryReq.builder().collectionName(collection).filter(filter).filterTemplateValues(values).outputFields(outputs)
                .consistencyLevel(ConsistencyLevel.STRONG).build()).getQueryResults().stream().map(QueryResp.QueryResult::getEntity).toList();
    }

    private static long count(MilvusClientV2 c, String collection, String filter) {
        return (Long) c.query(QueryReq.builder().collectionName(collection).filter(filter).outputFields(List.of("count(*)"))
                .consistencyLevel(ConsistencyLevel.STRONG).build()).getQueryResults().get(0).getEntity().get("count(*)");
    }

    private static long countAt(MilvusClientV2 c, String collection, ConsistencyLevel level) {
        return (Long) c.query(QueryReq.builder().collectionName(collection).filter("pk != \"\"").outputFields(List.of("count(*)"))
                .consistencyLevel(level).build()).getQueryResults().get(0).getEntity().get("count(*)");
    }

    private List<String> ids(String collection, String filter) {
        return ids(client, collection, filter, Map.of());
    }

    private List<String> ids(String collection, String filter, Map<String, Object> values) {
        return ids(client, collection, filter, values);
    }

    private static List<String> ids(MilvusClientV2 c, String collection, String filter, Map<String, Object> values) {
        return query(c, collection, filter, values, List.of()).stream().map(e -> (String) e.get("pk")).toList();
    }

    private static void assertServerError(ThrowingCallable call, int code, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MilvusClientException.class, e -> {
            assertThat(e.getServerErrCode()).as(e.getMessage()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
    }
}
