package dev.partitiongateway.jobs;

import static dev.partitiongateway.jobs.SplitShardsTest.assertCounts;
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

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.VectorModel;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The states a split that dies in the middle of a batch leaves, built directly: a vector copied into
 * its new shard and deleted from the DRAINING partition whose registry row still names the DRAINING
 * partition (the commit never happened), and one copied but not yet deleted. Fetch, search and both
 * deletes find them; the reconciler completes the first move and deletes neither copy; the split,
 * resumed, finishes with nothing lost.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SplitCrashStatesTest {

    private static final int DIM = 4;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    BackendRegistry backends;
    @Inject
    PartitionDirectory directory;

    @Test
    void should_find_complete_and_resume_what_a_split_that_died_mid_batch_left() throws Exception {
        String collection = Collections.create("splitcrash", DIM, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId("crashed"), 10_000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        model.fill("v", 60, new Random(31));
        String whole = onlyPlacement(collection, tenant);

        // The switch, as a split makes it, with no job to move anything.
        PartitionView source;
        List<PartitionView> shards;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            long id = ((Number) byPlacement(collection, tenant).get(whole).get("id")).longValue();
            source = PartitionLookup.byId(c, List.of(id)).get(id);
            shards = directory.beginSplit(c, source, 2);
            c.commit();
            c.setAutoCommit(true);
            directory.announce(c, source);
        }
        VectorBackend lucene = backends.get("lucene");
        CollectionSpec spec = new CollectionSpec(collection, DIM, Metric.COSINE);
        Placement drained = Placement.dedicated(spec, whole, tenant);
        shards.forEach(s -> lucene.ensurePartition(Placement.dedicated(spec, s.placementName(), tenant)));

        // Moved but not committed: only in its shard (v1, v3, v5); copied but not deleted: in both (v2).
        for (String id : List.of("v1", "v3", "v5")) {
            moveWithoutCommit(lucene, spec, drained, shards, tenant, model, id, true);
        }
        moveWithoutCommit(lucene, spec, drained, shards, tenant, model, "v2", false);

        // Fetch, search, delete by id and by filter find them where the dead split left them.
        model.assertStored(List.of());
        for (String id : List.of("v1", "v2")) {
            assertThat(model.findExactly(id, model.live().get(id))).as("search for %s", id).containsExactly(id);
        }
        as(key).body(Map.of("ids", List.of("v3"))).post("/v1/collections/" + collection + "/vectors/delete").then().statusCode(200);
        as(key).body(Map.of("filter", Map.of("key", "v5"))).post("/v1/collections/" + collection + "/vectors/delete").then().statusCode(200);
        model.live().remove("v3");
        model.live().remove("v5");
        for (String id : List.of("v3", "v5")) {
            Placement shard = Placement.dedicated(spec, owner(shards, id).placementName(), tenant);
            assertThat(lucene.fetch(shard, List.of(id))).as("%s left in its shard", id).isEmpty();
        }
        model.assertStored(List.of("v3", "v5"));
        assertCounts(collection, tenant, key, 58);

        // The reconciler completes the move of v1, deletes no copy, loses nothing.
        JsonPath report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200)
                .extract().jsonPath();
        assertThat(report.getLong("movesCompleted")).as(report.prettify()).isEqualTo(1);
        assertThat(report.getLong("lostUnregistered") + report.getLong("staleCopiesDeleted") + report.getLong("orphansDeleted"))
                .as(report.prettify()).isZero();
        model.assertStored(List.of("v3", "v5"));
        assertCounts(collection, tenant, key, 58);

        // A split asked again of the DRAINING partition, which has no job running (its job died or failed), resumes:
        // the job finds its source DRAINING, finishes the move and drops the source.
        long job = split(collection, whole, 2);
        awaitJob(job, "SUCCEEDED", PATIENCE);
        assertThat(byPlacement(collection, tenant).keySet()).containsExactlyInAnyOrder(whole + "_s2_0", whole + "_s2_1");
        model.assertStored(List.of("v3", "v5"));
        assertCounts(collection, tenant, key, 58);
        report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200).extract().jsonPath();
        for (String kind : List.of("movesCompleted", "lostUnregistered", "staleCopiesDeleted", "orphansDeleted", "usageCorrected",
                "countsCorrected", "pendingAbandoned", "pendingConfirmed")) {
            assertThat(report.getLong(kind)).as(kind + " in " + report.prettify()).isZero();
        }
    }

    /** What a split that died between its backend calls and its commit leaves of one vector. */
    private static void moveWithoutCommit(VectorBackend backend, CollectionSpec spec, Placement drained, List<PartitionView> shards,
                                          String tenant, VectorModel model, String id, boolean deleted) {
        VectorRecord record = backend.fetch(drained, List.of(id)).get(0);
        assertThat(record.values()).containsExactly(model.live().get(id));
        backend.upsert(Placement.dedicated(spec, owner(shards, id).placementName(), tenant), List.of(record));
        if (deleted) {
            backend.delete(drained, List.of(id));
        }
    }

    private static PartitionView owner(List<PartitionView> shards, String id) {
        return shards.stream().filter(s -> s.shard().owns(id)).findFirst().orElseThrow();
    }
}
