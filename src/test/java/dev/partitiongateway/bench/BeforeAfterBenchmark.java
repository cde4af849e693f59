package dev.partitiongateway.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.bench.ClosedLoop.Call;
import dev.partitiongateway.bench.ClosedLoop.Phase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two running gateways side by side, in one run with alternating rounds: a build from before the
 * performance work ({@code BEFORE_URL}) and the current one ({@code AFTER_URL}), each on the embedded
 * defaults. It measures what issue 11 compares with "today's" gateway: one tenant's batch-1 upserts from
 * 16 clients, one tenant's batch-10 upserts from 16 clients, and searches at 1 and 8 clients. The
 * commands that build and start both are in docs/benchmarks.md.
 *
 * <p>Skipped when either gateway is not ready; only localhost is accepted (it sends the operator key).
 * Each side gets a collection and a tenant of its own, deleted at the end.
 */
class BeforeAfterBenchmark {

    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");
    private static final int DIM = Integer.getInteger("bench.dim", 128);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final long PHASE_MILLIS = Long.getLong("bench.phaseMillis", 5000);
    private static final int SEARCH_VECTORS = Integer.getInteger("bench.vectors", 5000);

    private final ObjectMapper json = new ObjectMapper();
    private final Random random = new Random(42);
    private final float[][] centroids = new float[64][];

    /** One gateway under test, with what was set up on it. */
    private final class Side implements AutoCloseable {
        final String name;
        final URI url;
        final String admin;
        final ClosedLoop.Http http;
        final String collection = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        final String tenant = "bench-ba-" + UUID.randomUUID().toString().substring(0, 8);
        String key;

        Side(String name, URI url, String admin) {
            this.name = name;
            this.url = url;
            this.admin = admin;
            this.http = new ClosedLoop.Http(url.toString());
        }

        void setUp() throws Exception {
            http.exchange("POST", "/v1/admin/collections", admin, json.writeValueAsString(
                    Map.of("name", collection, "dimension", DIM, "metric", "COSINE")), 201);
            http.exchange("POST", "/v1/admin/tenants", admin, json.writeValueAsString(Map.of("id", tenant, "name", "benchmark",
                    "quota", Map.of("maxVectors", 100_000_000L),
                    "limits", Map.of("requestsPerSecond", 1_000_000, "vectorsPerSecond", 100_000_000, "maxConcurrentRequests", 64))), 201);
            key = json.readTree(http.exchange("POST", "/v1/admin/tenants/" + tenant + "/keys", admin,
                    json.writeValueAsString(Map.of("name", "bench", "scopes", List.of("read", "write"))), 201)).get("key").asText();
        }

        @Override
        public void close() throws Exception {
            try {
                http.exchange("DELETE", "/v1/admin/collections/" + collection, admin, null, 204);
                http.exchange("DELETE", "/v1/admin/tenants/" + tenant, admin, null, 204);
            } finally {
                http.close();
            }
        }
    }

    @Test
    void compare() throws Exception {
        URI before = URI.create(System.getProperty("gateway.before.url", System.getenv().getOrDefault("BEFORE_URL", "http://localhost:18081")));
        URI after = URI.create(System.getProperty("gateway.after.url", System.getenv().getOrDefault("AFTER_URL", "http://localhost:18082")));
        String admin = System.getProperty("gateway.admin.key", System.getenv("GATEWAY_ADMIN_KEY"));
        for (URI url : List.of(before, after)) {
            if (!LOCAL_HOSTS.contains(url.getHost())) {
                throw new IllegalArgumentException("refusing to benchmark " + url + ": only localhost is allowed");
            }
            Assumptions.assumeTrue(ready(url), "no ready gateway at " + url + "; start both first (docs/benchmarks.md)");
        }
        if (admin == null || admin.isBlank()) {
            throw new IllegalStateException("set GATEWAY_ADMIN_KEY to both gateways' operator key");
        }
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = ClusteredVectors.gaussian(random, DIM, 1);
        }
        StringBuilder out = new StringBuilder(String.format("Run of %s, 2 gateways on %d cores, load average at start %.1f; dim %d, COSINE, "
                        + "%d alternating rounds of %d ms per phase.%n%n| measurement | before | after | after / before |%n| --- | --- | --- | --- |%n",
                java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(), Measurements.loadAverage(), DIM, ROUNDS, PHASE_MILLIS));
        try (Side old = new Side("before", before, admin); Side now = new Side("after", after, admin)) {
            old.setUp();
            now.setUp();
            AtomicInteger ids = new AtomicInteger();
            compare(out, "upserts of 1 vector, 1 tenant x 16 clients (vectors/s)", 16, 1, old, now, side -> (client, n) ->
                    side.http.send("PUT", "/v1/collections/" + side.collection + "/vectors", side.key, upsertBody("a", ids.getAndAdd(1), 1)));
            compare(out, "upserts of 10 vectors, 1 tenant x 16 clients (requests/s)", 16, 1, old, now, side -> (client, n) ->
                    side.http.send("PUT", "/v1/collections/" + side.collection + "/vectors", side.key, upsertBody("b", ids.getAndAdd(10), 10)));
            for (Side side : List.of(old, now)) {
                for (int i = 0; i < SEARCH_VECTORS; i += 500) {
                    side.http.send("PUT", "/v1/collections/" + side.collection + "/vectors", side.key, upsertBody("s", i, 500));
                }
            }
            String[] queries = new String[500];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = "{\"vector\":" + json(point()) + ",\"topK\":10}";
            }
            for (int clients : new int[] {1, 8}) {
                compare(out, "searches, topK 10, " + clients + (clients == 1 ? " client" : " clients") + " (QPS)", clients, 1, old, now,
                        side -> (client, n) -> side.http.send("POST", "/v1/collections/" + side.collection + "/search", side.key,
                                queries[(client * 7919 + n) % queries.length]));
            }
        }
        out.append(String.format("%nLoad average at the end: %.1f.%n", Measurements.loadAverage()));
        System.out.println("\n" + out);
        Path report = Path.of("target", "bench", "before-after.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());
    }

    @FunctionalInterface
    private interface Load {
        Call on(Side side);
    }

    private void compare(StringBuilder out, String what, int clients, int perRequest, Side old, Side now, Load load) throws Exception {
        Call before = load.on(old);
        Call after = load.on(now);
        ClosedLoop.run(clients, 1000, -1, before); // warm-up, untimed
        ClosedLoop.run(clients, 1000, -1, after);
        List<List<Phase>> phases = ClosedLoop.alternate(ROUNDS, clients, PHASE_MILLIS, before, after);
        double b = ClosedLoop.median(phases.get(0), Phase::perSecond) * perRequest;
        double a = ClosedLoop.median(phases.get(1), Phase::perSecond) * perRequest;
        out.append(String.format("| %s | %.1f (p50 %.1f ms, p99 %.1f ms) | %.1f (p50 %.1f ms, p99 %.1f ms) | %.2fx |%n", what,
                b, ClosedLoop.median(phases.get(0), Phase::p50), ClosedLoop.median(phases.get(0), Phase::p99),
                a, ClosedLoop.median(phases.get(1), Phase::p50), ClosedLoop.median(phases.get(1), Phase::p99), a / b));
    }

    private static boolean ready(URI url) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    private float[] point() {
        synchronized (random) {
            return ClusteredVectors.near(random, centroids[random.nextInt(centroids.length)], 0.5);
        }
    }

    private String upsertBody(String prefix, int first, int count) {
        return ClusteredVectors.upsertBody(prefix, first, count, this::point);
    }

    private static String json(float[] vector) {
        return ClusteredVectors.json(vector);
    }
}
