package dev.partitiongateway.jobs;

import static dev.partitiongateway.jobs.SplitShardsTest.assertCounts;
import static dev.partitiongateway.jobs.SplitShardsTest.awaitDraining;
import static dev.partitiongateway.jobs.SplitShardsTest.byPlacement;
import static dev.partitiongateway.jobs.SplitShardsTest.onlyPlacement;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.SplitApi.split;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.catalog.SharedBuckets;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.VectorModel;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What a split request meets: a time window split like any partition; a second split refused while
 * one is unfinished, on the same partition or another shard of its key; a split cancelled before or
 * just after it starts leaving nothing behind and the partition splittable again.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SplitRequestsTest {

    private static final int DIM = 4;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_split_a_time_window() {
        String collection = Collections.create("splitwindow", DIM, "COSINE", Map.of("strategy", "TENANT_TIME", "granularity", "MONTHLY"));
        String tenant = createTenant(uniqueTenantId("windowed"), 10_000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        model.fill("w", 200, new Random(4));
        String window = onlyPlacement(collection, tenant);

        awaitJob(split(collection, window, 2), "SUCCEEDED", PATIENCE);

        Map<String, Map<String, Object>> shards = byPlacement(collection, tenant);
        assertThat(shards.keySet()).containsExactlyInAnyOrder(window + "_s2_0", window + "_s2_1");
        assertThat(shards.values()).allMatch(p -> p.get("window") != null);
        assertCounts(collection, tenant, key, 200);
        model.assertStored(List.of());
        // The moved vectors kept their timestamps: a search over a time range around now finds them, and one before does not.
        List<Double> w7 = new java.util.ArrayList<>();
        for (float f : model.live().get("w7")) {
            w7.add((double) f);
        }
        java.time.Instant now = java.time.Instant.now();
        for (boolean around : List.of(true, false)) {
            Map<String, Object> range = around ? Map.of("from", now.minusSeconds(3600).toString(), "to", now.plusSeconds(3600).toString())
                    : Map.of("from", now.minusSeconds(7200).toString(), "to", now.minusSeconds(3600).toString());
            List<String> found = as(key).body(Map.of("vector", w7, "topK", 3, "filter", Map.of("key", "w7"), "timeRange", range))
                    .post("/v1/collections/" + collection + "/search").then().statusCode(200).extract().jsonPath().getList("results.id");
            assertThat(found).as("time range around now: %s", around).isEqualTo(around ? List.of("w7") : List.of());
        }
        model.fill("later", 20, new Random(5));
        assertCounts(collection, tenant, key, 220);
    }

    @Test
    void should_refuse_to_split_a_draining_partition_or_another_shard_of_its_key_while_it_is_split() throws Exception {
        String collection = Collections.create("splitbusy", DIM, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId("busy"), 10_000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        model.fill("v", 300, new Random(6));
        String whole = onlyPlacement(collection, tenant);
        awaitJob(split(collection, whole, 2), "SUCCEEDED", PATIENCE);

        // Hold one vector's registry row, so that the split of shard 0/2 stops at the batch that holds it.
        String held = model.live().keySet().stream().filter(id -> SharedBuckets.bucketOf(id, 2) == 0).sorted().findFirst().orElseThrow();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT 1 FROM vector_registry WHERE tenant_id = ? AND collection = ? AND external_id = ? FOR UPDATE")) {
                s.setString(1, tenant);
                s.setString(2, collection);
                s.setString(3, held);
                s.executeQuery().close();
            }
            long job = split(collection, whole + "_s2_0", 2);
            awaitDraining(collection, tenant, whole + "_s2_0");

            for (String busy : List.of(whole + "_s2_0", whole + "_s2_1")) {
                asOperator().body(Map.of("into", 2)).post("/v1/admin/collections/{c}/partitions/{p}/split", collection, busy)
                        .then().statusCode(409).body("code", org.hamcrest.Matchers.equalTo("CONFLICT"));
            }
            c.rollback();
            awaitJob(job, "SUCCEEDED", PATIENCE);
        }
        assertThat(byPlacement(collection, tenant).keySet())
                .containsExactlyInAnyOrder(whole + "_s4_0", whole + "_s4_2", whole + "_s2_1");
        assertCounts(collection, tenant, key, 300);
        model.assertStored(List.of());
    }

    @Test
    void should_refuse_a_second_split_while_one_is_unfinished_and_leave_nothing_of_a_cancelled_one() {
        String collection = Collections.create("splittwice", DIM, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId("twice"), 10_000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        model.fill("v", 100, new Random(7));
        String whole = onlyPlacement(collection, tenant);

        long first = split(collection, whole, 2);
        asOperator().body(Map.of("into", 3)).post("/v1/admin/collections/{c}/partitions/{p}/split", collection, whole)
                .then().statusCode(409).body("code", org.hamcrest.Matchers.equalTo("CONFLICT"));
        // Cancelled at once while PENDING; if it already runs, it moves back what it moved: either way nothing is left of it.
        asOperator().post("/v1/admin/jobs/" + first + "/cancel").then().statusCode(200);
        awaitJob(first, "CANCELLED", PATIENCE);

        Map<String, Map<String, Object>> after = byPlacement(collection, tenant);
        assertThat(after.keySet()).containsExactly(whole);
        assertThat(after.get(whole).get("state")).isEqualTo("ACTIVE");
        assertCounts(collection, tenant, key, 100);
        model.assertStored(List.of());
        awaitJob(split(collection, whole, 2), "SUCCEEDED", PATIENCE);
        assertCounts(collection, tenant, key, 100);
    }
}
