package dev.partitiongateway.bench;

import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;

import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory;
import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory.Faults;
import dev.partitiongateway.adapter.lucene.LuceneBackend;
import dev.partitiongateway.bench.ClosedLoop.Call;
import dev.partitiongateway.bench.ClosedLoop.Phase;
import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionCatalog;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.data.DataJson;
import dev.partitiongateway.data.VectorService;
import dev.partitiongateway.tenant.TenantCache;
import dev.partitiongateway.tenant.TenantView;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The gateway against its own backend, side by side in one run with alternating rounds, so that the
 * figures are ratios measured under the same (noisy, shared) machine conditions:
 * <ul>
 *   <li>search: the gateway over HTTP (keep-alive client) against the same backend called in-process
 *       on the same index: p50, p99 and throughput at 1 and 8 clients;</li>
 *   <li>upsert: the gateway against the bare adapter, batches of 500 (1 client) and of 1 (16 clients);</li>
 *   <li>one tenant with 16 clients against 16 tenants with one client each, on Lucene and on a
 *       simulated remote backend (every data call takes {@code bench.remoteMillis}, 20 ms);</li>
 *   <li>resources: open indexes, heap and file descriptors with {@code bench.idlePartitions} idle
 *       placements on the adapter.</li>
 * </ul>
 * Prints a markdown table with the targets of issue 11, writes it to {@code target/bench/side-by-side.md}
 * and, unless {@code -Dbench.writeDocs=false}, into the marked block of {@code docs/benchmarks.md}.
 * Run with {@code ./mvnw -B -o -Pbench test -Dtest=SideBySideBenchmark}.
 */
@QuarkusTest
@TestProfile(SideBySideBenchmark.FewOpenIndexes.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SideBySideBenchmark {

    /** The gateway's Lucene keeps at most {@code bench.maxOpenIndexes} indexes open, as the adapter measured on its own does. */
    public static class FewOpenIndexes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.lucene.max-open-indexes", String.valueOf(MAX_OPEN_INDEXES));
        }
    }

    private static final int DIM = Integer.getInteger("bench.dim", 128);
    private static final int VECTORS = Integer.getInteger("bench.vectors", 5000);
    /**
     * Five (three before): where Lucene's merges land decides much of a write phase (a merge thread took a core in one of
     * three batch-500 phases of one side and in all three of the other, in one profiled run); more rounds narrow the median's spread.
     */
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    private static final long PHASE_MILLIS = Long.getLong("bench.phaseMillis", 3000);
    /** Each side's slice of a warm-up round (see {@link ClosedLoop#warmUp}); the longest warm-up of the search, of a write comparison. */
    private static final long WARMUP_SLICE_MILLIS = 2_000;
    private static final long SEARCH_WARMUP_MILLIS = Long.getLong("bench.searchWarmupMillis", 90_000);
    /**
     * 120 s (30 s before): with 30 s no write warm-up settled (the JIT compiled 22-61% of their last round and
     * 9-88% of the gateway's timed phases); batches of 500 settle in 56-105 s, when the code a request runs
     * only once per 500 vectors has been called often enough to be compiled.
     */
    private static final long WRITE_WARMUP_MILLIS = Long.getLong("bench.writeWarmupMillis", 120_000);
    private static final int TOP_K = Integer.getInteger("bench.topK", 10);
    private static final int REMOTE_MILLIS = Integer.getInteger("bench.remoteMillis", 20);
    private static final int TENANT_BATCH = Integer.getInteger("bench.tenantBatch", 10);
    /** Counts of idle placements to measure, comma-separated (e.g. 10000,100000). */
    private static final String IDLE_PARTITIONS = System.getProperty("bench.idlePartitions", "10000");
    private static final int MAX_OPEN_INDEXES = Integer.getInteger("bench.maxOpenIndexes", 256);
    private static final int TENANTS = Integer.getInteger("bench.tenants", 1000);
    private static final boolean WRITE_DOCS = Boolean.parseBoolean(System.getProperty("bench.writeDocs", "true"));
    /** Which parts to run (comma-separated: search, upsert, tenants, remote, resources); all by default. A partial run never writes the docs. */
    private static final List<String> ONLY = List.of(System.getProperty("bench.only", "search,upsert,tenants,remote,resources").split(","));
    private static final String DOCS_START = "<!-- side-by-side:start -->";
    private static final String DOCS_END = "<!-- side-by-side:end -->";

    @TestHTTPResource("/")
    URL base;
    @Inject
    BackendRegistry backends;
    @Inject
    PartitionDirectory directory;
    @Inject
    CollectionCatalog catalog;
    @Inject
    VectorService vectors;
    @Inject
    TenantCache tenants;
    @Inject
    MeterRegistry meters;

    private ClosedLoop.LeanHttp lean;
    /** The client the harness used before {@link ClosedLoop.LeanHttp}, kept for one reference row of the search. */
    private ClosedLoop.Http http;
    private final Random random = new Random(42);
    /** Heap of one open index, as the last idle-placement measurement found it. */
    private double lastOpenIndexKb;
    private float[][] centroids;

    @Test
    void measure() throws Exception {
        lean = new ClosedLoop.LeanHttp(base.toString());
        http = new ClosedLoop.Http(base.toString());
        centroids = new float[64][];
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = ClusteredVectors.gaussian(random, DIM, 1);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("Run of %s, Java %s, %d cores, load average at start %.1f; dim %d, COSINE, topK %d, %d vectors, "
                        + "%d alternating rounds of %d ms per phase.%n%n", java.time.LocalDate.now(), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), Measurements.loadAverage(), DIM, TOP_K, VECTORS, ROUNDS, PHASE_MILLIS));
        out.append("| measurement | gateway | in-process / bare | ratio | target |\n| --- | --- | --- | --- | --- |\n");
        if (ONLY.contains("search")) {
            search(out);
        }
        if (ONLY.contains("upsert")) {
            upserts(out);
        }
        if (ONLY.contains("tenants")) {
            tenants(out, "lucene", 0);
        }
        if (ONLY.contains("remote")) {
            tenants(out, FaultInjectingBackendFactory.KIND, REMOTE_MILLIS);
        }
        if (ONLY.contains("resources")) {
            resources(out);
            gatewayTenants(out);
        }
        out.append(String.format("%nLoad average at the end: %.1f.%n", Measurements.loadAverage()));
        System.out.println("\n" + out);
        Path report = Path.of("target", "bench", "side-by-side.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());
        if (WRITE_DOCS && ONLY.size() == 5) {
            writeDocs(out.toString());
        }
        lean.close();
        http.close();
    }

    // ---------------------------------------------------------------- search

    private void search(StringBuilder out) throws Exception {
        String collection = collection("lucene");
        String tenant = createTenant(uniqueTenantId("bench_search"), 10_000_000);
        unlimit(tenant);
        String key = readWriteKey(tenant);
        for (int i = 0; i < VECTORS; i += 500) {
            post("PUT", "/v1/collections/" + collection + "/vectors", key, upsertBody("v", i, Math.min(500, VECTORS - i)));
        }
        CollectionView view = catalog.require(collection);
        Placement placement = directory.tenantPartitions(collection, tenant).get(0).placementFor(view, tenant);
        VectorBackend backend = backends.get("lucene");
        float[][] queries = new float[500][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = point();
        }
        String[] bodies = Arrays.stream(queries).map(q -> "{\"vector\":" + json(q) + ",\"topK\":" + TOP_K + "}").toArray(String[]::new);
        String path = "/v1/collections/" + collection + "/search";
        byte[][] requests = Arrays.stream(bodies).map(body -> lean.encode("POST", path, key, body)).toArray(byte[][]::new);
        Call viaGateway = (client, n) -> lean.exchange(client, requests[(client * 7919 + n) % requests.length], 200);
        Call viaApache = (client, n) -> http.send("POST", path, key, bodies[(client * 7919 + n) % bodies.length]);
        Call inProcess = (client, n) -> backend.search(List.of(placement),
                new SearchQuery(queries[(client * 7919 + n) % queries.length], TOP_K, null, false, true));
        TenantView owner = tenants.get(tenant).orElseThrow();
        Call viaService = (client, n) -> vectors.search(owner, collection, new DataJson.SearchRequest(
                queries[(client * 7919 + n) % queries.length], TOP_K, null, null, null, null, null, null, null, null, null));
        ClosedLoop.Warmup warm = warmUp(SEARCH_WARMUP_MILLIS, 8, viaGateway, inProcess, viaService, viaApache);
        for (int clients : new int[] {1, 8}) {
            List<List<Phase>> rounds = alternate(clients, viaGateway, inProcess, viaService, viaApache);
            List<Phase> gateway = rounds.get(0);
            List<Phase> bare = rounds.get(1);
            double gP50 = median(gateway, Phase::p50);
            double bP50 = median(bare, Phase::p50);
            double gP99 = median(gateway, Phase::p99);
            double bP99 = median(bare, Phase::p99);
            double gQps = median(gateway, Phase::perSecond);
            double bQps = median(bare, Phase::perSecond);
            if (clients == 1) {
                row(out, "search p50, 1 client (ms)", gP50, bP50, String.format("%+.2f ms", gP50 - bP50), "at most +0.3 ms");
                row(out, "search p99, 1 client (ms)", gP99, bP99, String.format("%+.2f ms", gP99 - bP99), "at most +1 ms");
                double sP50 = median(rounds.get(2), Phase::p50);
                row(out, " ↳ p50 of VectorService called in-process: no HTTP, JSON or auth (ms)", sP50, bP50,
                        String.format("%+.2f ms", sP50 - bP50), "(where the time goes)");
            }
            row(out, "search throughput, " + clients + (clients == 1 ? " client" : " clients") + " (QPS)", gQps, bQps,
                    String.format("%.3fx", gQps / bQps), clients == 8 ? "at least 0.8x" : "");
            List<Phase> apache = rounds.get(3);
            double aQps = median(apache, Phase::perSecond);
            row(out, " ↳ the same through Apache HttpClient 4.5, the harness's client before (QPS; p50 ms)",
                    String.format("%.2f; %.2f", aQps, median(apache, Phase::p50)), String.format("%.2f; %.2f", bQps, bP50),
                    String.format("%.3fx", aQps / bQps), "(what the load generator's own CPU takes)");
            if (clients == 8) {
                out.append(String.format("|  ↳ CPU per search, 8 clients: the calling threads + the rest of the JVM (µs); "
                                + "through Apache HttpClient | "
                                + "%.0f + %.0f; %.0f + %.0f | %.0f + %.0f | | (for the gateway: the HTTP client + the server) |%n",
                        median(gateway, Phase::clientCpuMicros), median(gateway, Phase::restCpuMicros),
                        median(apache, Phase::clientCpuMicros), median(apache, Phase::restCpuMicros),
                        median(bare, Phase::clientCpuMicros), median(bare, Phase::restCpuMicros)));
                out.append(String.format("|  ↳ heap allocated per search, 8 clients: the calling threads + the rest of the JVM (KB) | "
                                + "%.1f + %.1f | %.1f + %.1f | | (for the gateway: the HTTP client + the server) |%n",
                        median(gateway, Phase::clientAllocatedKb), median(gateway, Phase::restAllocatedKb),
                        median(bare, Phase::clientAllocatedKb), median(bare, Phase::restAllocatedKb)));
                warmedUp(out, warm, gateway, bare);
            }
        }
    }

    // ---------------------------------------------------------------- upserts

    /**
     * One tenant's writes through the gateway and writes of the same batches to a placement of the bare
     * adapter; the payloads are made before each phase's clock starts, on both sides: encoding 500 vectors
     * as JSON is the client's work rather than the gateway's, and drawing random vectors is neither side's.
     */
    private record UpsertSides(Prepared<byte[]> bodies, Prepared<List<VectorRecord>> batches, Call viaGateway, Call direct) {
    }

    private UpsertSides upsertSides(String collection, int batch, AtomicInteger ids) throws Exception {
        String tenant = createTenant(uniqueTenantId("bench_upsert"), 100_000_000);
        unlimit(tenant);
        String key = readWriteKey(tenant);
        VectorBackend backend = backends.get("lucene");
        Placement bare = Placement.dedicated(catalog.require(collection).spec(),
                "bare_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8), tenant);
        backend.ensurePartition(bare);
        String path = "/v1/collections/" + collection + "/vectors";
        int ahead = (int) (PHASE_MILLIS / 1000 + 1) * (batch == 1 ? 4_000 : 30);
        Prepared<byte[]> bodies = new Prepared<>(ahead, () -> lean.encode("PUT", path, key, upsertBody("g", ids.getAndAdd(batch), batch)));
        Prepared<List<VectorRecord>> batches = new Prepared<>(ahead, () -> records("b", ids.getAndAdd(batch), batch));
        return new UpsertSides(bodies, batches, (client, n) -> lean.exchange(client, bodies.next(), 200),
                (client, n) -> backend.upsert(bare, batches.next()));
    }

    private void upserts(StringBuilder out) throws Exception {
        String collection = collection("lucene");
        AtomicInteger ids = new AtomicInteger();
        for (int batch : new int[] {500, 1}) {
            int clients = batch == 1 ? 16 : 1;
            // The warm-up writes to a tenant and a placement of its own, so that the timed phases start on
            // empty indexes, as they did before the warm-up ran until the JIT settled.
            UpsertSides warming = upsertSides(collection, batch, ids);
            ClosedLoop.Warmup warm = ClosedLoop.warmUp(WRITE_WARMUP_MILLIS,
                    () -> warming.bodies().around(() -> ClosedLoop.run(clients, WARMUP_SLICE_MILLIS, -1, warming.viaGateway())),
                    () -> warming.batches().around(() -> ClosedLoop.run(clients, WARMUP_SLICE_MILLIS, -1, warming.direct())));
            UpsertSides timed = upsertSides(collection, batch, ids);
            Prepared<byte[]> bodies = timed.bodies();
            Prepared<List<VectorRecord>> batches = timed.batches();
            Call viaGateway = timed.viaGateway();
            Call direct = timed.direct();
            List<Phase> gateway = new ArrayList<>();
            List<Phase> adapter = new ArrayList<>();
            ServerTimes server = new ServerTimes();
            for (int round = 0; round < ROUNDS; round++) {
                if (round % 2 == 0) {
                    gateway.add(server.around(() -> bodies.around(() -> run(clients, viaGateway))));
                    adapter.add(batches.around(() -> run(clients, direct)));
                } else {
                    adapter.add(batches.around(() -> run(clients, direct)));
                    gateway.add(server.around(() -> bodies.around(() -> run(clients, viaGateway))));
                }
            }
            if (bodies.madeLate() + batches.madeLate() > 0) {
                out.append(String.format("(batches of %d: %d payloads were made inside a phase, which outran the ones made ahead)%n",
                        batch, bodies.madeLate() + batches.madeLate()));
            }
            double g = median(gateway, Phase::perSecond) * batch;
            double a = median(adapter, Phase::perSecond) * batch;
            row(out, "upsert, batches of " + batch + ", " + clients + (clients == 1 ? " client" : " clients") + " (vectors/s)", g, a,
                    String.format("%.3fx", g / a), batch == 500 ? "at least 0.8x" : "at least 5x main's gateway figure (compare runs)");
            out.append(String.format("|  ↳ mean per request (ms): at the client; in the server, from its arrival to its response; of which "
                            + "the backend's upsert | %.1f; %.1f; %.1f | %.1f | | (where the time goes) |%n",
                    meanMillis(gateway), server.requestMillis(), server.backendMillis(), meanMillis(adapter)));
            warmedUp(out, warm, gateway, adapter);
        }
    }

    /** The mean time of a call over all of these phases' calls, as the timers' means are (ms). */
    private static double meanMillis(List<Phase> phases) {
        return phases.stream().flatMapToLong(p -> Arrays.stream(p.sortedNanos())).average().orElse(0) / 1e6;
    }

    /**
     * The gateway's own timers of its successful upsert requests ({@code gateway.requests}: from a request's
     * arrival to its response) and of its backend's upsert calls ({@code gateway.backend.calls}), summed over
     * the phases run {@link #around} (the bare adapter's calls go through the same metered backend, so they
     * are read around the gateway's phases only).
     */
    private final class ServerTimes {
        private final double[] requests = new double[2];
        private final double[] calls = new double[2];

        <T> T around(Callable<T> phase) throws Exception {
            double[] r0 = timers("gateway.requests", "operation", "upsertVectors");
            double[] c0 = timers("gateway.backend.calls", "operation", "upsert");
            T result = phase.call();
            double[] r1 = timers("gateway.requests", "operation", "upsertVectors");
            double[] c1 = timers("gateway.backend.calls", "operation", "upsert");
            for (int i = 0; i < 2; i++) {
                requests[i] += r1[i] - r0[i];
                calls[i] += c1[i] - c0[i];
            }
            return result;
        }

        double requestMillis() {
            return requests[1] / Math.max(1, requests[0]);
        }

        double backendMillis() {
            return calls[1] / Math.max(1, calls[0]);
        }

        /** Count and total milliseconds of the successful calls of every timer of this name with these tags. */
        private double[] timers(String name, String... tags) {
            double[] sum = new double[2];
            meters.find(name).tags(tags).tag("outcome", "ok").timers().forEach(t -> {
                sum[0] += t.count();
                sum[1] += t.totalTime(TimeUnit.MILLISECONDS);
            });
            return sum;
        }
    }

    // ---------------------------------------------------------------- one tenant x 16 vs 16 tenants

    /** Writes of one tenant from 16 clients, and of 16 tenants from one client each; all of them new tenants. */
    private Call[] tenantSides(String path, AtomicInteger ids) throws Exception {
        String one = readWriteKey(unlimit(createTenant(uniqueTenantId("bench_one"), 100_000_000)));
        String[] many = new String[16];
        for (int i = 0; i < many.length; i++) {
            many[i] = readWriteKey(unlimit(createTenant(uniqueTenantId("bench_many"), 100_000_000)));
            post("PUT", path, many[i], upsertBody("seed", ids.getAndIncrement(), 1));
        }
        post("PUT", path, one, upsertBody("seed", ids.getAndIncrement(), 1));
        return new Call[] {
                (client, n) -> send(client, "PUT", path, one, upsertBody("o", ids.getAndAdd(TENANT_BATCH), TENANT_BATCH)),
                (client, n) -> send(client, "PUT", path, many[client], upsertBody("m", ids.getAndAdd(TENANT_BATCH), TENANT_BATCH))};
    }

    private void tenants(StringBuilder out, String kind, int remoteMillis) throws Exception {
        String collection = collection(kind);
        String path = "/v1/collections/" + collection + "/vectors";
        AtomicInteger ids = new AtomicInteger();
        // The warm-up writes to tenants of its own, so that the timed phases start on new tenants' empty indexes.
        Call[] warming = tenantSides(path, ids);
        Call[] timed = tenantSides(path, ids);
        Call oneTenant = timed[0];
        Call manyTenants = timed[1];
        if (remoteMillis > 0) {
            Faults.slow(Duration.ofMillis(remoteMillis));
        }
        try {
            ClosedLoop.Warmup warm = warmUp(WRITE_WARMUP_MILLIS, 16, warming[0], warming[1]);
            List<Phase> single = new ArrayList<>();
            List<Phase> spread = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                if (round % 2 == 0) {
                    single.add(run(16, oneTenant));
                    spread.add(run(16, manyTenants));
                } else {
                    spread.add(run(16, manyTenants));
                    single.add(run(16, oneTenant));
                }
            }
            double s = median(single, Phase::perSecond);
            double m = median(spread, Phase::perSecond);
            String backend = remoteMillis > 0 ? "simulated remote backend (" + remoteMillis + " ms per call)" : "Lucene";
            row(out, "1 tenant x 16 clients vs 16 tenants x 1, batches of " + TENANT_BATCH + ", " + backend + " (requests/s)", s, m,
                    String.format("%.3fx", s / m), "at least 0.8x");
            out.append(String.format("|  ↳ p99 of the one tenant / of the 16 (ms) | %.1f | %.1f | | |%n",
                    median(single, Phase::p99), median(spread, Phase::p99)));
            warmedUp(out, warm, single, spread);
            if (remoteMillis == 0) {
                bareTenants(out, collection);
            }
        } finally {
            Faults.heal();
        }
    }

    /**
     * The same comparison on the bare adapter (one placement written by 16 threads against 16 placements
     * written by one thread each), to tell the gateway's share of the ratio from the index's own: one
     * index sixteen times the size flushes and merges more per vector.
     */
    private void bareTenants(StringBuilder out, String collection) throws Exception {
        VectorBackend backend = backends.get("lucene");
        CollectionSpec spec = catalog.require(collection).spec();
        String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        Placement one = Placement.dedicated(spec, "bare_one_" + run, "one_" + run);
        Placement[] many = new Placement[16];
        backend.ensurePartition(one);
        for (int i = 0; i < many.length; i++) {
            many[i] = Placement.dedicated(spec, "bare_many_" + run + "_" + i, "many_" + run + "_" + i);
            backend.ensurePartition(many[i]);
        }
        AtomicInteger ids = new AtomicInteger();
        Call oneIndex = (client, n) -> backend.upsert(one, records("o", ids.getAndAdd(TENANT_BATCH), TENANT_BATCH));
        Call manyIndexes = (client, n) -> backend.upsert(many[client], records("m", ids.getAndAdd(TENANT_BATCH), TENANT_BATCH));
        List<List<Phase>> rounds = alternate(16, oneIndex, manyIndexes);
        double s = median(rounds.get(0), Phase::perSecond);
        double m = median(rounds.get(1), Phase::perSecond);
        row(out, " ↳ the same on the bare adapter: 1 placement x 16 threads vs 16 placements x 1 (calls/s)", s, m,
                String.format("%.3fx", s / m), "(the index's own share)");
    }

    // ---------------------------------------------------------------- resources

    /**
     * Idle placements on a Lucene adapter of its own, with at most {@code bench.maxOpenIndexes} open (the
     * gateway's {@code gateway.lucene.max-open-indexes}): each placement is created and written once, the
     * least recently used are closed. The heap of an idle placement is the growth from {@code cap}
     * placements (all open) to N (still {@code cap} open), divided by the N - cap closed ones. The indexes
     * live on tmpfs when there is one: 100,000 commits with fsync would take the run's time and measure the
     * disk, while heap and descriptors do not depend on it.
     */
    private void resources(StringBuilder out) throws Exception {
        for (String count : IDLE_PARTITIONS.split(",")) {
            int partitions = Integer.parseInt(count.trim());
            Path shm = Path.of("/dev/shm");
            Path root = Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                    "pgw-idle-");
            LuceneBackend lucene = new LuceneBackend(root, new LuceneBackend.Options(16, 100, 100, MAX_OPEN_INDEXES));
            try {
                idle(out, lucene, partitions, root);
            } finally {
                lucene.close();
                try (var files = Files.walk(root)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    /**
     * Heap of the gateway per tenant that has a key, wrote one vector and searched once, with everything
     * of it still in the caches (tenant, key, directory, limits, partition statistics): the most an idle
     * tenant holds until its cache entries expire ({@code gateway.auth.cache-ttl}) and the statistics flush
     * forgets its quiet partition. Its index is closed by the adapter's cap like any idle one.
     */
    private void gatewayTenants(StringBuilder out) throws Exception {
        String collection = collection("lucene");
        String path = "/v1/collections/" + collection;
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            keys.add(readWriteKey(createTenant(uniqueTenantId("bench_idle"), 1000)));
        }
        long heapBefore = usedHeapSettled();
        long started = System.nanoTime();
        for (String key : keys) {
            post("PUT", path + "/vectors", key, upsertBody("i", 0, 1));
            post("POST", path + "/search", key, "{\"vector\":" + json(point()) + ",\"topK\":1}");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long heapAfter = usedHeapWhenIdle();
        out.append(String.format("| %,d tenants through the gateway, each with a key and one partition written once and searched once "
                        + "(%.0f s): heap per tenant, everything of it cached, at most %d indexes open | %.1f KB | | | "
                        + "(an idle tenant's entries then expire) |%n",
                TENANTS, seconds, MAX_OPEN_INDEXES, (heapAfter - heapBefore) / 1024.0 / TENANTS));
        out.append(String.format("|  ↳ the gateway's Lucene backend | %s | | | |%n", backends.get("lucene").health().detail().replaceAll("^.*, ", "")));
        if (lastOpenIndexKb > 0) {
            double own = (heapAfter - heapBefore) / 1024.0 / TENANTS - Math.min(TENANTS, MAX_OPEN_INDEXES) * lastOpenIndexKb / TENANTS;
            out.append(String.format("|  ↳ of which the gateway's own (less the open indexes, at the adapter's size above) | %.1f KB | | | |%n", own));
        }
    }

    private void idle(StringBuilder out, LuceneBackend lucene, int partitions, Path root) throws Exception {
        CollectionSpec spec = new CollectionSpec("bench_idle", DIM, Metric.COSINE);
        lucene.ensureCollection(spec);
        long heapBefore = usedHeapSettled();
        long fdsBefore = openFileDescriptors();
        long started = System.nanoTime();
        long heapAtCap = 0;
        for (int i = 0; i < partitions; i++) {
            if (i == MAX_OPEN_INDEXES) {
                heapAtCap = usedHeapWhenIdle();
            }
            Placement placement = Placement.dedicated(spec, "p" + i, "t" + i);
            lucene.ensurePartition(placement);
            lucene.upsert(placement, records("r", 0, 1));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long heapAtEnd = usedHeapWhenIdle();
        long fds = openFileDescriptors() - fdsBefore;
        // A search of a placement closed long ago reopens it (and closes the least recently used one).
        SearchQuery query = new SearchQuery(point(), TOP_K, null, false, true);
        long[] reopen = new long[50];
        long[] open = new long[50];
        for (int i = 0; i < reopen.length; i++) {
            Placement cold = Placement.dedicated(spec, "p" + i, "t" + i);
            long t0 = System.nanoTime();
            lucene.search(List.of(cold), query);
            reopen[i] = System.nanoTime() - t0;
            Placement warm = Placement.dedicated(spec, "p" + (partitions - 1), "t" + (partitions - 1));
            t0 = System.nanoTime();
            lucene.search(List.of(warm), query);
            open[i] = System.nanoTime() - t0;
        }
        Arrays.sort(reopen);
        Arrays.sort(open);
        String what = String.format("%,d placements on the adapter, at most %d open (each created and written once, %.0f s, %s)", partitions,
                MAX_OPEN_INDEXES, seconds, root.startsWith("/dev/shm") ? "tmpfs" : "disk");
        out.append(String.format("| %s: heap per idle placement | %.3f KB | | | under 1 KB per idle partition |%n", what,
                (heapAtEnd - heapAtCap) / 1024.0 / (partitions - MAX_OPEN_INDEXES)));
        lastOpenIndexKb = (heapAtCap - heapBefore) / 1024.0 / MAX_OPEN_INDEXES;
        out.append(String.format("|  ↳ heap of the %d open ones, each | %.1f KB | | | |%n", MAX_OPEN_INDEXES, lastOpenIndexKb));
        out.append(String.format("|  ↳ file descriptors held, in total | %d | | | bounded by the cap (two per open placement: its lock and its log) |%n", fds));
        out.append(String.format("|  ↳ search p50 of an idle placement (reopened) / of an open one (ms) | %.2f | %.2f | | |%n",
                Measurements.percentileMs(reopen, 50), Measurements.percentileMs(open, 50)));
        out.append(String.format("|  ↳ backend health | %s | | | |%n", lucene.health().detail().replace(root.toString(), "<root>")));
    }

    // ---------------------------------------------------------------- plumbing

    /** Payloads made ahead of each phase, so that the phase does not time their making; made on the spot if it outruns them. */
    private static final class Prepared<T> {
        private final int ahead;
        private final java.util.function.Supplier<T> make;
        private final java.util.concurrent.ConcurrentLinkedQueue<T> ready = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final AtomicInteger late = new AtomicInteger();

        Prepared(int ahead, java.util.function.Supplier<T> make) {
            this.ahead = ahead;
            this.make = make;
        }

        Phase around(Callable<Phase> phase) throws Exception {
            ready.clear();
            for (int i = 0; i < ahead; i++) {
                ready.add(make.get());
            }
            try {
                return phase.call();
            } finally {
                ready.clear();
            }
        }

        T next() {
            T payload = ready.poll();
            if (payload != null) {
                return payload;
            }
            late.incrementAndGet();
            return make.get();
        }

        int madeLate() {
            return late.get();
        }
    }

    /** Untimed slices of every call from {@code clients} clients until the JIT has compiled what they run ({@link ClosedLoop#warmUp}). */
    private static ClosedLoop.Warmup warmUp(long maxMillis, int clients, Call... calls) throws Exception {
        List<Callable<Phase>> slices = new ArrayList<>();
        for (Call call : calls) {
            slices.add(() -> ClosedLoop.run(clients, WARMUP_SLICE_MILLIS, -1, call));
        }
        return ClosedLoop.warmUp(maxMillis, slices.toArray(Callable[]::new));
    }

    /** A row saying how long the comparison warmed up, and how much the JIT still compiled during its timed phases. */
    private static void warmedUp(StringBuilder out, ClosedLoop.Warmup warm, List<Phase> left, List<Phase> right) {
        out.append(String.format("|  ↳ untimed warm-up: %d rounds, %.1f s, the JIT compiling %.1f%% of its last round%s; "
                        + "the JIT compiling during the timed phases (%% of their time) | %.1f%% | %.1f%% | | |%n",
                warm.rounds(), warm.millis() / 1000.0, 100 * warm.lastCompileShare(), warm.settled() ? "" : " (**not settled**)",
                100 * median(left, Phase::compileShare), 100 * median(right, Phase::compileShare)));
    }

    private Phase run(int clients, Call call) throws Exception {
        return ClosedLoop.run(clients, PHASE_MILLIS, -1, call);
    }

    private Phase run(int clients, int requests, Call call) throws Exception {
        return ClosedLoop.run(clients, PHASE_MILLIS, requests, call);
    }

    private List<List<Phase>> alternate(int clients, Call... calls) throws Exception {
        return ClosedLoop.alternate(ROUNDS, clients, PHASE_MILLIS, calls);
    }

    /** A request of the set-up, outside any phase (on a connection of its own). */
    private void post(String method, String path, String key, String body) throws IOException {
        send(-1, method, path, key, body);
    }

    private void send(int client, String method, String path, String key, String body) throws IOException {
        lean.exchange(client, lean.encode(method, path, key, body), 200);
    }

    private String collection(String kind) {
        String name = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", name, "dimension", DIM, "metric", "COSINE", "backend", kind))
                .post("/v1/admin/collections").then().statusCode(201);
        return name;
    }

    /** Lifts the per-tenant rate limits, which would otherwise be what the figures measure. */
    private static String unlimit(String tenant) {
        asOperator().body(Map.of("limits", Map.of("requestsPerSecond", 1_000_000, "vectorsPerSecond", 100_000_000, "maxConcurrentRequests", 64)))
                .patch("/v1/admin/tenants/" + tenant).then().statusCode(200);
        return tenant;
    }

    private float[] point() {
        synchronized (random) {
            return ClusteredVectors.near(random, centroids[random.nextInt(centroids.length)], 0.5);
        }
    }

    private List<VectorRecord> records(String prefix, int first, int count) {
        List<VectorRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(new VectorRecord(prefix + (first + i), point(), Map.of()));
        }
        return records;
    }

    private String upsertBody(String prefix, int first, int count) {
        return ClusteredVectors.upsertBody(prefix, first, count, this::point);
    }

    private static String json(float[] vector) {
        return ClusteredVectors.json(vector);
    }

    private static double median(List<Phase> phases, java.util.function.ToDoubleFunction<Phase> figure) {
        return ClosedLoop.median(phases, figure);
    }

    private static void row(StringBuilder out, String what, double gateway, double bare, String ratio, String target) {
        row(out, what, String.format("%.2f", gateway), String.format("%.2f", bare), ratio, target);
    }

    private static void row(StringBuilder out, String what, String gateway, String bare, String ratio, String target) {
        out.append(String.format("| %s | %s | %s | %s | %s |%n", what, gateway, bare, ratio, target));
    }

    /**
     * The heap once the open placements are idle: the adapter's background checkpoint (every
     * second) has committed their last writes, which frees the writer's buffers of each.
     */
    private static long usedHeapWhenIdle() throws InterruptedException {
        Thread.sleep(LuceneBackend.Options.DEFAULT_CHECKPOINT_INTERVAL.multipliedBy(3).toMillis());
        return usedHeapAfterGc();
    }

    /**
     * The heap once it stops shrinking: the sections before leave the gateway's own indexes merging and
     * checkpointing for a while, and a baseline taken meanwhile made the growth it is subtracted from
     * come out negative (-78 KB per open placement in one run).
     */
    private static long usedHeapSettled() throws InterruptedException {
        long last = usedHeapWhenIdle();
        for (int i = 0; i < 10; i++) {
            long now = usedHeapWhenIdle();
            if (Math.abs(now - last) < 512 * 1024) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long openFileDescriptors() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static void writeDocs(String table) throws IOException {
        Path docs = Path.of("docs", "benchmarks.md");
        String text = Files.readString(docs, StandardCharsets.UTF_8);
        int start = text.indexOf(DOCS_START);
        int end = text.indexOf(DOCS_END);
        if (start < 0 || end < start) {
            System.out.println("docs/benchmarks.md has no " + DOCS_START + " block; not updated");
            return;
        }
        Files.writeString(docs, text.substring(0, start + DOCS_START.length()) + "\n" + table + text.substring(end), StandardCharsets.UTF_8);
    }
}
