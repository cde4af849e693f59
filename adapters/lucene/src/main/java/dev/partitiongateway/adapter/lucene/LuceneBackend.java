package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.BackendHealth;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.util.BytesRef;

/**
 * The embedded backend: Apache Lucene indexes on local disk, in-process HNSW.
 *
 * <p>Layout under the root directory: {@code <collection>/collection.properties} holds the
 * dimension and metric, and each placement is its own Lucene index in {@code <collection>/<placement>/},
 * so dropping a placement is closing its writer and removing a folder, whatever it holds. Placements
 * are opened on first use; at most {@link Options#maxOpenIndexes()} stay open, the least recently
 * used idle one being closed (never one with a call in flight) to make room, and reopened on demand.
 *
 * <p>Every write is durable before the call returns, so an acknowledged write survives a crash,
 * and every read that starts after it returned sees it ({@link Consistency#STRONG}: the first read
 * after writes refreshes the searcher).
 * A write is made durable by each placement's write-ahead log, whose fsync concurrent writes share
 * (see {@link GroupCommit}); a background thread commits each placement with logged writes to Lucene
 * every {@link Options#checkpointInterval()} and truncates its log (see {@link PlacementIndex}).
 * Records of several tenants can share one placement: each document carries its tenant, and every
 * read and delete is restricted to the caller's tenant. A dedicated placement's index records its
 * one tenant when it is created and refuses every other tenant's writes, so its owner's reads skip
 * the tenant filter (see {@link PlacementIndex}).
 */
public final class LuceneBackend implements VectorBackend {

    public static final String KIND = "lucene";

    /**
     * HNSW parameters.
     *
     * @param hnswM            neighbours per graph node (Lucene's maxConn); more is better recall, more memory
     * @param hnswBeamWidth    candidates considered while building the graph
     * @param searchCandidates candidates collected per segment at query time (the "ef" of HNSW); a query
     *                         asks for at least this many and keeps the best topK, because HNSW
     *                         recall for a small k is poor when the beam is only k wide
     * @param maxOpenIndexes   how many placements stay open (a writer, a reader, their files) at once;
     *                         the least recently used idle one is closed to open another. Indexes in
     *                         use are never closed, so the cap is exceeded while more are in use at once.
     * @param checkpointInterval how often an open placement with logged writes is committed to Lucene and
     *                         its write-ahead log truncated; longer means fewer commits and more to
     *                         apply again after a crash
     */
    public record Options(int hnswM, int hnswBeamWidth, int searchCandidates, int maxOpenIndexes, Duration checkpointInterval) {
        public static final int DEFAULT_MAX_OPEN_INDEXES = 1000;
        public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
        public static final Options DEFAULTS = new Options(16, 100, 100, DEFAULT_MAX_OPEN_INDEXES, DEFAULT_CHECKPOINT_INTERVAL);

        public Options(int hnswM, int hnswBeamWidth, int searchCandidates) {
            this(hnswM, hnswBeamWidth, searchCandidates, DEFAULT_MAX_OPEN_INDEXES, DEFAULT_CHECKPOINT_INTERVAL);
        }

        public Options(int hnswM, int hnswBeamWidth, int searchCandidates, int maxOpenIndexes) {
            this(hnswM, hnswBeamWidth, searchCandidates, maxOpenIndexes, DEFAULT_CHECKPOINT_INTERVAL);
        }

        public Options {
            Objects.requireNonNull(checkpointInterval, "checkpointInterval");
            if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
                throw new IllegalArgumentException("checkpointInterval must be positive, not " + checkpointInterval);
            }
            if (maxOpenIndexes < 1) {
                throw new IllegalArgumentException("maxOpenIndexes must be at least 1, not " + maxOpenIndexes);
            }
            if (hnswM < 1 || hnswM > 512) {
                throw new IllegalArgumentException("hnswM must be in 1..512, not " + hnswM);
            }
            if (hnswBeamWidth < 1 || hnswBeamWidth > 3200) {
                throw new IllegalArgumentException("hnswBeamWidth must be in 1..3200, not " + hnswBeamWidth);
            }
            if (searchCandidates < 1 || searchCandidates > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("searchCandidates must be in 1.." + MAX_BATCH_SIZE + ", not " + searchCandidates);
            }
        }
    }

    static final int MAX_BATCH_SIZE = 10_000;
    static final int MAX_ID_LENGTH = 512;
    private static final Capabilities CAPABILITIES = new Capabilities(
            true, MAX_BATCH_SIZE, EnumSet.allOf(FilterOperator.class), true, Consistency.STRONG, MAX_ID_LENGTH, true);

    /** Collection names become folder names, so nothing else may reach the disk. */
    private static final Pattern COLLECTION_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final String PROPERTIES_FILE = "collection.properties";
    /** A folder being deleted is first renamed to this prefix, which no collection or placement name can have. */
    private static final String DROPPED_PREFIX = ".dropped-";

    private final Path root;
    private final Options options;
    private final Codec codec;
    /** Guards creating, opening, dropping and closing collections and placements; data calls do not take it. */
    private final Object structure = new Object();
    private final Map<String, CollectionSpec> collections = new ConcurrentHashMap<>();
    private final Map<PlacementKey, PlacementIndex> openIndexes = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checkpoints;
    private volatile boolean closed;

    private record PlacementKey(String collection, String placement) {
        static PlacementKey of(Placement placement) {
            return new PlacementKey(placement.collection().name(), placement.name());
        }
    }

    /** A call on one open placement. */
    @FunctionalInterface
    private interface IndexCall<R> {
        R apply(PlacementIndex index) throws IOException;
    }

    public LuceneBackend(Path root) {
        this(root, Options.DEFAULTS);
    }

    public LuceneBackend(Path root, Options options) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.options = Objects.requireNonNull(options, "options");
        this.codec = HnswCodec.create(options.hnswM(), options.hnswBeamWidth());
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new BackendException.Unavailable("cannot create the Lucene data directory " + this.root + ": " + e.getMessage(), e);
        }
        removeLeftoverDroppedFolders();
        this.checkpoints = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "lucene-checkpoint " + this.root.getFileName());
            thread.setDaemon(true);
            return thread;
        });
        long interval = options.checkpointInterval().toNanos();
        checkpoints.scheduleWithFixedDelay(this::checkpointDue, interval, interval, TimeUnit.NANOSECONDS);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    // ---------------------------------------------------------------- structure

    @Override
    public void ensureCollection(CollectionSpec spec) {
        requireOpen();
        requireValidName(spec.name());
        if (spec.dimension() > HnswCodec.MAX_DIMENSIONS) {
            throw new BackendException.Rejected("dimension " + spec.dimension() + " is above the maximum of " + HnswCodec.MAX_DIMENSIONS);
        }
        synchronized (structure) {
            CollectionSpec existing = loadCollection(spec.name());
            if (existing != null) {
                requireSameSpec(existing, spec);
                return;
            }
            try {
                Path folder = root.resolve(spec.name());
                Files.createDirectories(folder);
                writeProperties(folder.resolve(PROPERTIES_FILE), spec);
            } catch (IOException e) {
                throw new BackendException.Unavailable("cannot create collection " + spec.name() + ": " + e.getMessage(), e);
            }
            collections.put(spec.name(), spec);
        }
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        requireOpen();
        requireValidName(spec.name());
        synchronized (structure) {
            List<Exception> failures = new ArrayList<>();
            openIndexes.entrySet().removeIf(entry -> {
                if (!entry.getKey().collection().equals(spec.name())) {
                    return false;
                }
                try {
                    entry.getValue().discard();
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                }
                return true;
            });
            collections.remove(spec.name());
            removeFolder(root.resolve(spec.name()), "collection " + spec.name());
            if (!failures.isEmpty()) {
                BackendException failure = new BackendException.Unavailable(
                        "collection " + spec.name() + " was dropped, but closing its indexes failed: " + failures.get(0).getMessage(), failures.get(0));
                failures.stream().skip(1).forEach(failure::addSuppressed);
                throw failure;
            }
        }
    }

    @Override
    public void ensurePartition(Placement placement) {
        requireOpen();
        synchronized (structure) {
            requireCollection(placement.collection());
            PlacementKey key = PlacementKey.of(placement);
            PlacementIndex index = openIndexes.get(key);
            if (index != null && !index.isHealthy()) {
                evict(key, index);
                index = null;
            }
            if (index == null) {
                Path folder = placementFolder(placement);
                makeRoom();
                try {
                    Files.createDirectories(folder);
                    index = PlacementIndex.open(folder, codec, true, placement.shared() ? null : placement.tenant(),
                            LuceneSimilarity.of(placement.collection().metric()));
                } catch (IOException | RuntimeException e) {
                    throw translate(describe(placement), e);
                }
                openIndexes.put(key, index);
            }
            requireWritable(placement, index);
        }
    }

    @Override
    public void dropPartition(Placement placement) {
        requireOpen();
        requireValidName(placement.collection().name());
        synchronized (structure) {
            PlacementIndex index = openIndexes.remove(PlacementKey.of(placement));
            Exception closeFailure = null;
            if (index != null) {
                try {
                    index.discard();
                } catch (IOException | RuntimeException e) {
                    closeFailure = e;
                }
            }
            removeFolder(placementFolder(placement), describe(placement));
            if (closeFailure != null) {
                throw new BackendException.Unavailable(describe(placement) + " was dropped, but closing its index failed: "
                        + closeFailure.getMessage(), closeFailure);
            }
        }
    }

    // ---------------------------------------------------------------- data

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        Objects.requireNonNull(records, "records");
        CollectionSpec spec = requireCollection(placement.collection());
        if (records.size() > MAX_BATCH_SIZE) {
            throw new BackendException.Rejected("batch of " + records.size() + " records is above the maximum of " + MAX_BATCH_SIZE);
        }
        // Every record is validated and converted before anything is written, so bad input changes nothing.
        // A batch that names an id twice keeps its last record, as upserting them one after another would.
        Map<String, VectorRecord> byId = new LinkedHashMap<>();
        for (VectorRecord record : records) {
            requireValidId(record.id());
            requireValidVector("record " + record.id(), record.values(), spec);
            byId.remove(record.id());
            byId.put(record.id(), record);
        }
        if (byId.isEmpty()) {
            withIndex(placement, index -> null);
            return;
        }
        IndexOperation.Upsert upsert = IndexOperation.Upsert.of(placement.tenant(), List.copyOf(byId.values()));
        List<Document> documents = upsert.documents(LuceneSimilarity.of(spec.metric()));
        Query replaced = upsert.replaced();
        withIndex(placement, index -> {
            requireWritable(placement, index);
            // One block: the old copies are deleted and the new ones added together, or nothing
            // changes if Lucene refuses a document, so concurrent writes never need a rollback.
            index.add(upsert, writer -> writer.updateDocuments(replaced, documents));
            return null;
        });
    }

    @Override
    public boolean searchesFromMemory(List<Placement> placements) {
        if (placements.isEmpty() || !collections.containsKey(Placement.commonCollection(placements).name())) {
            return false;
        }
        for (Placement placement : placements) {
            PlacementIndex index = openIndexes.get(PlacementKey.of(placement));
            if (index == null || !index.readsFromMemory()) {
                return false; // it would be opened (its log replayed), or refreshed first
            }
        }
        return true;
    }

    @Override
    public List<Match> search(List<Placement> placements, SearchQuery query) {
        Objects.requireNonNull(placements, "placements");
        Objects.requireNonNull(query, "query");
        if (placements.isEmpty()) {
            return List.of();
        }
        CollectionSpec spec = requireCollection(Placement.commonCollection(placements));
        requireValidVector("query vector", query.vector(), spec);
        if (query.topK() > MAX_BATCH_SIZE) {
            throw new BackendException.Rejected("topK " + query.topK() + " is above the maximum of " + MAX_BATCH_SIZE);
        }
        // Each placement returns its own top k; the global top k is among their union.
        List<Match> matches = new ArrayList<>();
        for (Placement placement : new LinkedHashSet<>(placements)) {
            matches.addAll(withIndex(placement, index -> index.read(searcher -> searchOne(placement, index, spec.metric(), searcher, query))));
        }
        matches.sort(Comparator.comparingDouble((Match m) -> m.score()).reversed()
                .thenComparing(Match::placement)
                .thenComparing(Match::id));
        return List.copyOf(matches.subList(0, Math.min(query.topK(), matches.size())));
    }

    private List<Match> searchOne(Placement placement, PlacementIndex index, Metric metric, IndexSearcher searcher, SearchQuery query)
            throws IOException {
        // The filter (with the tenant, unless the index is the tenant's alone) goes inside the kNN
        // query: Lucene explores the graph only through matching documents and switches to an exact
        // scan when few match, so a selective filter still yields the true top k instead of a
        // post-filtered remainder. With no filter at all, no per-segment bitset is built.
        Query filter = index.ownedBy(placement.tenant())
                ? (query.filter() == null ? null : LuceneFilterMapper.map(query.filter()))
                : LuceneFilterMapper.scoped(placement.tenant(), query.filter());
        Query knn = new KnnFloatVectorQuery(RecordDocument.VECTOR, query.vector(),
                Math.max(query.topK(), options.searchCandidates()), filter);
        ScoreDoc[] hits = searcher.search(knn, query.topK()).scoreDocs;
        Map<Integer, float[]> vectors = query.includeValues() ? StoredRecords.vectors(searcher.getIndexReader(), hits) : Map.of();
        Set<String> fields = query.includeMetadata() ? Set.of(RecordDocument.ID, RecordDocument.METADATA) : Set.of(RecordDocument.ID);
        var stored = searcher.storedFields();
        List<Match> matches = new ArrayList<>(hits.length);
        for (ScoreDoc hit : hits) {
            Document doc = stored.document(hit.doc, fields);
            matches.add(new Match(doc.get(RecordDocument.ID), placement.name(), LuceneSimilarity.normalised(metric, hit.score),
                    hit.score, vectors.get(hit.doc), query.includeMetadata() ? RecordDocument.metadata(doc) : Map.of()));
        }
        return matches;
    }

    @Override
    public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
        List<BytesRef> keys = keys(placement, ids);
        return withIndex(placement, index -> index.read(searcher -> {
            if (keys.isEmpty()) {
                return List.of();
            }
            ScoreDoc[] hits = searcher.search(new TermInSetQuery(RecordDocument.KEY, keys), keys.size()).scoreDocs;
            return StoredRecords.read(searcher, hits, true);
        }));
    }

    @Override
    public long delete(Placement placement, Collection<String> ids) {
        IndexOperation.Delete delete = new IndexOperation.Delete(placement.tenant(), distinctIds(placement, ids));
        return withIndex(placement, index -> delete.ids().isEmpty() ? 0L : index.delete(delete.matching(), delete));
    }

    /**
     * A {@code null} filter deletes every record of the tenant, as it counts and scans every record.
     * Not logged: it returns after a checkpoint (see {@link PlacementIndex#delete}).
     */
    @Override
    public long deleteByFilter(Placement placement, Filter filter) {
        requireCollection(placement.collection());
        return withIndex(placement, index -> index.delete(scope(placement, index, filter), null));
    }

    @Override
    public long count(Placement placement, Filter filter) {
        requireCollection(placement.collection());
        return withIndex(placement, index -> index.read(searcher -> (long) searcher.count(scope(placement, index, filter))));
    }

    @Override
    public RecordCursor scan(Placement placement, ScanRequest request) {
        Objects.requireNonNull(request, "request");
        requireCollection(placement.collection());
        return withIndex(placement, index -> new LuceneRecordCursor(index, index.acquire(), scope(placement, index, request.filter()), request,
                MAX_BATCH_SIZE, "scan of " + describe(placement)));
    }

    @Override
    public BackendHealth health() {
        if (closed) {
            return BackendHealth.down("closed");
        }
        if (Files.isDirectory(root) && Files.isWritable(root)) {
            return BackendHealth.up(root + ", " + openIndexes.size() + " open placements");
        }
        return BackendHealth.down(root + " is not a writable directory");
    }

    @Override
    public void close() {
        synchronized (structure) {
            if (closed) {
                return;
            }
            closed = true;
            // Not interrupted: an interrupt in the middle of an fsync would close the log's channel.
            checkpoints.shutdown();
            try {
                checkpoints.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<Exception> failures = new ArrayList<>();
            for (PlacementIndex index : openIndexes.values()) {
                try {
                    index.close();
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                }
            }
            openIndexes.clear();
            collections.clear();
            if (!failures.isEmpty()) {
                BackendException failure = new BackendException.Unavailable("closing Lucene indexes failed: " + failures.get(0).getMessage(), failures.get(0));
                failures.stream().skip(1).forEach(failure::addSuppressed);
                throw failure;
            }
        }
    }

    // ---------------------------------------------------------------- placements

    /**
     * Runs {@code call} on the placement's open index while holding its operation lock, which keeps
     * the index from being closed (dropped or evicted) meanwhile. If the call broke the writer (a
     * failed commit rolls back), the index is evicted so that the next call reopens it from its last commit.
     */
    private <R> R withIndex(Placement placement, IndexCall<R> call) {
        PlacementIndex index = acquire(placement);
        BackendException failure;
        try {
            return call.apply(index);
        } catch (IOException | RuntimeException e) {
            failure = translate(describe(placement), e);
        } finally {
            index.operationLock().unlock();
        }
        if (!index.isHealthy()) {
            synchronized (structure) {
                evict(PlacementKey.of(placement), index);
            }
        }
        throw failure;
    }

    /**
     * The placement's open index, opened if need be, with its operation lock held by the caller. An
     * index found closed (a drop or an eviction got to it first) is looked up again under
     * {@code structure}, where it is opened and locked before anyone can evict it again.
     */
    private PlacementIndex acquire(Placement placement) {
        requireOpen();
        CollectionSpec stored = requireCollection(placement.collection());
        PlacementKey key = PlacementKey.of(placement);
        PlacementIndex index = openIndexes.get(key);
        if (index != null) {
            index.operationLock().lock();
            if (!index.isClosed()) {
                index.touch();
                return index;
            }
            index.operationLock().unlock();
        }
        synchronized (structure) {
            requireOpen();
            requireCollection(placement.collection());
            index = openIndexes.get(key);
            if (index == null) {
                Path folder = placementFolder(placement);
                // Checked first because opening a Lucene directory creates its folder.
                if (!Files.isDirectory(folder)) {
                    throw notFound(placement);
                }
                makeRoom();
                try {
                    index = PlacementIndex.open(folder, codec, false, null, LuceneSimilarity.of(stored.metric()));
                } catch (IOException | RuntimeException e) {
                    throw translate(describe(placement), e);
                }
                if (index == null) {
                    throw notFound(placement);
                }
                openIndexes.put(key, index);
            }
            // Indexes are closed only under structure, so this neither waits nor finds it closed.
            index.operationLock().lock();
            index.touch();
            return index;
        }
    }

    /**
     * Closes the least recently used idle indexes until there is room for one more. An index with a
     * call in flight is skipped, so when every open index is in use the cap is exceeded until some are
     * idle again. Caller holds {@code structure}.
     */
    private void makeRoom() {
        if (openIndexes.size() < options.maxOpenIndexes()) {
            return;
        }
        List<Map.Entry<PlacementKey, PlacementIndex>> byAge = new ArrayList<>(openIndexes.entrySet());
        byAge.sort(Comparator.comparingLong(e -> e.getValue().lastUsed()));
        for (Map.Entry<PlacementKey, PlacementIndex> entry : byAge) {
            if (openIndexes.size() < options.maxOpenIndexes()) {
                return;
            }
            PlacementIndex idle = entry.getValue();
            try {
                if (idle.closeIfIdle()) {
                    openIndexes.remove(entry.getKey(), idle);
                }
            } catch (IOException | RuntimeException e) {
                // Closed anyway (its files are released with the failure); the next call reopens it from its last commit.
                openIndexes.remove(entry.getKey(), idle);
            }
        }
    }

    /**
     * Commits every open placement with writes logged since its last checkpoint (the background
     * task). An index being closed is skipped: closing checkpoints it or leaves its log to replay. A
     * failed checkpoint leaves the index unhealthy, and the next call to it reopens it from its log.
     */
    void checkpointDue() {
        for (PlacementIndex index : openIndexes.values()) {
            if (closed) {
                return;
            }
            if (!index.needsCheckpoint() || !index.operationLock().tryLock()) {
                continue;
            }
            try {
                if (!index.isClosed() && index.isHealthy()) {
                    index.checkpoint();
                }
            } catch (IOException | RuntimeException | Error e) {
                // The index is now unhealthy; the next call evicts and reopens it. Nothing escapes,
                // or the scheduler would never run this task again.
            } finally {
                index.operationLock().unlock();
            }
        }
    }

    /** Open placements now (at most the cap, unless more are in use at once). */
    int openIndexCount() {
        return openIndexes.size();
    }

    /**
     * The records of the placement's tenant that match {@code filter}: without a tenant clause when the
     * index is that tenant's alone (it refuses every other tenant's writes), with one otherwise.
     */
    private static Query scope(Placement placement, PlacementIndex index, Filter filter) {
        return index.ownedBy(placement.tenant()) ? LuceneFilterMapper.map(filter) : LuceneFilterMapper.scoped(placement.tenant(), filter);
    }

    /** Refuses a write that names a tenant other than the owner of a dedicated placement's index. */
    private static void requireWritable(Placement placement, PlacementIndex index) {
        if (!index.writableBy(placement.tenant())) {
            throw new BackendException.Rejected(describe(placement) + " is dedicated to another tenant; nothing was written");
        }
    }

    /** Caller holds {@code structure}. */
    private void evict(PlacementKey key, PlacementIndex index) {
        openIndexes.remove(key, index);
        try {
            index.discard();
        } catch (IOException | RuntimeException ignored) {
            // The index already failed; the error that made it fail is what the caller reports.
        }
    }

    private Path placementFolder(Placement placement) {
        return root.resolve(placement.collection().name()).resolve(placement.name());
    }

    private static BackendException.NotFound notFound(Placement placement) {
        return new BackendException.NotFound(describe(placement) + " does not exist");
    }

    private static String describe(Placement placement) {
        return "placement " + placement.collection().name() + "/" + placement.name();
    }

    // ---------------------------------------------------------------- collections

    /** The stored spec of the collection, which must equal the one the caller has. */
    private CollectionSpec requireCollection(CollectionSpec requested) {
        requireOpen();
        requireValidName(requested.name());
        CollectionSpec stored = collections.get(requested.name());
        if (stored == null) {
            synchronized (structure) {
                stored = loadCollection(requested.name());
            }
        }
        if (stored == null) {
            throw new BackendException.NotFound("collection " + requested.name() + " does not exist");
        }
        requireSameSpec(stored, requested);
        return stored;
    }

    private static void requireSameSpec(CollectionSpec stored, CollectionSpec requested) {
        if (!stored.sameShape(requested)) {
            throw new BackendException.Rejected("collection " + stored.name() + " has dimension " + stored.dimension()
                    + " and metric " + stored.metric() + ", not " + requested.dimension() + " and " + requested.metric());
        }
    }

    /** Caller holds {@code structure}. */
    private CollectionSpec loadCollection(String name) {
        CollectionSpec cached = collections.get(name);
        if (cached != null) {
            return cached;
        }
        Path file = root.resolve(name).resolve(PROPERTIES_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            CollectionSpec spec = new CollectionSpec(name, Integer.parseInt(properties.getProperty("dimension")),
                    Metric.valueOf(properties.getProperty("metric")));
            collections.put(name, spec);
            return spec;
        } catch (IOException e) {
            throw new BackendException.Unavailable("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new BackendException.Unavailable(file + " is corrupt: " + e.getMessage(), e);
        }
    }

    /** Written to a temporary file and moved into place, so a crash never leaves half a file. */
    private static void writeProperties(Path file, CollectionSpec spec) throws IOException {
        String content = "# Partition Gateway Lucene collection; do not edit\n"
                + "dimension=" + spec.dimension() + "\n"
                + "metric=" + spec.metric().name() + "\n";
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---------------------------------------------------------------- folders

    /**
     * Renames the folder aside (atomic: from here on it is gone) and then deletes it. A deletion
     * that fails halfway leaves only a renamed folder, which the next start removes.
     */
    private static void removeFolder(Path folder, String what) {
        if (!Files.exists(folder)) {
            return;
        }
        Path aside = folder.resolveSibling(DROPPED_PREFIX + folder.getFileName() + "-" + System.nanoTime());
        try {
            Files.move(folder, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new BackendException.Unavailable("cannot remove " + what + ": " + e.getMessage(), e);
        }
        deleteQuietly(aside);
    }

    private void removeLeftoverDroppedFolders() {
        try (DirectoryStream<Path> collectionFolders = Files.newDirectoryStream(root)) {
            for (Path entry : collectionFolders) {
                if (isDroppedFolder(entry)) {
                    deleteQuietly(entry);
                } else if (Files.isDirectory(entry)) {
                    try (DirectoryStream<Path> placementFolders = Files.newDirectoryStream(entry, LuceneBackend::isDroppedFolder)) {
                        placementFolders.forEach(LuceneBackend::deleteQuietly);
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // Leftovers only cost disk space; the next start tries again.
        }
    }

    private static boolean isDroppedFolder(Path path) {
        return path.getFileName().toString().startsWith(DROPPED_PREFIX);
    }

    private static void deleteQuietly(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Already renamed aside, so invisible; removed at the next start.
        }
    }

    // ---------------------------------------------------------------- validation and failures

    private void requireOpen() {
        if (closed) {
            throw new BackendException.Unavailable("the Lucene backend is closed", null);
        }
    }

    private static void requireValidName(String name) {
        if (!COLLECTION_NAME.matcher(name).matches()) {
            throw new BackendException.Rejected("invalid collection name: " + name);
        }
    }

    private static void requireValidId(String id) {
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new BackendException.Rejected("id must have 1 to " + MAX_ID_LENGTH + " characters, not " + id.length());
        }
    }

    private static void requireValidVector(String what, float[] vector, CollectionSpec spec) {
        if (vector == null) {
            throw new BackendException.Rejected(what + " has no values");
        }
        if (vector.length != spec.dimension()) {
            throw new BackendException.Rejected(what + " has dimension " + vector.length + ", collection "
                    + spec.name() + " has dimension " + spec.dimension());
        }
        boolean allZero = true;
        for (float value : vector) {
            if (!Float.isFinite(value)) {
                throw new BackendException.Rejected(what + " contains a value that is not a finite number");
            }
            allZero &= value == 0f;
        }
        if (allZero && spec.metric() == Metric.COSINE) {
            throw new BackendException.Rejected(what + " is the zero vector, which has no cosine similarity");
        }
    }

    private List<BytesRef> keys(Placement placement, Collection<String> ids) {
        List<String> distinct = distinctIds(placement, ids);
        List<BytesRef> keys = new ArrayList<>(distinct.size());
        for (String id : distinct) {
            keys.add(RecordDocument.keyBytes(placement.tenant(), id));
        }
        return keys;
    }

    /** The ids, each once, checked: none null, at most {@value #MAX_BATCH_SIZE}, of an existing collection. */
    private List<String> distinctIds(Placement placement, Collection<String> ids) {
        Objects.requireNonNull(ids, "ids");
        requireCollection(placement.collection());
        Set<String> distinct = new LinkedHashSet<>(ids);
        if (distinct.size() > MAX_BATCH_SIZE) {
            throw new BackendException.Rejected(distinct.size() + " ids are above the maximum of " + MAX_BATCH_SIZE);
        }
        distinct.forEach(id -> Objects.requireNonNull(id, "id"));
        return List.copyOf(distinct);
    }

    /**
     * The one place where Lucene and I/O failures become SPI failures: bad input is Rejected,
     * everything else (disk, a writer closed by an earlier failure) is Unavailable, which is retryable.
     */
    static BackendException translate(String context, Exception e) {
        if (e instanceof BackendException backend) {
            return backend;
        }
        if (e instanceof IndexSearcher.TooManyClauses) {
            return new BackendException.Rejected("the filter of the " + context + " call is too complex: " + e.getMessage(), e);
        }
        if (e instanceof IllegalArgumentException) {
            return new BackendException.Rejected(context + " refused the input: " + e.getMessage(), e);
        }
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return new BackendException.Unavailable(context + ": I/O failure: " + e.getMessage(), e);
        }
        return new BackendException.Unavailable(context + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
}
