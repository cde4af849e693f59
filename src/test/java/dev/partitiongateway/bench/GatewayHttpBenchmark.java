package dev.partitiongateway.bench;

import static dev.partitiongateway.bench.ClusteredVectors.gaussian;
import static dev.partitiongateway.bench.ClusteredVectors.near;
import static dev.partitiongateway.bench.Measurements.loadAverage;
import static dev.partitiongateway.bench.Measurements.percentileMs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * End-to-end benchmark of a running gateway over its REST API v1: admin set-up, upserts through
 * {@code PUT /v1/collections/{name}/vectors}, and searches with 1 and 8 concurrent clients.
 *
 * <p>Not part of {@code ./mvnw verify} (surefire skips {@code *Benchmark} outside the {@code bench}
 * profile). Start a gateway first, then:
 * <pre>GATEWAY_URL=http://localhost:8080 GATEWAY_ADMIN_KEY=bench-key ./mvnw -B -o -Pbench test -Dtest=GatewayHttpBenchmark</pre>
 * When no gateway answers at {@code GATEWAY_URL}, the benchmark is skipped, not failed, so that
 * {@code -Pbench test} without a gateway still runs the SPI benchmark.
 *
 * <p>It creates its own collection and two tenants with random suffixes and deletes them at the end,
 * whatever happened. It only ever talks to localhost: the URL is checked before the first request,
 * because it sends an operator key and writes and deletes data.
 */
class GatewayHttpBenchmark {

    /** Parameters: environment for the target, {@code -Dbench.*} for the load. */
    record Params(URI url, String adminKey, int dim, int vectorsPerTenant, int batch, int requestsPerClient,
                  int warmup, int topK, int maxSecondsPerPhase, long seed, List<Integer> concurrency) {
        static Params fromEnvironment() {
            String url = System.getProperty("gateway.url", System.getenv().getOrDefault("GATEWAY_URL", "http://localhost:8080"));
            String key = System.getProperty("gateway.admin.key", System.getenv("GATEWAY_ADMIN_KEY"));
            List<Integer> concurrency = Arrays.stream(System.getProperty("bench.concurrency", "1,8").split(","))
                    .map(String::trim).map(Integer::valueOf).toList();
            return new Params(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url), key,
                    Integer.getInteger("bench.dim", 128),
                    Integer.getInteger("bench.vectorsPerTenant", 20_000),
                    Integer.getInteger("bench.batch", 500),
                    Integer.getInteger("bench.requestsPerClient", 200),
                    Integer.getInteger("bench.warmup", 200),
                    Integer.getInteger("bench.topK", 10),
                    // Each search phase stops at this deadline even if clients have requests left.
                    Integer.getInteger("bench.maxSecondsPerPhase", 30),
                    Long.getLong("bench.seed", 42L),
                    concurrency);
        }
    }

    /** Latency samples of one phase and what it achieved. */
    record PhaseResult(String name, int clients, int requests, int errors, double seconds, long[] sortedNanos,
                       double meanResults) {
        double rate() {
            return requests / seconds;
        }
    }

    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");
    private static final String TAG = "tag";
    private static final int TAG_VALUES = 20; // one value keeps ~5% of a tenant's records
    private static final String FILTER_TAG = "t07";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder()
            // HTTP/1.1 keep-alive, as typical backend clients use; the JDK would otherwise try an h2c upgrade.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private Params p;

    @Test
    void run() throws Exception {
        p = Params.fromEnvironment();
        double loadBefore = loadAverage();
        if (!LOCAL_HOSTS.contains(p.url().getHost())) {
            throw new IllegalArgumentException("refusing to benchmark " + p.url() + ": only localhost is allowed");
        }
        Assumptions.assumeTrue(ready(), "no ready gateway at " + p.url() + "/q/health/ready; start one first (docs/benchmarks.md)");
        if (p.adminKey() == null || p.adminKey().isBlank()) {
            throw new IllegalStateException("set GATEWAY_ADMIN_KEY (or -Dgateway.admin.key) to the gateway's operator key");
        }

        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String collection = "bench_" + suffix;
        List<String> tenants = List.of("bench-a-" + suffix, "bench-b-" + suffix);
        List<String> keys = new ArrayList<>();
        List<PhaseResult> upserts = new ArrayList<>();
        List<PhaseResult> searches = new ArrayList<>();
        boolean collectionCreated = false;
        List<String> tenantsCreated = new ArrayList<>();
        try {
            // --- Set-up through the admin API (not timed).
            admin("POST", "/v1/admin/collections", Map.of("name", collection, "dimension", p.dim(), "metric", "COSINE"), 201);
            collectionCreated = true;
            for (String tenant : tenants) {
                admin("POST", "/v1/admin/tenants",
                        Map.of("id", tenant, "name", "benchmark", "quota", Map.of("maxVectors", (long) p.vectorsPerTenant() * 2)), 201);
                tenantsCreated.add(tenant);
                JsonNode issued = admin("POST", "/v1/admin/tenants/" + tenant + "/keys",
                        Map.of("name", "bench", "scopes", List.of("read", "write")), 201);
                keys.add(issued.get("key").asText());
            }

            // --- Upserts: one client, tenant after tenant, batches of p.batch().
            Random random = new Random(p.seed());
            float[][] centroids = new float[64][];
            for (int c = 0; c < centroids.length; c++) {
                centroids[c] = gaussian(random, p.dim(), 1.0);
            }
            for (int t = 0; t < tenants.size(); t++) {
                upserts.add(upsertAll(collection, tenants.get(t), keys.get(t), random, centroids));
            }

            // --- Searches: query vectors from the same clustered distribution, not records of the index.
            float[][] queries = new float[1000][];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = near(random, centroids[random.nextInt(centroids.length)], 0.5);
            }
            // Warm-up: JIT on both sides, open Lucene searchers, page cache, key and collection caches.
            searchPhase("warm-up", collection, keys, queries, 2, p.warmup() / 2, false);
            for (boolean filtered : List.of(false, true)) {
                for (int clients : p.concurrency()) {
                    searches.add(searchPhase(filtered ? "filter " + TAG + "=" + FILTER_TAG + " (~5%)" : "unfiltered",
                            collection, keys, queries, clients, p.requestsPerClient(), filtered));
                }
            }
        } finally {
            // Clean up whatever was created, even after a failure; report but do not mask the first error.
            if (collectionCreated) {
                tryAdmin("DELETE", "/v1/admin/collections/" + collection);
            }
            for (String tenant : tenantsCreated) {
                tryAdmin("DELETE", "/v1/admin/tenants/" + tenant);
            }
        }

        String report = report(upserts, searches)
                + String.format(Locale.ROOT, "%nClient and gateway on the same machine: %d CPUs; 1-minute load average %.2f before, %.2f after.%n",
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage());
        System.out.println(report);
        Path out = Path.of("target", "bench", "gateway-http-benchmark.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println("(also written to " + out.toAbsolutePath() + ")");
    }

    // ------------------------------------------------------------------ phases

    /** Upserts p.vectorsPerTenant() vectors for one tenant, timing each request. */
    private PhaseResult upsertAll(String collection, String tenant, String key, Random random, float[][] centroids)
            throws IOException, InterruptedException {
        int requests = (p.vectorsPerTenant() + p.batch() - 1) / p.batch();
        long[] nanos = new long[requests];
        long start = System.nanoTime();
        for (int r = 0; r < requests; r++) {
            List<Map<String, Object>> vectors = new ArrayList<>(p.batch());
            for (int i = r * p.batch(); i < Math.min(p.vectorsPerTenant(), (r + 1) * p.batch()); i++) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("id", "v" + i);
                v.put("values", near(random, centroids[random.nextInt(centroids.length)], 0.5));
                v.put("metadata", Map.of(TAG, String.format(Locale.ROOT, "t%02d", random.nextInt(TAG_VALUES))));
                vectors.add(v);
            }
            // The body is encoded before the clock starts: the request latency is the gateway's (plus loopback).
            byte[] body = json.writeValueAsBytes(Map.of("vectors", vectors));
            long t0 = System.nanoTime();
            HttpResponse<byte[]> response = http.send(request(key, "PUT", "/v1/collections/" + collection + "/vectors", body),
                    HttpResponse.BodyHandlers.ofByteArray());
            nanos[r] = System.nanoTime() - t0;
            if (response.statusCode() != 200) {
                throw new IllegalStateException("upsert for " + tenant + " returned " + response.statusCode() + ": "
                        + new String(response.body()));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(nanos);
        // "requests" in an upsert row counts vectors, so that rate() is vectors per second.
        return new PhaseResult("tenant " + tenant, 1, p.vectorsPerTenant(), 0, seconds, nanos, Double.NaN);
    }

    /**
     * {@code clients} threads, each sending {@code perClient} searches back to back (closed loop), each
     * thread on one tenant's key, alternating tenants. Stops at the phase deadline.
     */
    private PhaseResult searchPhase(String name, String collection, List<String> keys, float[][] queries, int clients,
                                    int perClient, boolean filtered) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(p.maxSecondsPerPhase()).toNanos();
        long[][] samples = new long[clients][];
        AtomicLong errors = new AtomicLong();
        AtomicLong results = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    String key = keys.get(client % keys.size());
                    long[] nanos = new long[perClient];
                    int n = 0;
                    for (; n < perClient && System.nanoTime() < deadline; n++) {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("vector", queries[(client * 7919 + n) % queries.length]);
                        body.put("topK", p.topK());
                        if (filtered) {
                            body.put("filter", Map.of(TAG, Map.of("$eq", FILTER_TAG)));
                        }
                        byte[] bytes = json.writeValueAsBytes(body);
                        long t0 = System.nanoTime();
                        HttpResponse<byte[]> response = http.send(request(key, "POST", "/v1/collections/" + collection + "/search", bytes),
                                HttpResponse.BodyHandlers.ofByteArray());
                        nanos[n] = System.nanoTime() - t0;
                        if (response.statusCode() != 200) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println("search returned " + response.statusCode() + ": " + new String(response.body()));
                            }
                        } else {
                            results.addAndGet(json.readTree(response.body()).path("results").size());
                        }
                    }
                    samples[client] = Arrays.copyOf(nanos, n);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] all = Arrays.stream(samples).flatMapToLong(Arrays::stream).sorted().toArray();
            return new PhaseResult(name, clients, all.length, (int) errors.get(), seconds, all,
                    all.length == 0 ? 0 : (double) results.get() / all.length);
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ HTTP

    private boolean ready() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(p.url().resolve("/q/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest request(String key, String method, String path, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(p.url() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key)
                .header("Accept", "application/json");
        if (body == null) {
            return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private JsonNode admin(String method, String path, Object body, int expected) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(request(p.adminKey(), method, path, json.writeValueAsBytes(body)),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != expected) {
            throw new IllegalStateException(method + " " + path + " returned " + r.statusCode() + ": " + new String(r.body()));
        }
        return r.body().length == 0 ? null : json.readTree(r.body());
    }

    private void tryAdmin(String method, String path) {
        try {
            HttpResponse<byte[]> r = http.send(request(p.adminKey(), method, path, null), HttpResponse.BodyHandlers.ofByteArray());
            System.out.println("cleanup: " + method + " " + path + " -> " + r.statusCode());
        } catch (IOException | RuntimeException e) {
            System.err.println("cleanup: " + method + " " + path + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ data and report



    private String report(List<PhaseResult> upserts, List<PhaseResult> searches) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n### Gateway over HTTP (%s), dim=%d, COSINE, 2 tenants x %d vectors, topK=%d%n%n",
                p.url(), p.dim(), p.vectorsPerTenant(), p.topK()));
        sb.append(String.format(Locale.ROOT, "| upsert (batch %d, 1 client) | vectors | time (s) | vectors/s | request p50 (ms) | p95 (ms) | p99 (ms) |%n", p.batch()));
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (PhaseResult u : upserts) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %,.0f | %.1f | %.1f | %.1f |%n", u.name(), u.requests(), u.seconds(),
                    u.rate(), percentileMs(u.sortedNanos(), 50), percentileMs(u.sortedNanos(), 95), percentileMs(u.sortedNanos(), 99)));
        }
        sb.append(String.format(Locale.ROOT, "%n| search (topK %d) | clients | requests | errors | QPS | p50 (ms) | p95 (ms) | p99 (ms) | mean results |%n", p.topK()));
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (PhaseResult s : searches) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %,.0f | %.2f | %.2f | %.2f | %.1f |%n", s.name(), s.clients(), s.requests(),
                    s.errors(), s.rate(), percentileMs(s.sortedNanos(), 50), percentileMs(s.sortedNanos(), 95),
                    percentileMs(s.sortedNanos(), 99), s.meanResults()));
        }
        return sb.toString();
    }
}
