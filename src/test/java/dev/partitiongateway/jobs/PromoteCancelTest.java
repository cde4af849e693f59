package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.PromoteApi.assertUsage;
import static dev.partitiongateway.support.PromoteApi.promote;
import static dev.partitiongateway.support.PromoteApi.rowsByPlacement;
import static dev.partitiongateway.support.PromoteApi.tenantInBucket;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.SplitApi.awaitProgress;
import static dev.partitiongateway.support.MoveWorkload.churn;
import static dev.partitiongateway.support.MoveWorkload.rowAt;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.support.SplitApi;
import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A promotion cancelled half-way while the tenant keeps writing: the job moves back what it moved and
 * ends CANCELLED, and the data is as if no promotion had happened: every vector of the tenant in its
 * bucket at its last values, exact counts, its own partition gone from the directory and the backend,
 * the other tenant of the bucket untouched. The tenant can be promoted again afterwards.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PromoteCancelTest {

    private static final int DIM = 4;
    private static final int BUCKETS = 3;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    BackendRegistry backends;
    @Inject
    GatewayConfig config;

    @Test
    void should_move_back_what_it_moved_when_cancelled_half_way_and_leave_every_vector_in_its_bucket() throws Exception {
        String collection = Collections.create("promotecancel", DIM, "COSINE", Map.of("strategy", "SHARED_HASH", "buckets", BUCKETS));
        String tenant = tenantInBucket("cancelled", BUCKETS, 2, 100_000);
        String neighbour = tenantInBucket("stays", BUCKETS, 2, 1000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        VectorModel other = new VectorModel(readWriteKey(neighbour), collection, DIM);
        int batch = config.split().batchSize();
        model.fill("v", 3 * batch, new Random(61));
        other.fill("o", 50, new Random(62));
        String bucket = new PartitionKey.Bucket(2).placementName(null);
        String own = new PartitionKey.Dedicated().placementName(tenant);

        // A registry row of the second batch, held: the promotion moves one batch, then waits for it.
        String held = rowAt(dataSource, collection, tenant, batch + batch / 2);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        List<String> deleted = new ArrayList<>();
        long job;
        long movedBeforeCancel;
        Future<?> writes;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            PromoteUnderLoadTest.lockRow(c, collection, tenant, held);
            job = promote(collection, tenant);
            writes = writer.submit(() -> churn(model, collection, stop, deleted, 63));
            awaitProgress(job, batch / 2, PATIENCE); // less than a batch if the writer moved some of its rows first
            assertThat(rowsByPlacement(dataSource, collection, tenant)).as("half moved").containsKeys(bucket, own);
            movedBeforeCancel = SplitApi.job(job).getLong("job.done");
            asOperator().post("/v1/admin/jobs/" + job + "/cancel").then().statusCode(200);
            c.rollback();
        }
        JsonPath cancelled = awaitJob(job, "CANCELLED", PATIENCE);
        stop.set(true);
        writes.get(1, TimeUnit.MINUTES);
        writer.shutdownNow();

        assertThat(cancelled.getString("job.type")).isEqualTo("PROMOTE");
        assertThat(cancelled.getLong("job.done")).as("moved there and back").isGreaterThanOrEqualTo(2L * movedBeforeCancel);
        assertThat(rowsByPlacement(dataSource, collection, tenant)).containsExactly(Map.entry(bucket, (long) model.live().size()));
        assertThat(rowsByPlacement(dataSource, collection, neighbour)).containsExactly(Map.entry(bucket, 50L));
        assertThat(Collections.partitions(collection)).extracting(p -> p.get("placement")).doesNotContain(own);
        CollectionSpec spec = new CollectionSpec(collection, DIM, Metric.COSINE);
        assertThatThrownBy(() -> backends.get("lucene").count(Placement.dedicated(spec, own, tenant), null))
                .isInstanceOf(BackendException.NotFound.class);
        model.assertStored(deleted);
        other.assertStored(List.of());
        assertUsage(collection, key, model.live().size());
        assertUsage(collection, other.key(), 50);
        JsonPath report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200)
                .extract().jsonPath();
        assertThat(PromoteUnderLoadTest.repairs(report)).as(report.prettify()).isZero();

        // A cancelled promotion leaves the tenant promotable.
        awaitJob(promote(collection, tenant), "SUCCEEDED", PATIENCE);
        model.assertStored(deleted);
        assertThat(rowsByPlacement(dataSource, collection, tenant)).containsExactly(Map.entry(own, (long) model.live().size()));
        assertUsage(collection, key, model.live().size());
    }
}
