package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.SplitApi.split;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.SharedBuckets;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.VectorModel;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Splits of a tenant's partition, then of one of its shards again, and of a shared bucket of several
 * tenants. After each: every vector is where a fetch and a search find it, deletes by id and filter
 * find them, counts and usage are exact, the old placement is gone from the directory and the backend.
 * Subclasses run the same on the other backends' fake servers.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
public class SplitShardsTest {

    private static final int DIM = 4;

    @Inject
    BackendRegistry backends;

    @Test
    void should_split_a_partition_then_one_of_its_shards_again_and_lose_nothing() {
        String collection = Collections.create("split", DIM, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId("splitter"), 10_000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        model.fill("v", 600, new Random(1));
        String whole = onlyPlacement(collection, tenant);

        awaitJob(split(collection, whole, 2), "SUCCEEDED", PATIENCE);

        Map<String, Map<String, Object>> shards = byPlacement(collection, tenant);
        assertThat(shards.keySet()).containsExactlyInAnyOrder(whole + "_s2_0", whole + "_s2_1");
        assertThat(shards.values()).allMatch(p -> "ACTIVE".equals(p.get("state")));
        Map<?, ?> shard = (Map<?, ?>) shards.get(whole + "_s2_1").get("shard");
        assertThat(shard.get("modulus")).isEqualTo(2);
        assertThat(shard.get("residue")).isEqualTo(1);
        assertThat(shard.get("splitOf")).isInstanceOf(Number.class);
        assertCounts(collection, tenant, key, model.live().size());
        assertGone(collection, whole, tenant);
        model.assertStored(List.of());

        // One shard again, into three: (2,1) -> (6,1), (6,3), (6,5).
        awaitJob(split(collection, whole + "_s2_1", 3), "SUCCEEDED", PATIENCE);
        assertThat(byPlacement(collection, tenant).keySet())
                .containsExactlyInAnyOrder(whole + "_s2_0", whole + "_s6_1", whole + "_s6_3", whole + "_s6_5");
        assertGone(collection, whole + "_s2_1", tenant);
        assertCounts(collection, tenant, key, model.live().size());
        model.assertStored(List.of());
        // Each vector is in the one shard its hash names, and a search pinned to it finds it once.
        byPlacement(collection, tenant).values().forEach(p -> assertThat(((Number) p.get("vectorCount")).longValue()).isPositive());
        model.live().entrySet().stream().limit(40).forEach(e -> assertThat(model.findExactly(e.getKey(), e.getValue())).containsExactly(e.getKey()));

        // Writes after the splits go to the shards; deletes find them there.
        Random random = new Random(2);
        model.fill("after", 50, random);
        List<String> deleted = new ArrayList<>(model.live().keySet()).subList(0, 30);
        as(key).body(Map.of("ids", deleted)).post("/v1/collections/" + collection + "/vectors/delete").then().statusCode(200);
        deleted.forEach(model.live()::remove);
        as(key).body(Map.of("filter", Map.of("key", Map.of("$in", List.of("v100", "v200", "v300"))))).post("/v1/collections/" + collection
                + "/vectors/delete").then().statusCode(200);
        List<String> gone = new ArrayList<>(deleted);
        for (String id : List.of("v100", "v200", "v300")) {
            model.live().remove(id);
            gone.add(id);
        }
        assertCounts(collection, tenant, key, model.live().size());
        model.assertStored(gone);
    }

    @Test
    void should_split_a_shared_bucket_and_keep_its_tenants_apart() {
        String collection = Collections.create("splitbucket", DIM, "L2", Map.of("strategy", "SHARED_HASH", "buckets", 2));
        List<String> tenants = tenantsInOneBucket(2);
        List<VectorModel> models = new ArrayList<>();
        Random random = new Random(3);
        for (String tenant : tenants) {
            createTenant(tenant, 10_000);
            VectorModel model = new VectorModel(readWriteKey(tenant), collection, DIM);
            model.fill("same", 300, random); // the same ids in both tenants
            models.add(model);
        }
        String bucket = Collections.partitions(collection).get(0).get("placement").toString();

        awaitJob(split(collection, bucket, 4), "SUCCEEDED", PATIENCE);

        List<Map<String, Object>> partitions = Collections.partitions(collection);
        assertThat(partitions).extracting(p -> p.get("placement"))
                .containsExactlyInAnyOrder(bucket + "_s4_0", bucket + "_s4_1", bucket + "_s4_2", bucket + "_s4_3");
        assertThat(partitions.stream().mapToLong(p -> ((Number) p.get("vectorCount")).longValue()).sum()).isEqualTo(600);
        assertGone(collection, bucket, tenants.get(0));
        for (VectorModel model : models) {
            model.assertStored(List.of());
        }
        // Each tenant sees its own copy of "same7" and only that; a delete by filter of one leaves the other's.
        for (int t = 0; t < 2; t++) {
            assertThat(models.get(t).findExactly("same7", models.get(t).live().get("same7"))).containsExactly("same7");
        }
        VectorModel first = models.get(0);
        as(first.key()).body(Map.of("filter", Map.of("key", Map.of("$in", List.of("same1", "same2")))))
                .post("/v1/collections/" + collection + "/vectors/delete").then().statusCode(200);
        first.live().remove("same1");
        first.live().remove("same2");
        first.assertStored(List.of("same1", "same2"));
        models.get(1).assertStored(List.of());
        for (int t = 0; t < 2; t++) {
            assertThat(((Number) as(models.get(t).key()).get("/v1/tenant").then().statusCode(200).extract().path("usage.vectors"))
                    .longValue()).isEqualTo(models.get(t).live().size());
        }
    }

    // ---------------------------------------------------------------- helpers

    static String onlyPlacement(String collection, String tenant) {
        List<String> placements = Collections.placements(collection, tenant);
        assertThat(placements).hasSize(1);
        return placements.get(0);
    }

    static Map<String, Map<String, Object>> byPlacement(String collection, String tenant) {
        return Collections.partitions(collection).stream().filter(p -> tenant.equals(p.get("tenant")))
                .collect(Collectors.toMap(p -> (String) p.get("placement"), p -> p));
    }

    /** Usage, the collection's stats and the partition counts (from the listing) all equal {@code expected}. */
    static void assertCounts(String collection, String tenant, String key, long expected) {
        long usage = ((Number) as(key).get("/v1/tenant").then().statusCode(200).extract().path("usage.vectors")).longValue();
        long stats = ((Number) as(key).get("/v1/collections/" + collection + "/stats").then().statusCode(200).extract().path("vectors"))
                .longValue();
        long partitions = byPlacement(collection, tenant).values().stream().mapToLong(p -> ((Number) p.get("vectorCount")).longValue()).sum();
        assertThat(List.of(usage, stats, partitions)).as("usage, stats, partition counts").containsOnly(expected);
    }

    /** The placement is in neither the directory nor the backend. */
    void assertGone(String collection, String placement, String tenant) {
        assertThat(Collections.partitions(collection)).extracting(p -> p.get("placement")).doesNotContain(placement);
        Map<String, Object> c = asOperator().get("/v1/admin/collections/" + collection).then().statusCode(200).extract().path("");
        CollectionSpec spec = new CollectionSpec(collection, DIM, Metric.valueOf((String) c.get("metric")));
        String backend = (String) c.get("backend");
        boolean shared = "SHARED_HASH".equals(((Map<?, ?>) c.get("partitioning")).get("strategy"));
        assertThatThrownBy(() -> backends.get(backend).count(new Placement(spec, placement, tenant, shared), null))
                .as(placement + " on the backend").isInstanceOf(BackendException.NotFound.class);
    }

    static void awaitDraining(String collection, String tenant, String placement) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!"DRAINING".equals(byPlacement(collection, tenant).getOrDefault(placement, Map.of()).get("state"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(placement + " never became DRAINING: " + byPlacement(collection, tenant));
            }
            dev.partitiongateway.support.SplitApi.sleep(50);
        }
    }

    /** {@code n} tenant ids that share one bucket of two. */
    static List<String> tenantsInOneBucket(int n) {
        Map<Integer, List<String>> byBucket = new HashMap<>();
        while (true) {
            String id = "sb-" + UUID.randomUUID().toString().substring(0, 8);
            List<String> same = byBucket.computeIfAbsent(SharedBuckets.bucketOf(id, 2), b -> new ArrayList<>());
            same.add(id);
            if (same.size() == n) {
                return same;
            }
        }
    }
}
