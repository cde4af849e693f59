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
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.SplitApi;
import dev.partitiongateway.support.VectorModel;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * A partition of 20,000 vectors split into four while four clients upsert (new ids and new values of
 * existing ones), delete by id and by filter, fetch and search, and reconciler passes run, against a
 * model of what must exist. Each client owns its ids, so the model of each is exact; one tenth of the
 * vectors is never written again and is what searches look for: each existed before and after.
 *
 * <p>During the run: every acknowledged write and delete is answered 200; no search returns an id
 * twice; a search for an untouched vector (its exact values, pinned by a filter on its id) finds it; a
 * vector deleted before a search started never appears in it; a fetch returns the last acknowledged
 * values; every reconciler pass finds nothing to repair. After it: every live vector is fetched with
 * its last values, no deleted one comes back, usage, stats and partition counts equal the model, the
 * old placement is gone from the directory and the backend, and a final reconciler pass repairs nothing.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SplitUnderLoadTest {

    private static final int DIM = 8;
    private static final int VECTORS = 20_000;
    private static final int CLIENTS = 4;
    private static final int INTO = 4;

    @Inject
    BackendRegistry backends;

    private final Map<String, float[]> live = new ConcurrentHashMap<>();
    private final Map<String, Long> deletedAt = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> doomed = new ConcurrentHashMap<>();
    private final Map<String, String> doomOf = new ConcurrentHashMap<>();
    private final Queue failures = new Queue();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> whileMoving = new ConcurrentHashMap<>();
    private volatile boolean moving;

    /** What went wrong in the clients, for the assertion at the end. */
    private static final class Queue extends ConcurrentLinkedQueue<String> {
    }

    @Test
    void should_lose_resurrect_and_duplicate_nothing_while_a_20000_vector_partition_is_split_under_load() throws Exception {
        String collection = Collections.create("splitload", DIM, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId("loaded"), 100_000);
        String key = readWriteKey(tenant);
        VectorModel model = new VectorModel(key, collection, DIM);
        List<String> ids = model.fill("s", VECTORS, new Random(11));
        live.putAll(model.live());
        List<String> untouched = new ArrayList<>();
        List<List<String>> owned = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            owned.add(new ArrayList<>());
        }
        for (int i = 0; i < ids.size(); i++) {
            (i % 10 == 0 ? untouched : owned.get(i % CLIENTS)).add(ids.get(i));
        }
        String whole = onlyPlacement(collection, tenant);

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(pool.submit(() -> client(client, key, collection, owned.get(client), untouched, stop)));
        }
        clients.add(pool.submit(() -> reconcile(collection, stop)));
        long job;
        try {
            SplitApi.sleep(500);
            job = split(collection, whole, INTO);
            watch(job);
            SplitApi.sleep(500);
        } finally {
            stop.set(true);
            for (Future<?> f : clients) {
                f.get(2, TimeUnit.MINUTES);
            }
            pool.shutdownNow();
        }

        System.out.printf("SplitUnderLoadTest: operations %s, of which while vectors were moving %s%n", counts, whileMoving);
        assertThat(failures).as("what the clients saw go wrong").isEmpty();
        assertThat(whileMoving).as("operations while vectors were moving (of %s in all)", counts).containsKeys("upsert", "delete", "search");
        assertThat(whileMoving.get("upsert").get()).as("upserts while moving").isGreaterThanOrEqualTo(10);
        assertThat(whileMoving.get("search").get()).as("searches while moving").isGreaterThanOrEqualTo(20);
        assertThat(whileMoving.get("delete").get() + whileMoving.getOrDefault("deleteByFilter", new AtomicLong()).get())
                .as("deletes while moving").isGreaterThanOrEqualTo(5);

        // Afterwards: the model, exactly.
        model.live().clear();
        model.live().putAll(live);
        model.assertStored(new ArrayList<>(deletedAt.keySet()));
        assertCounts(collection, tenant, key, live.size());
        Map<String, Map<String, Object>> partitions = byPlacement(collection, tenant);
        assertThat(partitions.keySet()).containsExactlyInAnyOrder(whole + "_s4_0", whole + "_s4_1", whole + "_s4_2", whole + "_s4_3");
        assertThat(partitions.values()).allMatch(p -> "ACTIVE".equals(p.get("state")));
        Assertions.assertThatThrownBy(() -> backends.get("lucene").count(
                        Placement.dedicated(new CollectionSpec(collection, DIM, Metric.COSINE), whole, tenant), null))
                .isInstanceOf(BackendException.NotFound.class);
        Random random = new Random(12);
        List<String> liveIds = new ArrayList<>(live.keySet());
        for (int i = 0; i < 100; i++) {
            String id = liveIds.get(random.nextInt(liveIds.size()));
            assertThat(model.findExactly(id, live.get(id))).as("search for %s", id).containsExactly(id);
        }
        List<String> deletedIds = new ArrayList<>(deletedAt.keySet());
        for (int i = 0; i < Math.min(50, deletedIds.size()); i++) {
            String id = deletedIds.get(random.nextInt(deletedIds.size()));
            assertThat(model.findExactly(id, new float[] {1, 0, 0, 0, 0, 0, 0, 0})).as("search for deleted %s", id).isEmpty();
        }
        JsonPath report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200)
                .extract().jsonPath();
        assertThat(repairs(report)).as("repairs after the split: %s", report.prettify()).isZero();
    }

    /** Follows the job until it ends; marks the time in which vectors were moving. */
    private void watch(long job) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5); // a guard against a hang, not a performance assertion
        while (System.nanoTime() < deadline) {
            JsonPath j = SplitApi.job(job);
            String state = j.getString("job.state");
            moving = "RUNNING".equals(state) && j.getLong("job.done") > 0;
            if (!"PENDING".equals(state) && !"RUNNING".equals(state)) {
                moving = false;
                awaitJob(job, "SUCCEEDED", PATIENCE);
                return;
            }
            SplitApi.sleep(50);
        }
        throw new AssertionError("the split did not finish: " + SplitApi.job(job).prettify());
    }

    private Void client(int client, String key, String collection, List<String> mine, List<String> untouched, AtomicBoolean stop) {
        Random random = new Random(100 + client);
        List<String> owned = new ArrayList<>(mine);
        int created = 0;
        while (!stop.get()) {
            try {
                int op = random.nextInt(100);
                if (op < 30) {
                    upsert(client, key, collection, owned, random, created);
                    created += 5;
                } else if (op < 42) {
                    deleteIds(key, collection, owned, random);
                } else if (op < 46) {
                    deleteByFilter(key, collection, owned);
                } else if (op < 76) {
                    searchExactly(key, collection, untouched, random);
                } else if (op < 86) {
                    searchBroadly(key, collection, random);
                } else {
                    fetch(key, collection, random.nextBoolean() ? untouched : owned, random);
                }
            } catch (RuntimeException | AssertionError e) {
                failures.add("client " + client + ": " + e);
            }
        }
        return null;
    }

    private void upsert(int client, String key, String collection, List<String> owned, Random random, int created) {
        List<Map<String, Object>> batch = new ArrayList<>();
        Map<String, float[]> written = new HashMap<>();
        String doom = "d" + client + "-" + (created / 25);
        for (int i = 0; i < 5; i++) {
            String id = "n" + client + "-" + (created + i);
            float[] v = randomVector(random);
            batch.add(VectorModel.json(id, v, Map.of("doom", doom)));
            written.put(id, v);
        }
        Set<String> again = new HashSet<>();
        for (int i = 0; i < 5 && !owned.isEmpty(); i++) {
            again.add(owned.get(random.nextInt(owned.size())));
        }
        for (String id : again) {
            float[] v = randomVector(random);
            String tag = doomOf.get(id); // a rewrite replaces the metadata: it keeps the vector's tag
            batch.add(VectorModel.json(id, v, tag == null ? Map.of() : Map.of("doom", tag)));
            written.put(id, v);
        }
        Response r = as(key).body(Map.of("vectors", batch)).put("/v1/collections/" + collection + "/vectors");
        expect(r, 200, "upsert");
        live.putAll(written);
        for (int i = 0; i < 5; i++) {
            String id = "n" + client + "-" + (created + i);
            owned.add(id);
            doomed.computeIfAbsent(doom, k -> ConcurrentHashMap.newKeySet()).add(id);
            doomOf.put(id, doom);
        }
        count("upsert");
    }

    private void deleteIds(String key, String collection, List<String> owned, Random random) {
        if (owned.size() < 3) {
            return;
        }
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            chosen.add(owned.remove(random.nextInt(owned.size())));
        }
        Response r = as(key).body(Map.of("ids", chosen)).post("/v1/collections/" + collection + "/vectors/delete");
        expect(r, 200, "delete");
        assertThat(r.jsonPath().getLong("deleted")).as("deleted of %s", chosen).isEqualTo(3);
        long at = System.nanoTime();
        chosen.forEach(id -> {
            live.remove(id);
            deletedAt.put(id, at);
        });
        count("delete");
    }

    private void deleteByFilter(String key, String collection, List<String> owned) {
        String tag = doomed.keySet().stream().filter(t -> owned.stream().anyMatch(doomed.get(t)::contains)).sorted().findFirst().orElse(null);
        if (tag == null) {
            return;
        }
        List<String> chosen = owned.stream().filter(doomed.get(tag)::contains).toList();
        Response r = as(key).body(Map.of("filter", Map.of("doom", tag))).post("/v1/collections/" + collection + "/vectors/delete");
        expect(r, 200, "delete by filter");
        assertThat(r.jsonPath().getLong("deleted")).as("deleted by filter %s of %s", tag, chosen).isEqualTo(chosen.size());
        long at = System.nanoTime();
        owned.removeAll(chosen);
        chosen.forEach(id -> {
            live.remove(id);
            deletedAt.put(id, at);
        });
        doomed.remove(tag);
        count("deleteByFilter");
    }

    private void searchExactly(String key, String collection, List<String> untouched, Random random) {
        String id = untouched.get(random.nextInt(untouched.size()));
        List<Double> vector = doubles(live.get(id));
        Response r = as(key).body(Map.of("vector", vector, "topK", 3, "filter", Map.of("key", id), "includeMetadata", false))
                .post("/v1/collections/" + collection + "/search");
        expect(r, 200, "search");
        assertThat(r.jsonPath().getList("results.id", String.class)).as("search for untouched %s", id).containsExactly(id);
        count("search");
    }

    private void searchBroadly(String key, String collection, Random random) {
        long started = System.nanoTime();
        Response r = as(key).body(Map.of("vector", doubles(randomVector(random)), "topK", 50, "includeMetadata", false))
                .post("/v1/collections/" + collection + "/search");
        expect(r, 200, "search");
        List<String> found = r.jsonPath().getList("results.id", String.class);
        assertThat(found).as("ids of one search").doesNotHaveDuplicates().hasSize(50);
        for (String id : found) {
            Long deleted = deletedAt.get(id);
            assertThat(deleted == null || deleted > started).as("%s deleted before the search started, found by it", id).isTrue();
        }
        count("search");
    }

    private void fetch(String key, String collection, List<String> from, Random random) {
        if (from.isEmpty()) {
            return;
        }
        String id = from.get(random.nextInt(from.size()));
        float[] expected = live.get(id);
        Response r = as(key).get("/v1/collections/{c}/vectors/{id}", collection, id);
        expect(r, 200, "fetch " + id);
        assertThat(VectorModel.toFloats(r.jsonPath().getList("values"))).as("values of %s", id).containsExactly(expected);
        count("fetch");
    }

    private Void reconcile(String collection, AtomicBoolean stop) {
        while (!stop.get()) {
            try {
                JsonPath report = asOperator().queryParam("collection", collection).post("/v1/admin/reconcile").then().statusCode(200)
                        .extract().jsonPath();
                if (repairs(report) != 0) {
                    failures.add("a reconciler pass during the split repaired something: " + report.prettify());
                }
                count("reconcile");
            } catch (RuntimeException | AssertionError e) {
                failures.add("reconciler: " + e);
            }
            SplitApi.sleep(2500);
        }
        return null;
    }

    private static long repairs(JsonPath report) {
        long sum = 0;
        for (String kind : List.of("pendingConfirmed", "pendingAbandoned", "orphansDeleted", "orphansAdopted", "staleCopiesDeleted",
                "lostUnregistered", "usageCorrected", "countsCorrected", "movesCompleted")) {
            sum += report.getLong(kind);
        }
        return sum;
    }

    private void count(String kind) {
        counts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
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
