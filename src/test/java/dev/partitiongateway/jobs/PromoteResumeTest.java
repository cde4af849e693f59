package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.PromoteApi.assertUsage;
import static dev.partitiongateway.support.PromoteApi.rowsByPlacement;
import static dev.partitiongateway.support.PromoteApi.tenantInBucket;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionKey;
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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What a promotion whose process died mid-batch leaves, built directly: the directory switch made,
 * vectors copied into the tenant's own partition and deleted from the bucket whose registry rows still
 * name the bucket (the commit never happened), one copied but not deleted, and the job RUNNING under a
 * dead runner whose lease runs out, with a checkpoint half-way. Fetch, search and both deletes find the
 * vectors; the reconciler completes the move that only lacks its row and deletes no copy; the engine
 * takes the job over and the promotion converges with nothing lost and exact counts.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PromoteResumeTest {

    private static final int DIM = 4;
    private static final int BUCKETS = 2;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    BackendRegistry backends;
    @Inject
    PartitionDirectory directory;

    @Test
    void should_find_complete_and_resume_what_a_promotion_that_died_mid_batch_left() throws Exception {
        String collection = Collections.create("promoteresume", DIM, "COSINE", Map.of("strategy", "SHARED_HASH", "buckets", BUCKETS));
        String tenant = tenantInBucket("resumed", BUCKETS, 1, 10_000);
        String neighbour = tenantInBucket("beside", BUCKETS, 1, 10_000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        model.fill("v", 60, new Random(81));
        VectorModel other = new VectorModel(readWriteKey(neighbour), collection, DIM);
        other.fill("v", 20, new Random(82)); // the same ids as the tenant's: only the tenant's may move
        String bucketName = new PartitionKey.Bucket(1).placementName(null);
        String own = new PartitionKey.Dedicated().placementName(tenant);

        // The switch, as the job makes it.
        long bucketId;
        try (Connection c = dataSource.getConnection()) {
            CollectionView view = PartitionLookup.collection(c, collection).orElseThrow();
            bucketId = PartitionLookup.keyShards(c, collection, tenant, new PartitionKey.Bucket(1)).get(0).id();
            backends.get("lucene").ensurePartition(new Placement(view.spec(), own, tenant, false));
            c.setAutoCommit(false);
            PartitionView made = directory.beginPromotion(c, view, tenant, 1);
            c.commit();
            c.setAutoCommit(true);
            directory.announce(c, made);
        }
        VectorBackend lucene = backends.get("lucene");
        CollectionSpec spec = new CollectionSpec(collection, DIM, Metric.COSINE);
        Placement bucket = new Placement(spec, bucketName, tenant, true);
        Placement mine = Placement.dedicated(spec, own, tenant);
        // Moved but not committed: only in its own partition (v1, v3, v5); copied but not deleted: in both (v2).
        for (String id : List.of("v1", "v3", "v5", "v2")) {
            VectorRecord record = lucene.fetch(bucket, List.of(id)).get(0);
            assertThat(record.values()).containsExactly(model.live().get(id));
            lucene.upsert(mine, List.of(record));
            if (!id.equals("v2")) {
                lucene.delete(bucket, List.of(id));
            }
        }

        // The job, as a run that died leaves it: RUNNING, its lease running out in a second, a checkpoint half-way.
        long job;
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                INSERT INTO jobs (type, collection, partition_id, target, params, state, requested_by, runner, attempt, lease_until,
                                  run_after, attempt_started_at, done, total, checkpoint, created_at, started_at, updated_at)
                VALUES ('PROMOTE', ?, ?, ?, ?::jsonb, 'RUNNING', 'operator', 'dead-process', 1, now() + interval '3 seconds',
                        now(), now(), 30, 60, ?, now(), now(), now()) RETURNING id""")) {
            s.setString(1, collection);
            s.setLong(2, bucketId);
            s.setString(3, tenant);
            s.setString(4, "{\"tenant\":\"" + tenant + "\",\"bucket\":1}");
            s.setString(5, "{\"partition\":" + bucketId + ",\"tenant\":\"" + tenant + "\",\"after\":\"v37\"}");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                job = rs.getLong(1);
            }
        }

        // Meanwhile fetch, search, delete by id and by filter find the vectors where the dead run left them.
        model.assertStored(List.of());
        other.assertStored(List.of());
        for (String id : List.of("v1", "v2")) {
            assertThat(model.findExactly(id, model.live().get(id))).as("search for %s", id).containsExactly(id);
        }
        as(key).body(Map.of("ids", List.of("v3"))).post("/v1/collections/" + collection + "/vectors/delete").then().statusCode(200)
                .body("deleted", org.hamcrest.Matchers.equalTo(1));
        as(key).body(Map.of("filter", Map.of("key", "v5"))).post("/v1/collections/" + collection + "/vectors/delete").then()
                .statusCode(200);
        model.live().remove("v3");
        model.live().remove("v5");
        for (String id : List.of("v3", "v5")) {
            assertThat(lucene.fetch(mine, List.of(id))).as("%s left in the tenant's own partition", id).isEmpty();
        }
        model.assertStored(List.of("v3", "v5"));
        assertUsage(collection, key, 58);

        // The reconciler completes the move of v1, deletes no copy, loses nothing; the engine takes the job over.
        JsonPath report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200)
                .extract().jsonPath();
        assertThat(report.getLong("lostUnregistered") + report.getLong("staleCopiesDeleted") + report.getLong("orphansDeleted"))
                .as(report.prettify()).isZero();
        JsonPath done = awaitJob(job, "SUCCEEDED", PATIENCE);
        assertThat(done.getInt("job.attempt")).as("taken over by a second run").isEqualTo(2);

        model.assertStored(List.of("v3", "v5"));
        other.assertStored(List.of());
        assertUsage(collection, key, 58);
        assertUsage(collection, other.key(), 20);
        assertThat(rowsByPlacement(dataSource, collection, tenant)).containsExactly(Map.entry(own, 58L));
        assertThat(rowsByPlacement(dataSource, collection, neighbour)).containsExactly(Map.entry(bucketName, 20L));
        assertThat(lucene.count(mine, null)).isEqualTo(58);
        assertThat(lucene.count(bucket, null)).as("the tenant's vectors left in the bucket").isZero();
        assertThat(lucene.count(new Placement(spec, bucketName, neighbour, true), null)).isEqualTo(20);
        report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200).extract().jsonPath();
        assertThat(PromoteUnderLoadTest.repairs(report)).as(report.prettify()).isZero();
    }
}
