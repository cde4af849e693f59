package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.PromoteApi.assertUsage;
import static dev.partitiongateway.support.PromoteApi.promote;
import static dev.partitiongateway.support.PromoteApi.rowsByPlacement;
import static dev.partitiongateway.support.PromoteApi.tenantInBucket;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.SplitApi;
import dev.partitiongateway.support.VectorModel;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A tenant with 3,000 vectors in a shared bucket, which it shares with another tenant, is promoted
 * into a partition of its own while two clients of it upsert (new ids and new values of existing
 * ones), delete, fetch and search, and a client of the other tenant does the same, against a model of
 * what must exist. A registry row of the second batch is held for a while, so the move is caught half
 * done by many requests.
 *
 * <p>During the run: every write and delete is answered 200; no search returns an id twice or another
 * tenant's id; a search for an untouched vector finds it; a vector deleted before a search started
 * never appears in it; a fetch returns the last acknowledged values. After it: both tenants' vectors
 * are exactly the model, usage and stats exact for both; the promoted tenant's rows and vectors are
 * all in its own partition, which holds nothing else; the other tenant's rows never left the bucket;
 * a reconciler pass repairs nothing.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PromoteUnderLoadTest {

    private static final int DIM = 8;
    private static final int BUCKETS = 4;
    private static final int VECTORS = 3_000;
    private static final List<String> EXPECTED_WHILE_MOVING = List.of("a-upsert", "a-delete", "a-search", "a-fetch", "b-upsert",
            "b-delete", "b-search");

    @Inject
    BackendRegistry backends;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    dev.partitiongateway.config.GatewayConfig config;

    private final Map<String, Map<String, float[]>> live = new ConcurrentHashMap<>();
    private final Map<String, Long> deletedAt = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> whileMoving = new ConcurrentHashMap<>();
    private volatile boolean moving;

    @Test
    void should_lose_resurrect_duplicate_and_leak_nothing_while_a_tenant_is_promoted_out_of_its_bucket_under_load() throws Exception {
        String collection = Collections.create("promoteload", DIM, "COSINE", Map.of("strategy", "SHARED_HASH", "buckets", BUCKETS));
        String promoted = tenantInBucket("promoted", BUCKETS, 1, 100_000);
        String neighbour = tenantInBucket("neighbour", BUCKETS, 1, 100_000);
        String promotedKey = readWriteKey(promoted);
        String neighbourKey = readWriteKey(neighbour);
        VectorModel a = new VectorModel(promotedKey, collection, DIM);
        VectorModel b = new VectorModel(neighbourKey, collection, DIM);
        List<String> aIds = a.fill("a", VECTORS, new Random(51));
        List<String> bIds = b.fill("b", 400, new Random(52));
        live.put(promoted, new ConcurrentHashMap<>(a.live()));
        live.put(neighbour, new ConcurrentHashMap<>(b.live()));
        String bucket = new PartitionKey.Bucket(1).placementName(null);
        String own = new PartitionKey.Dedicated().placementName(promoted);
        Map<String, Long> neighbourBefore = rowsByPlacement(dataSource, collection, neighbour);
        assertThat(neighbourBefore).containsOnlyKeys(bucket);
        assertThat(rowsByPlacement(dataSource, collection, promoted)).containsOnlyKeys(bucket);

        // In the order the mover walks them: the third batch is held below, so the clients rewrite and delete ids of
        // the first two (moved by then; a write of a held batch's id would wait for it) and new ones; searches and
        // fetches look for ids of every batch, moved and not.
        List<String> ordered = inMoveOrder(collection, promoted);
        assertThat(ordered).containsExactlyInAnyOrderElementsOf(aIds);
        List<String> untouched = new ArrayList<>();
        List<List<String>> owned = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < ordered.size(); i++) {
            if (i % 10 == 0) {
                untouched.add(ordered.get(i));
            } else if (i < 2 * config.split().batchSize()) {
                owned.get(i % 2).add(ordered.get(i));
            }
        }
        List<String> bUntouched = bIds.subList(0, 100);
        List<String> bOwned = new ArrayList<>(bIds.subList(100, bIds.size()));

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            int client = c;
            clients.add(pool.submit(() -> client("a" + client, promoted, promotedKey, collection, owned.get(client), untouched, stop)));
        }
        clients.add(pool.submit(() -> client("b", neighbour, neighbourKey, collection, bOwned, bUntouched, stop)));
        long job;
        try (Connection held = dataSource.getConnection()) {
            SplitApi.sleep(300);
            // The row of a vector in the mover's second batch, held until every kind of request was seen while the
            // move is half done (at most 20 s: a guard, not an assertion).
            held.setAutoCommit(false);
            lockRow(held, collection, promoted, ordered.get(2 * config.split().batchSize() + config.split().batchSize() / 2));
            job = promote(collection, promoted);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until && !whileMoving.keySet().containsAll(EXPECTED_WHILE_MOVING)) {
                moving = "RUNNING".equals(SplitApi.job(job).getString("job.state")) && SplitApi.job(job).getLong("job.done") > 0;
                SplitApi.sleep(50);
            }
            held.rollback();
            awaitJob(job, "SUCCEEDED", PATIENCE);
            moving = false;
            SplitApi.sleep(300);
        } finally {
            stop.set(true);
            for (Future<?> f : clients) {
                f.get(2, TimeUnit.MINUTES);
            }
            pool.shutdownNow();
        }

        assertThat(failures).as("what the clients saw go wrong").isEmpty();
        assertThat(whileMoving.keySet()).as("operations while vectors were moving").containsAll(EXPECTED_WHILE_MOVING);

        // Both tenants exactly as the model says, counts exact.
        List<String> deleted = new ArrayList<>(deletedAt.keySet());
        a.live().clear();
        a.live().putAll(live.get(promoted));
        b.live().clear();
        b.live().putAll(live.get(neighbour));
        a.assertStored(deleted.stream().filter(id -> id.startsWith("a") || id.startsWith("na")).toList());
        b.assertStored(deleted.stream().filter(id -> id.startsWith("b") || id.startsWith("nb")).toList());
        assertUsage(collection, promotedKey, a.live().size());
        assertUsage(collection, neighbourKey, b.live().size());

        // The promoted tenant lives in its own partition only, which holds nothing else; the neighbour never moved.
        assertThat(rowsByPlacement(dataSource, collection, promoted)).containsExactly(Map.entry(own, (long) a.live().size()));
        assertThat(rowsByPlacement(dataSource, collection, neighbour)).containsExactly(Map.entry(bucket, (long) b.live().size()));
        VectorBackend lucene = backends.get("lucene");
        CollectionSpec spec = new CollectionSpec(collection, DIM, Metric.COSINE);
        assertThat(lucene.count(Placement.dedicated(spec, own, promoted), null)).as("vectors in the promoted tenant's own partition")
                .isEqualTo(a.live().size());
        assertThat(lucene.count(new Placement(spec, bucket, promoted, true), null)).as("the promoted tenant's vectors left in the bucket")
                .isZero();
        assertThat(lucene.count(new Placement(spec, bucket, neighbour, true), null)).as("the neighbour's vectors in the bucket")
                .isEqualTo(b.live().size());
        Map<String, Map<String, Object>> partitions = new HashMap<>();
        Collections.partitions(collection).forEach(p -> partitions.put((String) p.get("placement"), p));
        assertThat(partitions.get(own)).as("own partition listed").isNotNull();
        assertThat(partitions.get(own).get("state")).isEqualTo("ACTIVE");
        assertThat(partitions.get(own).get("tenant")).isEqualTo(promoted);
        assertThat(((Number) partitions.get(own).get("vectorCount")).longValue()).isEqualTo(a.live().size());
        assertThat(((Number) partitions.get(bucket).get("vectorCount")).longValue()).isEqualTo(b.live().size());
        Random random = new Random(53);
        List<String> liveIds = new ArrayList<>(a.live().keySet());
        for (int i = 0; i < 30; i++) {
            String id = liveIds.get(random.nextInt(liveIds.size()));
            assertThat(a.findExactly(id, a.live().get(id))).as("search for %s", id).containsExactly(id);
        }
        // After the promotion, the promoted tenant's searches read its own partition only.
        List<String> searched = as(promotedKey).body(Map.of("vector", doubles(a.random(random)), "topK", 5)).post(
                "/v1/collections/" + collection + "/search").then().statusCode(200).extract().jsonPath().getList("partitions", String.class);
        assertThat(searched).containsExactly(own);
        JsonPath report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200)
                .extract().jsonPath();
        assertThat(repairs(report)).as("repairs after the promotion: %s", report.prettify()).isZero();
    }

    private Void client(String name, String tenant, String key, String collection, List<String> owned, List<String> untouched,
                        AtomicBoolean stop) {
        Random random = new Random(name.hashCode());
        String kind = name.substring(0, 1);
        int created = 0;
        while (!stop.get()) {
            try {
                int op = random.nextInt(100);
                if (op < 30) {
                    upsert(name, tenant, key, collection, owned, random, created);
                    created += 4;
                    count(kind + "-upsert");
                } else if (op < 45) {
                    if (deleteIds(tenant, key, collection, owned, random)) {
                        count(kind + "-delete");
                    }
                } else if (op < 65) {
                    searchExactly(tenant, key, collection, untouched, random);
                    count(kind + "-search");
                } else if (op < 80) {
                    searchBroadly(tenant, key, collection, random);
                    count(kind + "-search");
                } else {
                    fetch(tenant, key, collection, random.nextBoolean() ? untouched : owned, random);
                    count(kind + "-fetch");
                }
            } catch (RuntimeException | AssertionError e) {
                failures.add(name + ": " + e);
            }
        }
        return null;
    }

    private void upsert(String name, String tenant, String key, String collection, List<String> owned, Random random, int created) {
        List<Map<String, Object>> batch = new ArrayList<>();
        Map<String, float[]> written = new HashMap<>();
        for (int i = 0; i < 4; i++) {
            String id = "n" + name + "-" + (created + i);
            float[] v = randomVector(random);
            batch.add(VectorModel.json(id, v, Map.of()));
            written.put(id, v);
        }
        java.util.Set<String> again = new java.util.HashSet<>();
        for (int i = 0; i < 3 && !owned.isEmpty(); i++) {
            again.add(owned.get(random.nextInt(owned.size())));
        }
        for (String id : again) {
            float[] v = randomVector(random);
            batch.add(VectorModel.json(id, v, Map.of()));
            written.put(id, v);
        }
        Response r = as(key).body(Map.of("vectors", batch)).put("/v1/collections/" + collection + "/vectors");
        expect(r, 200, "upsert");
        live.get(tenant).putAll(written);
        for (int i = 0; i < 4; i++) {
            owned.add("n" + name + "-" + (created + i));
        }
    }

    private boolean deleteIds(String tenant, String key, String collection, List<String> owned, Random random) {
        if (owned.size() < 3) {
            return false;
        }
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            chosen.add(owned.remove(random.nextInt(owned.size())));
        }
        Response r = as(key).body(Map.of("ids", chosen)).post("/v1/collections/" + collection + "/vectors/delete");
        expect(r, 200, "delete");
        assertThat(r.jsonPath().getLong("deleted")).as("deleted of %s", chosen).isEqualTo(2);
        long at = System.nanoTime();
        chosen.forEach(id -> {
            live.get(tenant).remove(id);
            deletedAt.put(id, at);
        });
        return true;
    }

    private void searchExactly(String tenant, String key, String collection, List<String> untouched, Random random) {
        String id = untouched.get(random.nextInt(untouched.size()));
        Response r = as(key).body(Map.of("vector", doubles(live.get(tenant).get(id)), "topK", 3, "filter", Map.of("key", id),
                "includeMetadata", false)).post("/v1/collections/" + collection + "/search");
        expect(r, 200, "search");
        assertThat(r.jsonPath().getList("results.id", String.class)).as("search for untouched %s", id).containsExactly(id);
    }

    private void searchBroadly(String tenant, String key, String collection, Random random) {
        long started = System.nanoTime();
        Response r = as(key).body(Map.of("vector", doubles(randomVector(random)), "topK", 40, "includeMetadata", false))
                .post("/v1/collections/" + collection + "/search");
        expect(r, 200, "search");
        List<String> found = r.jsonPath().getList("results.id", String.class);
        assertThat(found).as("ids of one search").doesNotHaveDuplicates().hasSize(40);
        String mine = tenant.startsWith("promoted") ? "a" : "b";
        for (String id : found) {
            assertThat(id.startsWith(mine) || id.startsWith("n" + mine)).as("%s found by a search of %s", id, tenant).isTrue();
            Long deleted = deletedAt.get(id);
            assertThat(deleted == null || deleted > started).as("%s deleted before the search started, found by it", id).isTrue();
        }
    }

    private void fetch(String tenant, String key, String collection, List<String> from, Random random) {
        if (from.isEmpty()) {
            return;
        }
        String id = from.get(random.nextInt(from.size()));
        float[] expected = live.get(tenant).get(id);
        Response r = as(key).get("/v1/collections/{c}/vectors/{id}", collection, id);
        expect(r, 200, "fetch " + id);
        assertThat(VectorModel.toFloats(r.jsonPath().getList("values"))).as("values of %s", id).containsExactly(expected);
    }

    /** The tenant's ids in the order the mover walks its registry rows (in batches of gateway.split.batch-size). */
    private List<String> inMoveOrder(String collection, String tenant) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                SELECT external_id FROM vector_registry WHERE tenant_id = ? AND collection = ? ORDER BY tenant_id, external_id""")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    static void lockRow(Connection c, String collection, String tenant, String id) throws Exception {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT 1 FROM vector_registry WHERE tenant_id = ? AND collection = ? AND external_id = ? FOR UPDATE")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            s.setString(3, id);
            s.executeQuery().close();
        }
    }

    static long repairs(JsonPath report) {
        long sum = 0;
        for (String kind : List.of("pendingConfirmed", "pendingAbandoned", "orphansDeleted", "orphansAdopted", "staleCopiesDeleted",
                "lostUnregistered", "usageCorrected", "countsCorrected", "movesCompleted")) {
            sum += report.getLong(kind);
        }
        return sum;
    }

    private void count(String kind) {
        if (moving) {
            whileMoving.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        }
    }

    private static void expect(Response r, int status, String what) {
        if (r.statusCode() != status) {
            throw new AssertionError(what + " answered " + r.statusCode() + ": " + r.asString());
        }
    }

    private static float[] randomVector(Random random) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = random.nextFloat() * 2 - 1;
        }
        v[0] += 3;
        return v;
    }

    private static List<Double> doubles(float[] values) {
        List<Double> list = new ArrayList<>(values.length);
        for (float f : values) {
            list.add((double) f);
        }
        return list;
    }
}
