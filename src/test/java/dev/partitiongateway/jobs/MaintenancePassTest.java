package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle policy applied by a maintenance pass: a partition over splitAboveVectors is split, a
 * partition idle past archiveAfterIdleDays (by its recorded last search and write) is archived, the
 * others are left alone, and a second pass while those jobs are unfinished or done creates nothing twice.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class MaintenancePassTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_split_what_is_over_the_threshold_archive_what_is_idle_and_leave_the_rest() throws Exception {
        String collection = createCollection("maintained", 2, "L2");
        String big = createTenant(uniqueTenantId("big"), 1000);
        String idle = createTenant(uniqueTenantId("idle"), 1000);
        String busy = createTenant(uniqueTenantId("busy"), 1000);
        String bigKey = readWriteKey(big);
        String idleKey = readWriteKey(idle);
        String busyKey = readWriteKey(busy);
        upsert(bigKey, collection, vectors("b", 30)).statusCode(200);
        upsert(idleKey, collection, vectors("i", 5)).statusCode(200);
        upsert(busyKey, collection, vectors("u", 5)).statusCode(200);
        // idle's partition: created, searched and written 3 days ago, as the statistics recorded it
        sql("UPDATE partitions SET created_at = now() - interval '3 days' WHERE collection = ? AND tenant_id = ?", collection, idle);
        sql("INSERT INTO partition_stats (partition_id, last_query_at, last_write_at, updated_at) "
                + "SELECT id, now() - interval '3 days', now() - interval '3 days', now() FROM partitions WHERE collection = ? AND tenant_id = ? "
                + "ON CONFLICT (partition_id) DO UPDATE SET last_query_at = excluded.last_query_at, last_write_at = excluded.last_write_at",
                collection, idle);
        // busy's partition is as old, but was written a minute ago
        sql("UPDATE partitions SET created_at = now() - interval '3 days' WHERE collection = ? AND tenant_id = ?", collection, busy);
        sql("INSERT INTO partition_stats (partition_id, last_query_at, last_write_at, updated_at) "
                + "SELECT id, now() - interval '3 days', now() - interval '1 minute', now() FROM partitions WHERE collection = ? AND tenant_id = ? "
                + "ON CONFLICT (partition_id) DO UPDATE SET last_query_at = excluded.last_query_at, last_write_at = excluded.last_write_at",
                collection, busy);
        asOperator().body("{\"lifecycle\":{\"splitAboveVectors\":20,\"splitInto\":2,\"archiveAfterIdleDays\":2}}")
                .patch("/v1/admin/collections/" + collection).then().statusCode(200);

        JsonPath run = asOperator().post("/v1/admin/maintenance").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> created = mine(run.getList("jobs.job"), collection);
        assertThat(created).extracting(j -> j.get("type") + " " + j.get("target")).containsExactlyInAnyOrder(
                "SPLIT " + placementOf(collection, big), "ARCHIVE " + placementOf(collection, idle));

        // A second pass at once: the jobs exist (or ran), nothing is created twice for the same partition.
        JsonPath again = asOperator().post("/v1/admin/maintenance").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> twice = mine(again.getList("jobs.job"), collection);
        assertThat(twice).extracting(j -> j.get("target")).doesNotContain(placementOf(collection, idle));

        for (Map<String, Object> job : created) {
            awaitJob(((Number) job.get("id")).longValue(), "SUCCEEDED", PATIENCE);
        }
        Map<String, String> states = new java.util.HashMap<>();
        for (Map<String, Object> p : asOperator().get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200)
                .extract().jsonPath().<Map<String, Object>>getList("partitions")) {
            states.merge((String) p.get("tenant"), p.get("state") + "", (x, y) -> x + "," + y);
        }
        assertThat(states.get(big)).isEqualTo("ACTIVE,ACTIVE");
        assertThat(states.get(idle)).isEqualTo("ARCHIVED");
        assertThat(states.get(busy)).isEqualTo("ACTIVE");
        assertThat(usage(bigKey)).isEqualTo(30);
        assertThat(usage(idleKey)).isEqualTo(5);
        fetch(bigKey, collection, "b7").statusCode(200);
        fetch(idleKey, collection, "i1").statusCode(409);
    }

    @Test
    void should_delete_archives_past_the_policy_but_never_a_partitions_only_copy() throws Exception {
        String collection = createCollection("expiring", 2, "L2");
        String restored = createTenant(uniqueTenantId("restored"), 100);
        String archived = createTenant(uniqueTenantId("archived"), 100);
        String restoredKey = readWriteKey(restored);
        String archivedKey = readWriteKey(archived);
        upsert(restoredKey, collection, vectors("r", 3)).statusCode(200);
        upsert(archivedKey, collection, vectors("a", 3)).statusCode(200);
        String restoredPlacement = placementOf(collection, restored);
        String archivedPlacement = placementOf(collection, archived);
        for (String placement : List.of(restoredPlacement, archivedPlacement)) {
            long job = ((Number) asOperator().post("/v1/admin/collections/" + collection + "/partitions/" + placement + "/archive")
                    .then().statusCode(202).extract().path("job.id")).longValue();
            awaitJob(job, "SUCCEEDED", PATIENCE);
        }
        long restore = ((Number) asOperator().post("/v1/admin/collections/" + collection + "/partitions/" + restoredPlacement + "/restore")
                .then().statusCode(202).extract().path("job.id")).longValue();
        awaitJob(restore, "SUCCEEDED", PATIENCE);
        // both archives are 3 days old now
        sql("UPDATE archives SET created_at = now() - interval '3 days' WHERE collection = ?", collection);
        asOperator().body("{\"lifecycle\":{\"deleteArchivesAfterDays\":2}}").patch("/v1/admin/collections/" + collection)
                .then().statusCode(200);

        List<Integer> deleted = asOperator().post("/v1/admin/maintenance").then().statusCode(200).extract().path("archivesDeleted");

        List<Map<String, Object>> left = asOperator().queryParam("collection", collection).get("/v1/admin/archives").then().statusCode(200)
                .extract().jsonPath().getList("archives");
        assertThat(deleted).hasSize(1);
        assertThat(left).filteredOn(a -> a.get("deletedAt") == null).extracting(a -> a.get("placement")).containsExactly(archivedPlacement);
        fetch(restoredKey, collection, "r1").statusCode(200);
        awaitJob(((Number) asOperator().post("/v1/admin/collections/" + collection + "/partitions/" + archivedPlacement + "/restore")
                .then().statusCode(202).extract().path("job.id")).longValue(), "SUCCEEDED", PATIENCE);
        fetch(archivedKey, collection, "a2").statusCode(200);
    }

    static List<Map<String, Object>> vectors(String prefix, int n) {
        List<Map<String, Object>> vectors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            vectors.add(vector(prefix + i, i, 1));
        }
        return vectors;
    }

    static List<Map<String, Object>> mine(List<Map<String, Object>> jobs, String collection) {
        return jobs.stream().filter(j -> collection.equals(j.get("collection"))).toList();
    }

    static String placementOf(String collection, String tenant) {
        return asOperator().queryParam("tenant", tenant).get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200)
                .extract().path("partitions[0].placement");
    }

    void sql(String statement, Object... args) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        }
    }
}
