package dev.partitiongateway.routing;

import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.catalog.SharedBuckets;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** SHARED_HASH: three tenants in two buckets, with the same ids, isolated through every call. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SharedBucketsApiTest {

    /** Three tenant ids of which two share a bucket of 2, so the test does not depend on luck. */
    private static List<String> threeTenantsInTwoBuckets() {
        Map<Integer, List<String>> byBucket = new HashMap<>();
        while (true) {
            String id = "shared-" + UUID.randomUUID().toString().substring(0, 8);
            List<String> same = byBucket.computeIfAbsent(SharedBuckets.bucketOf(id, 2), b -> new ArrayList<>());
            same.add(id);
            if (byBucket.size() == 2 && byBucket.values().stream().anyMatch(l -> l.size() >= 2)) {
                List<String> pair = byBucket.values().stream().filter(l -> l.size() >= 2).findFirst().orElseThrow();
                List<String> single = byBucket.values().stream().filter(l -> l != pair).findFirst().orElseThrow();
                return List.of(pair.get(0), pair.get(1), single.get(0));
            }
        }
    }

    @Test
    void should_keep_three_tenants_in_two_buckets_isolated_through_search_fetch_and_both_deletes() {
        String collection = Collections.create("buckets", 2, "L2", Map.of("strategy", "SHARED_HASH", "buckets", 2));
        List<String> tenants = threeTenantsInTwoBuckets();
        List<String> keys = new ArrayList<>();
        for (String t : tenants) {
            createTenant(t, 100);
            keys.add(readWriteKey(t));
        }
        for (int i = 0; i < 3; i++) {
            upsert(keys.get(i), collection, List.of(vector("same", List.of(1.0, 0.0), Map.of("owner", tenants.get(i), "kind", "x")),
                    vector("own-" + i, List.of(0.0, 1.0), Map.of("owner", tenants.get(i), "kind", "y")))).statusCode(200);
        }

        List<Map<String, Object>> partitions = Collections.partitions(collection);
        assertThat(partitions).hasSize(2).allSatisfy(p -> {
            assertThat(p.get("tenant")).isNull();
            assertThat(p.get("placement")).asString().startsWith("b_");
        });
        Map<String, Object> shared = partitions.stream().filter(p -> ((List<?>) ((Map<?, ?>) p.get("bucket")).get("tenants")).size() == 2)
                .findFirst().orElseThrow();
        assertThat(shared.get("vectorCount")).isEqualTo(4);
        assertThat((List<Map<String, Object>>) ((Map<?, ?>) shared.get("bucket")).get("tenants"))
                .extracting(t -> t.get("tenant"), t -> t.get("vectors"))
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(tenants.get(0), 2), org.assertj.core.groups.Tuple.tuple(tenants.get(1), 2));

        for (int i = 0; i < 3; i++) {
            String me = tenants.get(i);
            search(keys.get(i), collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(200)
                    .body("results.id", containsInAnyOrder("same", "own-" + i))
                    .body("results.metadata.owner", org.hamcrest.Matchers.everyItem(equalTo(me)));
            fetch(keys.get(i), collection, "same").statusCode(200).body("metadata.owner", equalTo(me));
            fetch(keys.get(i), collection, "own-" + ((i + 1) % 3)).statusCode(404);
            search(keys.get(i), collection, Map.of("vector", List.of(1, 0), "topK", 10, "filter",
                    Map.of("owner", tenants.get((i + 1) % 3)))).statusCode(200).body("results", org.hamcrest.Matchers.hasSize(0));
        }

        // Each tenant's stats count its own vectors in the bucket it shares.
        for (int i = 0; i < 3; i++) {
            as(keys.get(i)).get("/v1/collections/" + collection + "/stats").then().statusCode(200)
                    .body("vectors", equalTo(2)).body("partitions", org.hamcrest.Matchers.hasSize(1))
                    .body("partitions[0].vectorCount", equalTo(2)).body("partitions[0].placement", org.hamcrest.Matchers.startsWith("b_"));
        }

        // Tenant 0 deletes by id and by filter: only its own records go, in the bucket it shares with tenant 1.
        delete(keys.get(0), collection, Map.of("ids", List.of("same", "own-1"))).statusCode(200).body("deleted", equalTo(1));
        delete(keys.get(0), collection, Map.of("filter", Map.of("kind", "y"))).statusCode(200).body("deleted", equalTo(1));
        assertThat(usage(keys.get(0))).isZero();
        assertThat(usage(keys.get(1))).isEqualTo(2);
        search(keys.get(1), collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(200)
                .body("results.id", containsInAnyOrder("same", "own-1"));

        // Deleting tenant 1 deletes its records from the bucket, never the bucket: tenant 0 keeps using it.
        asOperator().delete("/v1/admin/tenants/" + tenants.get(1)).then().statusCode(204);
        assertThat(Collections.partitions(collection)).hasSize(2);
        upsert(keys.get(0), collection, List.of(vector("back", 1, 1))).statusCode(200);
        search(keys.get(0), collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(200).body("results.id", containsInAnyOrder("back"));
        assertThat(Collections.partitions(collection)).extracting(p -> p.get("vectorCount")).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void should_refuse_bucket_counts_out_of_range() {
        for (Object buckets : List.of(0, 1025, 2.5, "16")) {
            asOperator().body(Map.of("name", "bad_buckets", "dimension", 2, "metric", "L2",
                    "partitioning", Map.of("strategy", "SHARED_HASH", "buckets", buckets))).post("/v1/admin/collections").then().statusCode(400);
        }
        String defaulted = Collections.create("sixteen", 2, "L2", Map.of("strategy", "SHARED_HASH"));
        asOperator().get("/v1/admin/collections/" + defaulted).then().statusCode(200).body("partitioning.buckets", equalTo(16));
    }
}
