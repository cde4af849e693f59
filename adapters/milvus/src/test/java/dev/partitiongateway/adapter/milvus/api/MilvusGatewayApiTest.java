package dev.partitiongateway.adapter.milvus.api;

import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.partitiongateway.adapter.milvus.fake.FakeMilvusServer;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.service.partition.request.ListPartitionsReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's tenant API end to end on the Milvus backend (the fake server, with Milvus's newer
 * three-valued JSON semantics). Collections use the TENANT strategy; a time-windowed and a
 * shared-bucket collection are added here once the core offers those strategies: the helpers take
 * the partitioning as a parameter.
 */
@QuarkusTest
@TestProfile(MilvusGatewayProfile.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class MilvusGatewayApiTest {

    @FakeMilvusResource.InjectFakeMilvus
    FakeMilvusServer milvus;

    String collection;
    String keyA;
    String keyB;
    MilvusClientV2 inspector;

    @BeforeEach
    void setUp() {
        collection = createCollection("tenant_", Map.of("strategy", "TENANT"));
        keyA = readWriteKey(createTenant("alpha"));
        keyB = readWriteKey(createTenant("beta"));
        inspector = new MilvusClientV2(ConnectConfig.builder().uri(milvus.uri()).rpcDeadlineMs(10_000).build());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        milvus.clearFaults();
        inspector.close(5);
    }

    @Test
    void should_keep_two_tenants_with_the_same_ids_apart_in_search_fetch_and_both_deletes() {
        upsert(keyA, collection, List.of(vector("doc-1", List.of(1.0, 0.0), Map.of("owner", "alpha", "lang", "en")),
                vector("doc-2", List.of(0.0, 1.0), Map.of("owner", "alpha")))).statusCode(200).body("inserted", equalTo(2));
        upsert(keyB, collection, List.of(vector("doc-1", List.of(1.0, 0.1), Map.of("owner", "beta", "lang", "en")))).statusCode(200)
                .body("inserted", equalTo(1));

        search(keyB, collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(200)
                .body("results.id", contains("doc-1")).body("results[0].metadata.owner", equalTo("beta"));
        search(keyB, collection, Map.of("vector", List.of(1, 0), "topK", 10, "filter", Map.of("owner", "alpha")))
                .statusCode(200).body("results", equalTo(List.of()));
        fetch(keyA, collection, "doc-1").statusCode(200).body("metadata.owner", equalTo("alpha"));
        fetch(keyB, collection, "doc-2").statusCode(404);

        delete(keyB, collection, Map.of("ids", List.of("doc-2"))).statusCode(200).body("deleted", equalTo(0));
        delete(keyB, collection, Map.of("filter", Map.of("owner", "alpha"))).statusCode(200).body("deleted", equalTo(0));
        delete(keyB, collection, Map.of("filter", Map.of("lang", "en"))).statusCode(200).body("deleted", equalTo(1));
        delete(keyA, collection, Map.of("ids", List.of("doc-2", "never"))).statusCode(200).body("deleted", equalTo(1));

        fetch(keyA, collection, "doc-1").statusCode(200);
        fetch(keyB, collection, "doc-1").statusCode(404);
        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10)).body("results.id", contains("doc-1"));
        assertThat(usage(keyA)).isEqualTo(1);
        assertThat(usage(keyB)).isZero();
        assertThat(milvusCount(collection)).isEqualTo(1);
    }

    @Test
    void should_place_each_tenant_in_its_own_milvus_partition() {
        upsert(keyA, collection, List.of(vector("a", 1.0, 0.0))).statusCode(200);
        upsert(keyB, collection, List.of(vector("b", 0.0, 1.0))).statusCode(200);

        List<String> placements = asOperator().get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200)
                .body("partitions.backend", contains("milvus", "milvus")).extract().path("partitions.placement");

        assertThat(inspector.listPartitions(ListPartitionsReq.builder().collectionName(collection).build()))
                .containsAll(placements).contains("_default");
        assertThat(milvusCount(collection)).isEqualTo(2);
    }

    @Test
    void should_keep_the_quota_exact_on_milvus() {
        String key = readWriteKey(createTenant(uniqueTenantId("capped"), 2));
        upsert(key, collection, List.of(vector("a", 1.0, 0.0), vector("b", 0.0, 1.0))).statusCode(200);
        upsert(key, collection, List.of(vector("c", 1.0, 1.0))).statusCode(403).body("code", equalTo("QUOTA_EXCEEDED"));
        upsert(key, collection, List.of(vector("a", 2.0, 2.0))).statusCode(200).body("updated", equalTo(1));
        fetch(key, collection, "c").statusCode(404);
        fetch(key, collection, "a").statusCode(200).body("values[0]", equalTo(2.0f));

        delete(key, collection, Map.of("ids", List.of("a"))).body("deleted", equalTo(1));
        upsert(key, collection, List.of(vector("c", 1.0, 1.0))).statusCode(200).body("usage.vectors", equalTo(2));
        assertThat(usage(key)).isEqualTo(2);
    }

    @Test
    void should_match_records_without_the_field_on_negations_as_the_gateway_promises() {
        upsert(keyA, collection, List.of(vector("tagged", List.of(1.0, 0.0), Map.of("tags", List.of("x", "y"), "year", 2020)),
                vector("bare", List.of(0.0, 1.0), Map.of()))).statusCode(200);

        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10, "filter", Map.of("tags", Map.of("$ne", "y"))))
                .statusCode(200).body("results.id", contains("bare"));
        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10, "filter", Map.of("tags", Map.of("$nin", List.of("z")))))
                .statusCode(200).body("results.id", containsInAnyOrder("tagged", "bare"));
        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10, "filter", Map.of("year", Map.of("$gte", 2020))))
                .statusCode(200).body("results.id", contains("tagged"));
        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10, "filter", Map.of("year", Map.of("$exists", false))))
                .statusCode(200).body("results.id", contains("bare"));
    }

    @Test
    void should_answer_503_with_retry_after_when_milvus_rate_limits() {
        upsert(keyA, collection, List.of(vector("a", 1.0, 0.0))).statusCode(200);
        // One attempt per call in the adapter (the default); the gateway retries twice (gateway.backend.retry.max-retries):
        // three rate-limited attempts in a row reach the client.
        milvus.failNext("search", 8, "rate limit exceeded[rate=100]", 3);

        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(503)
                .header("Retry-After", notNullValue()).body("code", equalTo("BACKEND_UNAVAILABLE"));
        assertThat(milvus.pendingFaults()).isZero();
        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(200).body("results.id", contains("a"));
    }

    @Test
    void should_answer_400_when_milvus_refuses_the_request_as_invalid() {
        upsert(keyA, collection, List.of(vector("a", 1.0, 0.0))).statusCode(200);
        milvus.failNext("search", 1100, "invalid parameter", 1);

        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
    }

    // ================================================================ helpers

    /** A collection on the Milvus backend; {@code partitioning} as the admin API takes it. */
    private static String createCollection(String hint, Map<String, Object> partitioning) {
        String name = hint + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", name, "dimension", 2, "metric", "L2", "backend", "milvus", "partitioning", partitioning))
                .post("/v1/admin/collections").then().statusCode(201).body("backend", equalTo("milvus"));
        return name;
    }

    /** Rows of every tenant in the Milvus collection, read straight from Milvus. */
    private long milvusCount(String name) {
        return (Long) inspector.query(QueryReq.builder().collectionName(name).filter("pk != \"\"").outputFields(List.of("count(*)"))
                .consistencyLevel(ConsistencyLevel.STRONG).build()).getQueryResults().get(0).getEntity().get("count(*)");
    }
}
