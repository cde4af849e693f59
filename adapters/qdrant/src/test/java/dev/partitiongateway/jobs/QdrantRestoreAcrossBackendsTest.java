package dev.partitiongateway.jobs;

import static dev.partitiongateway.jobs.ArchiveRestoreTest.archive;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.fetchAll;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.restore;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.state;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.usage;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import dev.partitiongateway.adapter.qdrant.FakeQdrantResource;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A partition archived from Lucene and restored into Qdrant (its fake server): the collection changes
 * backend while everything in it is archived, and the restore brings every id, value, metadata and
 * timestamp back in the new backend.
 */
@QuarkusTest
@TestProfile(dev.partitiongateway.adapter.qdrant.QdrantGatewayTest.OnQdrant.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class QdrantRestoreAcrossBackendsTest {

    @FakeQdrantResource.Inject
    FakeQdrant qdrant;

    @Test
    void should_restore_a_partition_archived_from_lucene_into_qdrant_with_every_id_value_and_metadata() {
        String collection = Collections.create("acrossbk", ArchiveRestoreTest.DIM, "COSINE", Map.of("strategy", "TENANT"), "lucene");
        String tenant = createTenant(uniqueTenantId("acrossbk"), 100_000);
        String key = readWriteKey(tenant);
        int count = 640;
        Random random = new Random(7);
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Double> values = new ArrayList<>();
            for (int d = 0; d < ArchiveRestoreTest.DIM; d++) {
                values.add((double) (random.nextFloat() * 2 - 1 + (d == 0 ? 3 : 0)));
            }
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", i % 7 == 0 ? "id/with spaces \u00e9 " + i : "v" + i);
            v.put("values", values);
            v.put("metadata", ArchiveRestoreTest.hostileMetadata(i));
            if (i % 3 == 0) {
                v.put("timestamp", "2024-0" + (1 + i % 9) + "-15T10:20:30.123456Z");
            }
            batch.add(v);
            if (batch.size() == 500 || i == count - 1) {
                as(key).body(Map.of("vectors", batch)).put("/v1/collections/" + collection + "/vectors").then().statusCode(200);
                batch.clear();
            }
        }
        String placement = Collections.placements(collection, tenant).get(0);
        Map<String, Map<String, Object>> stored = fetchAll(key, collection, count);

        // Not while a partition holds vectors in the current backend.
        asOperator().body(Map.of("backend", "qdrant")).patch("/v1/admin/collections/" + collection).then()
                .statusCode(409).body("code", equalTo("CONFLICT"));
        asOperator().body(Map.of("backend", "no_such_backend")).patch("/v1/admin/collections/" + collection).then()
                .statusCode(400).body("code", equalTo("VALIDATION_FAILED"));

        awaitJob(archive(collection, placement), "SUCCEEDED", PATIENCE);
        asOperator().body(Map.of("backend", "qdrant")).patch("/v1/admin/collections/" + collection).then()
                .statusCode(200).body("backend", equalTo("qdrant"));
        assertThat(qdrant.collectionNames()).as("the collection is ensured on the new backend").contains(collection);

        awaitJob(restore(collection, placement), "SUCCEEDED", PATIENCE);
        assertThat(state(collection, placement)).isEqualTo("ACTIVE");
        Map<String, Object> partition = Collections.partitions(collection).stream().filter(p -> placement.equals(p.get("placement")))
                .findFirst().orElseThrow();
        assertThat(partition.get("backend")).isEqualTo("qdrant");
        assertThat(fetchAll(key, collection, count)).as("every id, value, metadata and timestamp, now from Qdrant").isEqualTo(stored);
        assertThat(usage(key)).isEqualTo(count);
        // Writes go to Qdrant now.
        as(key).body(Map.of("vectors", List.of(Map.of("id", "after", "values", List.of(1, 2, 3, 4)))))
                .put("/v1/collections/" + collection + "/vectors").then().statusCode(200).body("inserted", equalTo(1));
        as(key).get("/v1/collections/{c}/vectors/{id}", collection, "after").then().statusCode(200);
    }
}
