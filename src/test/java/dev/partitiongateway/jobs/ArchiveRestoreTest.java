package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.SplitApi.sleep;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.archive.ArchiveStore;
import dev.partitiongateway.archive.LocalArchiveStore;
import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Archive and restore of a partition through the admin API, on the default backend (Lucene) and the
 * default archive store (a local directory): what clients see while it is archived, that nothing is
 * lost or changed on the way, and that a cancel or a damaged archive leaves the data whole.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ArchiveRestoreTest {

    static final int DIM = 4;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    BackendRegistry backends;
    @Inject
    ArchiveStore store;

    /** A tenant with vectors in its one partition of a fresh TENANT collection. */
    record Fixture(String collection, String tenant, String key, String placement, Map<String, Map<String, Object>> stored) {
    }

    /** Metadata no archive format should bend: quotes, escapes, NUL-free control characters, emoji, nesting, extremes. */
    static Map<String, Object> hostileMetadata(int i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", "k" + i);
        m.put("quoted", "a \"b\" \\ c\n\t\u0007 d");
        m.put("emoji", "\uD83D\uDE00 \u00e9\u4e2d\u6587 \u202e");
        m.put("nested", Map.of("tags", List.of("x", "y\u00e9", ""), "numbers", List.of(1, -2.5, 1e300), "inner", Map.of("deep", true, "empty", "")));
        m.put("big", Long.MAX_VALUE - i);
        m.put("tiny", 1.0e-300);
        m.put("sql", "'; DROP TABLE archives; --");
        return m;
    }

    static Fixture fill(String hint, int count) {
        String collection = Collections.create(hint, DIM, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId(hint), 100_000);
        String key = readWriteKey(tenant);
        Random random = new Random(hint.hashCode());
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Double> values = new ArrayList<>();
            for (int d = 0; d < DIM; d++) {
                values.add((double) (random.nextFloat() * 2 - 1 + (d == 0 ? 3 : 0)));
            }
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", i % 7 == 0 ? "id/with spaces \u00e9 " + i : "v" + i);
            v.put("values", values);
            v.put("metadata", hostileMetadata(i));
            if (i % 3 == 0) {
                v.put("timestamp", "2024-0" + (1 + i % 9) + "-15T10:20:30.123456Z");
            }
            batch.add(v);
            if (batch.size() == 500 || i == count - 1) {
                as(key).body(Map.of("vectors", batch)).put("/v1/collections/" + collection + "/vectors").then().statusCode(200);
                batch.clear();
            }
        }
        List<String> placements = Collections.placements(collection, tenant);
        assertThat(placements).hasSize(1);
        return new Fixture(collection, tenant, key, placements.get(0), fetchAll(key, collection, count));
    }

    /** Every vector of the fixture as the gateway returns it (id, values, metadata, timestamp). */
    static Map<String, Map<String, Object>> fetchAll(String key, String collection, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(i % 7 == 0 ? "id/with spaces \u00e9 " + i : "v" + i);
        }
        Map<String, Map<String, Object>> all = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i += 500) {
            JsonPath page = as(key).body(Map.of("ids", ids.subList(i, Math.min(ids.size(), i + 500))))
                    .post("/v1/collections/" + collection + "/vectors/fetch").then().statusCode(200).extract().jsonPath();
            assertThat(page.getList("missing", String.class)).isEmpty();
            for (Map<String, Object> v : page.<Map<String, Object>>getList("vectors")) {
                all.put((String) v.get("id"), v);
            }
        }
        assertThat(all).hasSize(count);
        return all;
    }

    static long archive(String collection, String placement) {
        Number id = asOperator().post("/v1/admin/collections/{c}/partitions/{p}/archive", collection, placement)
                .then().statusCode(202).body("job.type", equalTo("ARCHIVE")).extract().path("job.id");
        return id.longValue();
    }

    static long restore(String collection, String placement) {
        Number id = asOperator().post("/v1/admin/collections/{c}/partitions/{p}/restore", collection, placement)
                .then().statusCode(202).body("job.type", equalTo("RESTORE")).extract().path("job.id");
        return id.longValue();
    }

    static String state(String collection, String placement) {
        return (String) Collections.partitions(collection).stream().filter(p -> placement.equals(p.get("placement"))).findFirst()
                .orElseThrow().get("state");
    }

    static long usage(String key) {
        return as(key).get("/v1/tenant").then().statusCode(200).extract().jsonPath().getLong("usage.vectors");
    }

    static ValidatableResponse search(Fixture f) {
        return as(f.key()).body(Map.of("vector", List.of(1, 0, 0, 0), "topK", 10))
                .post("/v1/collections/" + f.collection() + "/search").then();
    }

    static void assertArchivedRefusals(Fixture f) {
        String anId = f.stored().keySet().iterator().next();
        as(f.key()).body(Map.of("ids", List.of(anId))).post("/v1/collections/" + f.collection() + "/vectors/fetch").then()
                .statusCode(409).body("code", equalTo("PARTITION_ARCHIVED"));
        as(f.key()).get("/v1/collections/{c}/vectors/{id}", f.collection(), anId).then()
                .statusCode(409).body("code", equalTo("PARTITION_ARCHIVED"));
        as(f.key()).body(Map.of("vectors", List.of(Map.of("id", anId, "values", List.of(1, 2, 3, 4)))))
                .put("/v1/collections/" + f.collection() + "/vectors").then().statusCode(409).body("code", equalTo("PARTITION_ARCHIVED"));
        as(f.key()).body(Map.of("vectors", List.of(Map.of("id", "brand-new", "values", List.of(1, 2, 3, 4)))))
                .put("/v1/collections/" + f.collection() + "/vectors").then().statusCode(409).body("code", equalTo("PARTITION_ARCHIVED"));
        as(f.key()).body(Map.of("ids", List.of(anId))).post("/v1/collections/" + f.collection() + "/vectors/delete").then()
                .statusCode(409).body("code", equalTo("PARTITION_ARCHIVED"));
        as(f.key()).body(Map.of("filter", Map.of("key", "k1"))).post("/v1/collections/" + f.collection() + "/vectors/delete").then()
                .statusCode(409).body("code", equalTo("PARTITION_ARCHIVED"));
    }

    @Test
    void should_archive_and_restore_every_id_value_and_metadata_and_refuse_access_while_archived() throws Exception {
        Fixture f = fill("archround", 1203);
        long before = usage(f.key());
        assertThat(before).isEqualTo(1203);

        JsonPath archived = awaitJob(archive(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        assertThat(archived.getLong("job.result.vectors")).isEqualTo(1203);
        assertThat(state(f.collection(), f.placement())).isEqualTo("ARCHIVED");
        CollectionSpec spec = new CollectionSpec(f.collection(), DIM, Metric.COSINE);
        assertThatThrownBy(() -> backends.get("lucene").count(Placement.dedicated(spec, f.placement(), f.tenant()), null))
                .as("the placement is dropped once archived").isInstanceOf(BackendException.NotFound.class);
        assertThat(archiveRow(f.placement())).containsEntry("records", 1203L).containsEntry("source_backend", "lucene");

        // While archived: searches say so, writes, fetches and deletes are refused, and nothing changes.
        search(f).statusCode(200).body("results.size()", equalTo(0)).body("archived", equalTo(List.of(f.placement())));
        assertArchivedRefusals(f);
        assertThat(usage(f.key())).as("archived vectors still count against the quota").isEqualTo(before);
        asOperator().post("/v1/admin/collections/{c}/partitions/{p}/archive", f.collection(), f.placement()).then()
                .statusCode(409).body("code", equalTo("CONFLICT"));

        JsonPath restored = awaitJob(restore(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        assertThat(restored.getLong("job.result.vectors")).isEqualTo(1203);
        assertThat(state(f.collection(), f.placement())).isEqualTo("ACTIVE");
        assertThat(fetchAll(f.key(), f.collection(), 1203)).as("every id, value, metadata and timestamp").isEqualTo(f.stored());
        assertThat(usage(f.key())).isEqualTo(before);
        search(f).statusCode(200).body("results.size()", equalTo(10)).body("archived", org.hamcrest.Matchers.nullValue());
        assertThat(archiveRow(f.placement())).as("the archive is kept after a restore").containsEntry("deleted", false);

        // Restored means writable again, and archivable again.
        as(f.key()).body(Map.of("vectors", List.of(Map.of("id", "after", "values", List.of(1, 2, 3, 4)))))
                .put("/v1/collections/" + f.collection() + "/vectors").then().statusCode(200).body("inserted", equalTo(1));
        asOperator().post("/v1/admin/collections/{c}/partitions/{p}/restore", f.collection(), f.placement()).then()
                .statusCode(409).body("code", equalTo("CONFLICT"));
    }

    @Test
    void should_leave_the_partition_active_and_every_vector_readable_when_an_archive_is_cancelled() throws Exception {
        Fixture f = fill("archcancel", 300);
        long job;
        // The registry locked: the job makes its switch to ARCHIVING, then waits to read the rows.
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement lock = c.prepareStatement("LOCK TABLE vector_registry IN ACCESS EXCLUSIVE MODE")) {
                lock.execute();
            }
            job = archive(f.collection(), f.placement());
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!"ARCHIVING".equals(stateInDb(f.placement()))) {
                assertThat(System.nanoTime()).as("the switch to ARCHIVING").isLessThan(deadline);
                sleep(50);
            }
            search(f).statusCode(200).body("results.size()", equalTo(10)).body("archived", org.hamcrest.Matchers.nullValue());
            asOperator().post("/v1/admin/jobs/" + job + "/cancel").then().statusCode(200);
            c.rollback();
        }
        awaitJob(job, "CANCELLED", PATIENCE);
        assertThat(state(f.collection(), f.placement())).isEqualTo("ACTIVE");
        assertThat(fetchAll(f.key(), f.collection(), 300)).isEqualTo(f.stored());
        assertThat(archiveRowCount(f.placement())).isZero();
        assertThat(storedKeysUnder(f.collection() + "/" + f.placement() + "/")).as("the partial archive is deleted").isEmpty();
        as(f.key()).body(Map.of("vectors", List.of(Map.of("id", "v1", "values", List.of(1, 2, 3, 4)))))
                .put("/v1/collections/" + f.collection() + "/vectors").then().statusCode(200);
    }

    @Test
    void should_give_the_partition_back_to_writes_when_an_archive_fails_for_good() throws Exception {
        Fixture f = fill("archfail", 120);
        // A file where the archive's directory must go: the local store cannot upload a part (a failure no retry cures).
        Path blocker = ((LocalArchiveStore) store).root().resolve(f.collection()).resolve(f.placement());
        Files.createDirectories(blocker.getParent());
        Files.writeString(blocker, "not a directory");
        try {
            JsonPath failed = awaitJob(archive(f.collection(), f.placement()), "FAILED", PATIENCE);
            assertThat(failed.getInt("job.attempt")).as("not retried").isEqualTo(1);
            assertThat(state(f.collection(), f.placement())).as("not left ARCHIVING").isEqualTo("ACTIVE");
            assertThat(archiveRowCount(f.placement())).isZero();
            assertThat(fetchAll(f.key(), f.collection(), 120)).isEqualTo(f.stored());
            as(f.key()).body(Map.of("vectors", List.of(Map.of("id", "after-failure", "values", List.of(1, 2, 3, 4)))))
                    .put("/v1/collections/" + f.collection() + "/vectors").then().statusCode(200);
            assertThat(usage(f.key())).isEqualTo(121);
        } finally {
            Files.delete(blocker);
        }
        // With the store writable again, the same partition archives.
        awaitJob(archive(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        assertThat(state(f.collection(), f.placement())).isEqualTo("ARCHIVED");
    }

    @Test
    void should_fail_a_restore_from_a_damaged_archive_and_leave_the_partition_archived_with_nothing_lost() throws Exception {
        Fixture f = fill("archcorrupt", 200);
        awaitJob(archive(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        String archiveKey = (String) archiveRow(f.placement()).get("archive_key");
        Path part = ((LocalArchiveStore) store).root().resolve(archiveKey).resolve("part-00000.parquet");
        byte[] original = Files.readAllBytes(part);
        byte[] damaged = original.clone();
        damaged[damaged.length / 2] ^= 0x01;
        Files.write(part, damaged);

        JsonPath failed = awaitJob(restore(f.collection(), f.placement()), "FAILED", PATIENCE);
        assertThat(failed.getString("job.error")).contains("ARCHIVED again");
        assertThat(state(f.collection(), f.placement())).isEqualTo("ARCHIVED");
        search(f).statusCode(200).body("archived", equalTo(List.of(f.placement()))).body("results.size()", equalTo(0));
        assertArchivedRefusals(f);
        assertThat(usage(f.key())).isEqualTo(200);

        // Nothing was lost: with the file repaired, the same archive restores whole.
        Files.write(part, original);
        awaitJob(restore(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        assertThat(fetchAll(f.key(), f.collection(), 200)).isEqualTo(f.stored());
    }

    @Test
    void should_start_a_restore_and_answer_503_with_retry_after_when_the_policy_restores_on_access() throws Exception {
        Fixture f = fill("archonaccess", 150);
        asOperator().body(Map.of("lifecycle", Map.of("restoreOnAccess", true))).patch("/v1/admin/collections/" + f.collection())
                .then().statusCode(200);
        awaitJob(archive(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        String anId = f.stored().keySet().iterator().next();
        as(f.key()).body(Map.of("ids", List.of(anId))).post("/v1/collections/" + f.collection() + "/vectors/fetch").then()
                .statusCode(503).body("code", equalTo("BACKEND_UNAVAILABLE")).header("Retry-After", equalTo("30"));
        List<Map<String, Object>> jobs = asOperator().queryParam("type", "RESTORE").queryParam("collection", f.collection())
                .get("/v1/admin/jobs").then().statusCode(200).extract().jsonPath().getList("jobs.job");
        assertThat(jobs).hasSize(1);
        awaitJob(((Number) jobs.get(0).get("id")).longValue(), "SUCCEEDED", PATIENCE);
        assertThat(fetchAll(f.key(), f.collection(), 150)).isEqualTo(f.stored());
        assertThat(usage(f.key())).isEqualTo(150);
    }

    @Test
    void should_refuse_archive_and_restore_requests_that_make_no_sense() {
        Fixture f = fill("archhostile", 3);
        for (String bad : List.of("..%2F..%2Fetc", "UPPER", "x%00y", "a".repeat(300), "%F0%9F%98%80")) {
            asOperator().urlEncodingEnabled(false).post("/v1/admin/collections/" + f.collection() + "/partitions/" + bad + "/archive")
                    .then().statusCode(404).body("code", equalTo("NOT_FOUND"));
            asOperator().urlEncodingEnabled(false).post("/v1/admin/collections/" + bad + "/partitions/" + f.placement() + "/restore")
                    .then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        }
        asOperator().post("/v1/admin/collections/{c}/partitions/{p}/archive", f.collection(), "nosuchpartition").then().statusCode(404);
        asOperator().post("/v1/admin/collections/{c}/partitions/{p}/restore", f.collection(), f.placement()).then()
                .statusCode(409).body("code", equalTo("CONFLICT"));
        as(f.key()).post("/v1/admin/collections/{c}/partitions/{p}/archive", f.collection(), f.placement()).then().statusCode(403);

        String shared = Collections.create("archshared", DIM, "COSINE", Map.of("strategy", "SHARED_HASH", "buckets", 2));
        as(f.key()).body(Map.of("vectors", List.of(Map.of("id", "s", "values", List.of(1, 2, 3, 4)))))
                .put("/v1/collections/" + shared + "/vectors").then().statusCode(200);
        String bucket = (String) Collections.partitions(shared).get(0).get("placement");
        asOperator().post("/v1/admin/collections/{c}/partitions/{p}/archive", shared, bucket).then()
                .statusCode(409).body("detail", org.hamcrest.Matchers.containsString("shared bucket"));
    }

    private Map<String, Object> archiveRow(String placement) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT archive_key, records, source_backend, deleted_at IS NOT NULL FROM archives "
                     + "WHERE placement = ? ORDER BY id DESC LIMIT 1")) {
            s.setString(1, placement);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("an archives row for " + placement).isTrue();
                return Map.of("archive_key", rs.getString(1), "records", rs.getLong(2), "source_backend", rs.getString(3),
                        "deleted", rs.getBoolean(4));
            }
        }
    }

    private long archiveRowCount(String placement) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM archives WHERE placement = ?")) {
            s.setString(1, placement);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private String stateInDb(String placement) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT state FROM partitions WHERE placement = ?")) {
            s.setString(1, placement);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private List<String> storedKeysUnder(String prefix) throws Exception {
        return store.list(prefix).stream().map(ArchiveStore.StoredObject::key).toList();
    }
}
