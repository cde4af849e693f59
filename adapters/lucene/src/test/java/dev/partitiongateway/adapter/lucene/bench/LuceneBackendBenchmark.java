package dev.partitiongateway.adapter.lucene.bench;

import static dev.partitiongateway.bench.ClusteredVectors.gaussian;
import static dev.partitiongateway.bench.ClusteredVectors.near;
import static dev.partitiongateway.bench.Measurements.loadAverage;
import static dev.partitiongateway.bench.Measurements.percentileMs;

import dev.partitiongateway.adapter.lucene.LuceneBackend;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Benchmark of the embedded Lucene backend through the SPI only (no HTTP, no PostgreSQL).
 *
 * <p>Not a test: it asserts nothing about speed (speed targets belong in docs/benchmarks.md, not in
 * timed unit tests). Surefire skips classes named {@code *Benchmark} unless the {@code bench} profile
 * is active:
 * <pre>./mvnw -B -o -Pbench test -Dtest=LuceneBackendBenchmark</pre>
 * Parameters are system properties ({@code -Dbench.n=50000} etc., see {@link Params}).
 *
 * <p>What it measures, per metric: bulk upsert throughput into one placement of a fresh backend,
 * index size on disk, heap after indexing, single-threaded search latency and QPS, and recall@k
 * against an exact brute-force top-k computed here with the SPI's normalised score definitions,
 * without and with a selective metadata filter. Filtered recall is the interesting one: an adapter
 * that post-filtered the HNSW candidates would return far fewer than k true neighbours.
 */
class LuceneBackendBenchmark {

    /** Benchmark parameters, each overridable with {@code -Dbench.<name>=...}. */
    record Params(int n, int dim, int batch, int queries, int warmup, int topK, int clusters, float noise, int tagValues,
                  long seed, List<Metric> metrics, int efSearch, int indexWarmup) {
        static Params fromSystemProperties() {
            List<Metric> metrics = Arrays.stream(System.getProperty("bench.metrics", "COSINE,L2").split(","))
                    .map(String::trim).filter(s -> !s.isEmpty()).map(Metric::valueOf).toList();
            return new Params(
                    Integer.getInteger("bench.n", 50_000),
                    Integer.getInteger("bench.dim", 128),
                    Integer.getInteger("bench.batch", 1_000),
                    Integer.getInteger("bench.queries", 500),
                    Integer.getInteger("bench.warmup", 500),
                    Integer.getInteger("bench.topK", 10),
                    Integer.getInteger("bench.clusters", 64),
                    // Noise around a centroid, relative to the centroids' own spread (1.0): higher is harder for HNSW.
                    Float.parseFloat(System.getProperty("bench.noise", "0.5")),
                    // 20 equally likely tag values: a filter on one of them keeps ~5% of the records.
                    Integer.getInteger("bench.tagValues", 20),
                    Long.getLong("bench.seed", 42L),
                    metrics,
                    Integer.getInteger("bench.efSearch", LuceneBackend.Options.DEFAULTS.searchCandidates()),
                    // Records indexed (untimed, into a throwaway placement) before the timed upsert, so that
                    // the first metric is not charged for JIT compilation of the indexing path.
                    Integer.getInteger("bench.indexWarmup", 5_000));
        }
    }

    /** One row of the result table. */
    record Row(Metric metric, String variant, int queries, double p50Ms, double p95Ms, double p99Ms, double qps,
               double recall, double meanMatched) {
    }

    /** Indexing figures of one metric. */
    record IndexStats(Metric metric, double seconds, double vectorsPerSecond, long indexBytes, long segments, long heapBytes) {
    }

    private static final String TAG = "tag";
    private static final String FILTER_TAG = "t07";

    @Test
    void run() throws IOException {
        Params p = Params.fromSystemProperties();
        double loadBefore = loadAverage();
        Dataset data = Dataset.generate(p);
        System.out.printf(Locale.ROOT, "%nLucene backend benchmark: n=%d dim=%d batch=%d queries=%d warmup=%d topK=%d "
                        + "clusters=%d noise=%.2f seed=%d efSearch=%d hnswM=%d beamWidth=%d; filter %s=%s keeps %d records (%.1f%%)%n",
                p.n(), p.dim(), p.batch(), p.queries(), p.warmup(), p.topK(), p.clusters(), p.noise(), p.seed(), p.efSearch(),
                LuceneBackend.Options.DEFAULTS.hnswM(), LuceneBackend.Options.DEFAULTS.hnswBeamWidth(),
                TAG, FILTER_TAG, data.filteredCount(), 100.0 * data.filteredCount() / p.n());

        List<IndexStats> indexing = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (Metric metric : p.metrics()) {
            runMetric(p, data, metric, indexing, rows);
        }
        String report = report(p, data, indexing, rows)
                + String.format(Locale.ROOT, "%nMachine: %d CPUs visible to the JVM, %s; 1-minute load average %.2f before, %.2f after "
                        + "(above the CPU count means other processes competed for the CPUs).%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                loadBefore, loadAverage());
        System.out.println(report);
        Path out = Path.of("target", "bench", "lucene-benchmark.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println("(also written to " + out.toAbsolutePath() + ")");
    }

    private void runMetric(Params p, Dataset data, Metric metric, List<IndexStats> indexing, List<Row> rows) throws IOException {
        Path dir = Files.createTempDirectory("lucene-bench-");
        LuceneBackend.Options options = new LuceneBackend.Options(
                LuceneBackend.Options.DEFAULTS.hnswM(), LuceneBackend.Options.DEFAULTS.hnswBeamWidth(), p.efSearch());
        try (LuceneBackend backend = new LuceneBackend(dir, options)) {
            CollectionSpec spec = new CollectionSpec("bench", p.dim(), metric);
            Placement placement = Placement.dedicated(spec, "p0", "tenant_a");
            backend.ensureCollection(spec);
            backend.ensurePartition(placement);

            Placement throwaway = Placement.dedicated(spec, "warmup", "tenant_a");
            backend.ensurePartition(throwaway);
            List<List<VectorRecord>> warmBatches = data.batches(p.batch());
            for (List<VectorRecord> batch : warmBatches.subList(0, Math.min(warmBatches.size(), p.indexWarmup() / p.batch()))) {
                backend.upsert(throwaway, batch);
            }
            backend.dropPartition(throwaway);

            // --- Upsert: the records are built before the clock starts, so only the backend is timed.
            List<List<VectorRecord>> batches = data.batches(p.batch());
            long start = System.nanoTime();
            for (List<VectorRecord> batch : batches) {
                backend.upsert(placement, batch);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long indexBytes = sizeOnDisk(dir);
            long segments = segmentCount(dir);
            long heap = usedHeapAfterGc();
            indexing.add(new IndexStats(metric, seconds, p.n() / seconds, indexBytes, segments, heap));
            System.out.printf(Locale.ROOT, "[%s] upserted %d in %.1f s%n", metric, p.n(), seconds);

            // --- Exact answers, computed before any timed search so that they do not disturb it.
            List<List<String>> truth = data.exactTopK(metric, p.topK(), false);
            List<List<String>> truthFiltered = data.exactTopK(metric, p.topK(), true);

            // --- Warm-up: JIT, page cache of the memory-mapped index. Its own query vectors, not timed.
            Filter filter = new Filter.Compare(TAG, FilterOperator.EQ, FILTER_TAG);
            for (float[] q : data.warmupQueries()) {
                backend.search(List.of(placement), new SearchQuery(q, p.topK(), null, false, false));
                backend.search(List.of(placement), new SearchQuery(q, p.topK(), filter, false, false));
            }

            rows.add(measure(backend, placement, data, metric, "unfiltered", null, truth, p.topK()));
            rows.add(measure(backend, placement, data, metric, "filter " + TAG + "=" + FILTER_TAG + " (~"
                    + Math.round(100.0 * data.filteredCount() / p.n()) + "%)", filter, truthFiltered, p.topK()));
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Runs every measured query once, single-threaded, timing each call. */
    private Row measure(LuceneBackend backend, Placement placement, Dataset data, Metric metric, String variant, Filter filter,
                        List<List<String>> truth, int topK) {
        float[][] queries = data.queries();
        long[] nanos = new long[queries.length];
        List<List<Match>> answers = new ArrayList<>(queries.length);
        long start = System.nanoTime();
        for (int i = 0; i < queries.length; i++) {
            long t0 = System.nanoTime();
            List<Match> result = backend.search(List.of(placement), new SearchQuery(queries[i], topK, filter, false, false));
            nanos[i] = System.nanoTime() - t0;
            answers.add(result);
        }
        double total = (System.nanoTime() - start) / 1e9;

        double recallSum = 0;
        long matched = 0;
        for (int i = 0; i < queries.length; i++) {
            Set<String> expected = new HashSet<>(truth.get(i));
            List<Match> got = answers.get(i);
            matched += got.size();
            long hits = got.stream().map(Match::id).filter(expected::contains).count();
            // recall@k: share of the true top k that came back (the true set is never empty here).
            recallSum += (double) hits / expected.size();
        }
        Arrays.sort(nanos);
        return new Row(metric, variant, queries.length, percentileMs(nanos, 50), percentileMs(nanos, 95), percentileMs(nanos, 99),
                queries.length / total, recallSum / queries.length, (double) matched / queries.length);
    }

    // ------------------------------------------------------------------ data

    /**
     * Clustered synthetic vectors: random Gaussian centroids plus Gaussian noise. Pure uniform noise in
     * 128 dimensions makes every point nearly equidistant, which is unrealistically hard for HNSW and
     * makes recall meaningless; clusters give the neighbourhood structure that real embeddings have.
     */
    record Dataset(Params p, float[][] vectors, String[] tags, float[][] queries, float[][] warmupQueries, int filteredCount) {

        static Dataset generate(Params p) {
            Random random = new Random(p.seed());
            float[][] centroids = new float[p.clusters()][];
            for (int c = 0; c < centroids.length; c++) {
                centroids[c] = gaussian(random, p.dim(), 1.0f);
            }
            float[][] vectors = new float[p.n()][];
            String[] tags = new String[p.n()];
            int filtered = 0;
            for (int i = 0; i < p.n(); i++) {
                vectors[i] = near(random, centroids[random.nextInt(centroids.length)], p.noise());
                tags[i] = String.format(Locale.ROOT, "t%02d", random.nextInt(p.tagValues()));
                if (tags[i].equals(FILTER_TAG)) {
                    filtered++;
                }
            }
            // Queries come from the same distribution but are not records of the index.
            float[][] queries = new float[p.queries()][];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = near(random, centroids[random.nextInt(centroids.length)], p.noise());
            }
            float[][] warmup = new float[p.warmup()][];
            for (int i = 0; i < warmup.length; i++) {
                warmup[i] = near(random, centroids[random.nextInt(centroids.length)], p.noise());
            }
            return new Dataset(p, vectors, tags, queries, warmup, filtered);
        }



        List<List<VectorRecord>> batches(int batchSize) {
            List<List<VectorRecord>> batches = new ArrayList<>();
            for (int from = 0; from < vectors.length; from += batchSize) {
                List<VectorRecord> batch = new ArrayList<>(batchSize);
                for (int i = from; i < Math.min(vectors.length, from + batchSize); i++) {
                    batch.add(new VectorRecord(id(i), vectors[i], Map.of(TAG, tags[i])));
                }
                batches.add(batch);
            }
            return batches;
        }

        static String id(int i) {
            return "v" + i;
        }

        /** Exact top k ids per measured query, by the SPI's normalised score (higher is better). */
        List<List<String>> exactTopK(Metric metric, int k, boolean filtered) {
            float[] norms = new float[vectors.length];
            for (int i = 0; i < vectors.length; i++) {
                norms[i] = (float) Math.sqrt(dot(vectors[i], vectors[i]));
            }
            List<List<String>> result = new ArrayList<>(queries.length);
            for (float[] q : queries) {
                float qNorm = (float) Math.sqrt(dot(q, q));
                // A bounded min-heap of (score, index) would be faster; a partial sort of candidates is
                // plenty fast for 50k x 500 and is easier to check by eye.
                int[] best = new int[k];
                float[] bestScore = new float[k];
                Arrays.fill(bestScore, Float.NEGATIVE_INFINITY);
                Arrays.fill(best, -1);
                for (int i = 0; i < vectors.length; i++) {
                    if (filtered && !tags[i].equals(FILTER_TAG)) {
                        continue;
                    }
                    float score = score(metric, q, qNorm, vectors[i], norms[i]);
                    if (score > bestScore[k - 1]) {
                        int pos = k - 1;
                        while (pos > 0 && bestScore[pos - 1] < score) {
                            bestScore[pos] = bestScore[pos - 1];
                            best[pos] = best[pos - 1];
                            pos--;
                        }
                        bestScore[pos] = score;
                        best[pos] = i;
                    }
                }
                List<String> ids = new ArrayList<>(k);
                for (int b : best) {
                    if (b >= 0) {
                        ids.add(id(b));
                    }
                }
                result.add(ids);
            }
            return result;
        }

        /** The score definitions of {@link Metric}: cosine similarity, dot product, 1 / (1 + d²). */
        private static float score(Metric metric, float[] q, float qNorm, float[] v, float vNorm) {
            return switch (metric) {
                case COSINE -> dot(q, v) / (qNorm * vNorm);
                case DOT -> dot(q, v);
                case L2 -> {
                    float sum = 0;
                    for (int d = 0; d < q.length; d++) {
                        float diff = q[d] - v[d];
                        sum += diff * diff;
                    }
                    yield Metric.l2Score(sum);
                }
            };
        }

        private static float dot(float[] a, float[] b) {
            float sum = 0;
            for (int d = 0; d < a.length; d++) {
                sum += a[d] * b[d];
            }
            return sum;
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Heap in use after asking for a full collection. Rough by nature (System.gc() is a hint); it
     * includes the harness's own copy of the dataset, reported separately in the table notes.
     */
    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long sizeOnDisk(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /**
     * Lucene segments in the index, counted from their {@code .si} files (one per segment, never inside
     * a compound file). Every segment has its own HNSW graph and is searched separately with the full
     * candidate count, so more segments mean more work per query and higher recall.
     */
    private static long segmentCount(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".si")).count();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static String report(Params p, Dataset data, List<IndexStats> indexing, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        long datasetBytes = (long) p.n() * p.dim() * Float.BYTES;
        sb.append(String.format(Locale.ROOT, "%n### Lucene backend (SPI), n=%d, dim=%d, %d clusters, noise %.2f, batch=%d, topK=%d, efSearch=%d, %d queries after %d warm-up%n%n",
                p.n(), p.dim(), p.clusters(), p.noise(), p.batch(), p.topK(), p.efSearch(), p.queries(), p.warmup()));
        sb.append("| metric | upsert time (s) | upsert (vectors/s) | index on disk (MiB) | segments | heap used after indexing (MiB) |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (IndexStats s : indexing) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %,.0f | %.1f | %d | %.0f |%n", s.metric(), s.seconds(), s.vectorsPerSecond(),
                    s.indexBytes() / 1048576.0, s.segments(), s.heapBytes() / 1048576.0));
        }
        sb.append(String.format(Locale.ROOT, "%nHeap includes the harness's own float[][] copy of the data (%.1f MiB raw floats) and its "
                + "query/truth arrays; max heap %.0f MiB.%n%n", datasetBytes / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0));
        sb.append("| metric | search | queries | p50 (ms) | p95 (ms) | p99 (ms) | QPS (1 thread) | recall@" + p.topK() + " | mean results |\n");
        sb.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.2f | %.2f | %,.0f | %.3f | %.1f |%n", r.metric(), r.variant(), r.queries(),
                    r.p50Ms(), r.p95Ms(), r.p99Ms(), r.qps(), r.recall(), r.meanMatched()));
        }
        return sb.toString();
    }
}
