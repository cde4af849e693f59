package dev.partitiongateway.adapter.qdrant;

import static dev.partitiongateway.support.DataApi.createCollection;
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
import static org.hamcrest.Matchers.everyItem;

import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway end to end with Qdrant as its default backend (a fake Qdrant in strict mode, see
 * {@link FakeQdrantResource}): the tenant API behaves as on the embedded backend. Collections here use
 * the TENANT strategy; a test per further strategy (time windows, shared buckets) fits beside them,
 * with {@code partitioning} in the collection's creation body.
 */
@QuarkusTest
@TestProfile(QdrantGatewayTest.OnQdrant.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
public class QdrantGatewayTest {

    /** The one profile of the Qdrant backend: Qdrant is the default, pointed at the fake. */
    public static class OnQdrant implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.backend.default", "qdrant");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeQdrantResource.class));
        }
    }

    @FakeQdrantResource.Inject
    FakeQdrant qdrant;

    @Test
    void should_create_collections_on_qdrant() {
        String collection = createCollection("on_qdrant", 2, "COSINE");

        asOperator().get("/v1/admin/collections/" + collection).then().statusCode(200).body("backend", equalTo("qdrant"));
        assertThat(qdrant.collectionNames()).contains(collection);
    }

    @Test
    void should_keep_two_tenants_with_the_same_ids_apart() {
        String collection = createCollection("same_ids", 2, "L2");
        String keyA = readWriteKey(createTenant("qa"));
        String keyB = readWriteKey(createTenant("qb"));
        upsert(keyA, collection, List.of(vector("x", List.of(1.0, 0.0), Map.of("owner", "a")), vector("y", List.of(0.0, 1.0), Map.of("owner", "a"))))
                .statusCode(200).body("inserted", equalTo(2));
        upsert(keyB, collection, List.of(vector("x", List.of(5.0, 5.0), Map.of("owner", "b")), vector("y", List.of(6.0, 6.0), Map.of("owner", "b"))))
                .statusCode(200).body("inserted", equalTo(2));

        search(keyA, collection, Map.of("vector", List.of(5, 5), "topK", 10, "includeMetadata", true)).statusCode(200)
                .body("results.id", containsInAnyOrder("x", "y")).body("results.metadata.owner", everyItem(equalTo("a")));
        search(keyB, collection, Map.of("vector", List.of(1, 0), "topK", 10, "filter", Map.of("owner", "a"))).statusCode(200)
                .body("results", equalTo(List.of()));
        fetch(keyA, collection, "x").statusCode(200).body("metadata.owner", equalTo("a")).body("values", contains(1.0f, 0.0f));
        fetch(keyB, collection, "x").statusCode(200).body("metadata.owner", equalTo("b"));

        delete(keyB, collection, Map.of("ids", List.of("x"))).statusCode(200).body("deleted", equalTo(1));
        delete(keyB, collection, Map.of("filter", Map.of("owner", "a"))).statusCode(200).body("deleted", equalTo(0));
        delete(keyB, collection, Map.of("filter", Map.of("owner", "b"))).statusCode(200).body("deleted", equalTo(1));

        fetch(keyA, collection, "x").statusCode(200);
        fetch(keyB, collection, "x").statusCode(404);
        search(keyA, collection, Map.of("vector", List.of(1, 0), "topK", 10)).body("results.id", containsInAnyOrder("x", "y"));
        assertThat(usage(keyA)).isEqualTo(2);
        assertThat(usage(keyB)).isZero();
    }

    @Test
    void should_filter_type_strictly_in_qdrant_clouds_strict_mode() {
        String collection = createCollection("strict", 2, "DOT");
        String key = readWriteKey(createTenant("qs"));
        upsert(key, collection, List.of(
                vector("number", List.of(1.0, 0.0), Map.of("code", 1, "tags", List.of("a", "b"))),
                vector("text", List.of(0.9, 0.1), Map.of("code", "1", "year", 2021.5)),
                vector("bare", List.of(0.8, 0.2), Map.of()))).statusCode(200);

        search(key, collection, Map.of("vector", List.of(1, 0), "filter", Map.of("code", 1))).statusCode(200).body("results.id", contains("number"));
        search(key, collection, Map.of("vector", List.of(1, 0), "filter", Map.of("code", "1"))).body("results.id", contains("text"));
        search(key, collection, Map.of("vector", List.of(1, 0), "filter", Map.of("tags", Map.of("$in", List.of("b", "z")))))
                .body("results.id", contains("number"));
        search(key, collection, Map.of("vector", List.of(1, 0), "filter", Map.of("code", Map.of("$ne", 1))))
                .body("results.id", contains("text", "bare"));
        search(key, collection, Map.of("vector", List.of(1, 0), "filter", Map.of("year", Map.of("$gt", 2021))))
                .body("results.id", contains("text"));
        delete(key, collection, Map.of("filter", Map.of("code", Map.of("$exists", false)))).body("deleted", equalTo(1));
    }

    @Test
    void should_hold_a_tenant_to_its_quota_exactly() {
        String collection = createCollection("quota", 2, "L2");
        String key = readWriteKey(createTenant(uniqueTenantId("qq"), 2));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        upsert(key, collection, List.of(vector("a", 2, 2))).statusCode(200).body("updated", equalTo(1));

        upsert(key, collection, List.of(vector("c", 1, 1))).statusCode(403).body("code", equalTo("QUOTA_EXCEEDED"));
        fetch(key, collection, "c").statusCode(404);
        delete(key, collection, Map.of("ids", List.of("a"))).body("deleted", equalTo(1));
        upsert(key, collection, List.of(vector("c", 1, 1))).statusCode(200).body("usage.vectors", equalTo(2));
        assertThat(usage(key)).isEqualTo(2);
    }

    @Test
    void should_answer_503_with_qdrants_retry_after_when_qdrant_rate_limits() {
        String collection = createCollection("limited", 2, "L2");
        String key = readWriteKey(createTenant("ql"));
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200);
        qdrant.rateLimitNext(1, Duration.ofSeconds(4));

        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(503)
                .header("Retry-After", "4").body("code", equalTo("BACKEND_UNAVAILABLE"));
        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(200).body("results.id", contains("a"));
    }
}
