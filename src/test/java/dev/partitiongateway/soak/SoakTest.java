package dev.partitiongateway.soak;

import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory;
import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory.Faults;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Several tenants writing, deleting, fetching and searching at once while the backend fails in every
 * way it can (refusing, timing out after applying, slowing down) and PostgreSQL connections are killed
 * under running transactions. Checked against a model of what must exist:
 * <ul>
 *   <li>no response is a 500, and every response is one a client can act on;</li>
 *   <li>no tenant ever sees another tenant's vector, in a search or a fetch;</li>
 *   <li>after the faults stop and one reconciler pass, each tenant's usage equals what it stores, every
 *       acknowledged write is there and every acknowledged delete is not.</li>
 * </ul>
 * About a minute in the normal build; {@code -Dsoak.seconds=600} runs it longer.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SoakTest {

    private static final int TENANTS = 4;
    private static final int WORKERS_PER_TENANT = 2;
    /** Ids per worker, so that each tenant holds fewer than a search's topK. */
    private static final int IDS_PER_WORKER = 150;
    private static final Set<Integer> ACCEPTABLE = Set.of(200, 404, 409, 429, 503);

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    private enum Fate { LIVE, DELETED, UNCERTAIN }

    private record Tenant(String id, String key) {
    }

    private final Map<String, Integer> answers = new ConcurrentHashMap<>();
    private final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Test
    void should_stay_isolated_exact_and_free_of_500s_under_backend_and_database_faults() throws Exception {
        long seconds = Long.getLong("soak.seconds", 45);
        String collection = "soak_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", collection, "dimension", 4, "metric", "COSINE", "backend", FaultInjectingBackendFactory.KIND))
                .post("/v1/admin/collections").then().statusCode(201);
        List<Tenant> tenants = new ArrayList<>();
        for (int t = 0; t < TENANTS; t++) {
            String id = createTenant(uniqueTenantId("soak" + t), 100_000);
            tenants.add(new Tenant(id, readWriteKey(id)));
        }
        Map<String, Map<String, Fate>> models = new ConcurrentHashMap<>();
        tenants.forEach(t -> models.put(t.id(), new ConcurrentHashMap<>()));

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(TENANTS * WORKERS_PER_TENANT + 1);
        List<Future<?>> work = new ArrayList<>();
        for (Tenant tenant : tenants) {
            for (int w = 0; w < WORKERS_PER_TENANT; w++) {
                String prefix = tenant.id() + "/w" + w + "/";
                Random random = new Random(prefix.hashCode());
                work.add(pool.submit(() -> worker(tenant, tenants, collection, prefix, models.get(tenant.id()), random, stop)));
            }
        }
        work.add(pool.submit(() -> injectFaults(stop, new Random(99))));
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        stop.set(true);
        for (Future<?> f : work) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdownNow();
        Faults.heal();

        System.out.println("soak answers over " + seconds + " s: " + new java.util.TreeMap<>(answers));
        assertThat(violations).as("isolation and status violations; answers %s", answers).isEmpty();
        assertThat(answers.keySet()).as("answers").anyMatch(a -> a.endsWith(" 200"));

        asOperator().post("/v1/admin/reconcile?collection=" + collection).then().statusCode(200);
        for (Tenant tenant : tenants) {
            List<String> stored = as(tenant.key()).body(Map.of("vector", List.of(1, 0, 0, 0), "topK", 1000, "includeMetadata", false))
                    .post("/v1/collections/" + collection + "/search").then().statusCode(200).extract().path("results.id");
            assertThat(stored).doesNotHaveDuplicates().allMatch(id -> id.startsWith(tenant.id() + "/"));
            Set<String> storedSet = Set.copyOf(stored);
            models.get(tenant.id()).forEach((id, fate) -> {
                if (fate == Fate.LIVE) {
                    assertThat(storedSet).as("acknowledged write %s", id).contains(id);
                } else if (fate == Fate.DELETED) {
                    assertThat(storedSet).as("acknowledged delete %s", id).doesNotContain(id);
                }
            });
            long usage = ((Number) as(tenant.key()).get("/v1/tenant").then().statusCode(200).extract().path("usage.vectors")).longValue();
            assertThat(usage).as("usage of %s after one reconciler pass", tenant.id()).isEqualTo(stored.size());
        }
    }

    private Void worker(Tenant tenant, List<Tenant> all, String collection, String prefix, Map<String, Fate> model, Random random,
                        AtomicBoolean stop) {
        while (!stop.get()) {
            int op = random.nextInt(10);
            if (op < 4) {
                List<String> ids = new ArrayList<>();
                List<Map<String, Object>> vectors = new ArrayList<>();
                for (int i = 0, n = 1 + random.nextInt(10); i < n; i++) {
                    String id = prefix + random.nextInt(IDS_PER_WORKER);
                    if (!ids.contains(id)) {
                        ids.add(id);
                        vectors.add(Map.of("id", id, "values", List.of(random.nextFloat() + 0.01, random.nextFloat(), random.nextFloat(), 1),
                                "metadata", Map.of("owner", tenant.id(), "parity", random.nextBoolean() ? "even" : "odd")));
                    }
                }
                settle(record("upsert", as(tenant.key()).body(Map.of("vectors", vectors)).put("/v1/collections/" + collection + "/vectors")
                        .then().extract()), ids, model, Fate.LIVE);
            } else if (op < 6) {
                List<String> ids = List.of(prefix + random.nextInt(IDS_PER_WORKER), prefix + random.nextInt(IDS_PER_WORKER));
                settle(record("delete", as(tenant.key()).body(Map.of("ids", ids)).post("/v1/collections/" + collection + "/vectors/delete")
                        .then().extract()), ids.stream().distinct().toList(), model, Fate.DELETED);
            } else if (op < 9) {
                ExtractableResponse<Response> search = record("search", as(tenant.key())
                        .body(Map.of("vector", List.of(random.nextFloat() + 0.01, random.nextFloat(), 0, 1), "topK", 20))
                        .post("/v1/collections/" + collection + "/search").then().extract());
                if (search.statusCode() == 200) {
                    List<Map<String, Object>> results = search.path("results");
                    for (Map<String, Object> hit : results) {
                        Object owner = ((Map<?, ?>) hit.get("metadata")).get("owner");
                        if (!String.valueOf(hit.get("id")).startsWith(tenant.id() + "/") || !tenant.id().equals(owner)) {
                            violations.add(tenant.id() + " found " + hit);
                        }
                    }
                }
            } else {
                // Another tenant's id: never found.
                Tenant other = all.get(random.nextInt(all.size()));
                if (other != tenant) {
                    String id = other.id() + "/w0/" + random.nextInt(IDS_PER_WORKER);
                    ExtractableResponse<Response> fetch = record("fetch", as(tenant.key())
                            .get("/v1/collections/{c}/vectors/{id}", collection, id).then().extract());
                    if (fetch.statusCode() == 200) {
                        violations.add(tenant.id() + " fetched " + id);
                    }
                }
            }
        }
        return null;
    }

    private ExtractableResponse<Response> record(String operation, ExtractableResponse<Response> response) {
        answers.merge(operation + " " + response.statusCode(), 1, Integer::sum);
        if (!ACCEPTABLE.contains(response.statusCode())) {
            violations.add(operation + " answered " + response.statusCode() + ": " + response.asString());
        }
        return response;
    }

    /** Acknowledged: the ids take {@code fate}; anything else but a clean refusal leaves them uncertain. */
    private static void settle(ExtractableResponse<Response> response, List<String> ids, Map<String, Fate> model, Fate fate) {
        int status = response.statusCode();
        if (status == 200) {
            ids.forEach(id -> model.put(id, fate));
        } else if (status == 503 || status == 409) {
            ids.forEach(id -> model.put(id, Fate.UNCERTAIN));
        }
    }

    /** Every couple of seconds, one fault: the backend refuses, times out after applying, slows down, or PostgreSQL drops connections. */
    private Void injectFaults(AtomicBoolean stop, Random random) throws Exception {
        try (Connection admin = DriverManager.getConnection(jdbcUrl, "postgres", null)) {
            while (!stop.get()) {
                switch (random.nextInt(5)) {
                    case 0 -> Faults.failNext(1 + random.nextInt(4), () -> new BackendException.Unavailable("injected: connection reset", null));
                    case 1 -> Faults.applyThenTimeOut(1 + random.nextInt(3));
                    case 2 -> Faults.slow(Duration.ofMillis(50 + random.nextInt(200)));
                    case 3 -> {
                        try (Statement s = admin.createStatement()) {
                            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    + "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'");
                        }
                    }
                    default -> Faults.heal();
                }
                answers.merge("faults injected", 1, Integer::sum);
                Thread.sleep(1000 + random.nextInt(2000));
                Faults.heal();
            }
        }
        return null;
    }

}
