package dev.partitiongateway.adapter.lucene;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.NRTCachingDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * One open placement: its index directory, the single writer Lucene allows on it, a searcher manager
 * for near-real-time reads, and its {@linkplain WriteAheadLog write-ahead log}.
 *
 * <p>A write applies its change to the writer, appends it to the log, then waits for a
 * {@linkplain GroupCommit group} fsync of the log that started after its append, so one fsync makes
 * many concurrent writes durable. It returns once durable; the first read after it refreshes the
 * searcher (see {@link #ensureVisible()}), so every read that starts after a write returned sees it. Lucene itself
 * commits only at a {@linkplain #checkpoint() checkpoint} (in the background, every
 * {@code gateway.lucene.checkpoint-interval}), and the new small files that refreshes produce stay in
 * memory until then, so a write costs one log append and a share of one fsync instead of a Lucene
 * commit (an fsync of each new index file). Reopening after a crash applies the logged changes the last
 * commit lacks. A delete by filter is not logged (the filter cannot be replayed exactly); it returns
 * after a checkpoint instead. Reads use the near-real-time searcher, so they may also see a write that
 * is still waiting for its fsync; a write that fails before is not acknowledged, and the gateway treats
 * what it may have left as an orphan.
 *
 * <p>Two locks keep it consistent under concurrent calls:
 * <ul>
 *   <li>{@code lifecycle}: every operation holds the read side, closing takes the write side, so a
 *       drop waits for calls in flight and calls that come after it see {@link #isClosed()};</li>
 *   <li>{@code mutations}: upserts hold the read side while they add and log (they run in parallel:
 *       each replaces its ids atomically as one block, and Lucene's sequence numbers order them, in
 *       the log as in the index); a change that must read what it changes ("count, then delete") holds
 *       the write side, so what it counts is exactly what it deletes.</li>
 * </ul>
 * Nobody waits for an fsync or a commit while holding {@code mutations}.
 *
 * <p>An index created for a dedicated placement records its one tenant, its <em>owner</em>, in the
 * user data of its first commit (carried by every later commit). Every write naming another tenant is
 * refused, so every document in it is the owner's, and the owner's reads need no tenant filter. An
 * index with no owner (a shared bucket, or one created before owners were recorded) is filtered by
 * tenant on every call.
 */
final class PlacementIndex implements Closeable {

    /** A read of the index that may fail with I/O. */
    @FunctionalInterface
    interface Read<R> {
        R apply(IndexSearcher searcher) throws IOException;
    }

    /** A change that needs no view of the index: it may run concurrently with other such changes. */
    @FunctionalInterface
    interface Addition {
        /** Returns the sequence number of the writer call that made the change. */
        long apply(IndexWriter writer) throws IOException;
    }

    /** Commit user data: the one tenant whose records a dedicated placement's index holds. */
    static final String OWNER = "partition-gateway.owner";
    /** Commit user data: the log session whose changes up to {@link #LOGGED_SEQUENCE} the commit holds (with every earlier session's). */
    static final String LOG_SESSION = "partition-gateway.wal.session";
    static final String LOGGED_SEQUENCE = "partition-gateway.wal.sequence";

    /** Small new files stay in memory until a commit: a segment of up to this size from a merge ... */
    private static final double CACHED_MERGE_MB = 4;
    /** ... while the cache holds less than this. */
    private static final double CACHED_TOTAL_MB = 16;

    private final Path path;
    private final String owner;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ReentrantReadWriteLock mutations = new ReentrantReadWriteLock();
    private final GroupCommit commits;
    private final WriteAheadLog log;
    /** Writes applied to the writer so far, and how many of them every searcher acquired from now on sees. */
    private final AtomicLong applied = new AtomicLong();
    private volatile long visible;
    /** Serialises refreshes. */
    private final Object refreshing = new Object();
    /** Serialises checkpoints. */
    private final Object checkpointing = new Object();
    /** Log records appended before the last checkpoint's roll (all of them are in its commit). */
    private volatile long checkpointed;
    /** A change that was made but could not be logged, or a failed commit: the index must be reopened. */
    private volatile Throwable broken;
    /** Deletes by filter applied so far (not logged: a checkpoint makes them durable); written under {@code mutations}' write side. */
    private volatile long unloggedDeletes;
    /** How many of those the last checkpoint's commit holds. */
    private volatile long committedUnloggedDeletes;
    /** Bytes of new files the in-memory cache held right after the last checkpoint. */
    private volatile long cachedAfterCheckpoint;
    private volatile boolean closed;
    /** When a call last used the index, for choosing which idle index to close first. */
    private volatile long lastUsed = System.nanoTime();

    private PlacementIndex(Path path, Directory directory, IndexWriter writer, SearcherManager searchers, String owner,
                           WriteAheadLog log) {
        this.path = path;
        this.owner = owner;
        this.directory = directory;
        this.writer = writer;
        this.searchers = searchers;
        this.log = log;
        this.commits = new GroupCommit(log::sync);
    }

    /**
     * Opens the index at {@code path}. With {@code create}, an empty index is created and committed
     * if there is none (that first commit is what marks a placement as ensured), owned by
     * {@code owner} unless that is {@code null} (a shared placement); without it, a missing index
     * yields {@code null}. Changes its log holds and its last commit lacks (the process died, or the
     * index was closed while idle) are applied again and committed; then a new log session starts.
     */
    static PlacementIndex open(Path path, Codec codec, boolean create, String owner, VectorSimilarityFunction similarity)
            throws IOException {
        Directory directory = new RecentFilesInMemory(FSDirectory.open(path));
        IndexWriter writer = null;
        WriteAheadLog log = null;
        try {
            boolean exists = DirectoryReader.indexExists(directory);
            if (!create && !exists) {
                directory.close();
                return null;
            }
            IndexWriterConfig config = new IndexWriterConfig()
                    .setCodec(codec)
                    .setCommitOnClose(false)
                    .setOpenMode(create ? IndexWriterConfig.OpenMode.CREATE_OR_APPEND : IndexWriterConfig.OpenMode.APPEND);
            writer = new IndexWriter(directory, config);
            if (create && !exists && owner != null) {
                writer.setLiveCommitData(Map.of(OWNER, owner).entrySet());
            }
            if (create && !exists) {
                writer.commit();
            }
            Map<String, String> committed = new HashMap<>();
            writer.getLiveCommitData().forEach(entry -> committed.put(entry.getKey(), entry.getValue()));
            String recordedOwner = committed.get(OWNER);
            long committedSession = Long.parseLong(committed.getOrDefault(LOG_SESSION, "0"));
            long committedSequence = Long.parseLong(committed.getOrDefault(LOGGED_SEQUENCE, "0"));

            List<WriteAheadLog.Part> parts = WriteAheadLog.list(path);
            long session = committedSession;
            for (WriteAheadLog.Part part : parts) {
                session = Math.max(session, part.session());
            }
            session++;
            List<WriteAheadLog.Entry> replay = WriteAheadLog.unapplied(parts, committedSession, committedSequence);
            for (WriteAheadLog.Entry entry : replay) {
                entry.operation().applyTo(writer, similarity);
            }
            if (!replay.isEmpty()) {
                writer.setLiveCommitData(commitData(recordedOwner, session, writer.getMaxCompletedSequenceNumber()).entrySet());
                writer.commit();
            }
            WriteAheadLog.delete(parts);
            log = WriteAheadLog.start(path, session);
            return new PlacementIndex(path, directory, writer, new SearcherManager(writer, null), recordedOwner, log);
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(log);
            if (writer != null) {
                IOUtils.closeWhileHandlingException(writer::rollback);
            }
            IOUtils.closeWhileHandlingException(directory);
            throw e;
        }
    }

    private static Map<String, String> commitData(String owner, long session, long sequence) {
        Map<String, String> data = new HashMap<>();
        if (owner != null) {
            data.put(OWNER, owner);
        }
        data.put(LOG_SESSION, Long.toString(session));
        data.put(LOGGED_SEQUENCE, Long.toString(sequence));
        return data;
    }

    /** The one tenant whose records this index holds, or {@code null} if it may hold several. */
    String owner() {
        return owner;
    }

    /** Whether every record in the index is {@code tenant}'s, so that its reads need no tenant filter. */
    boolean ownedBy(String tenant) {
        return owner != null && owner.equals(tenant);
    }

    /** Whether {@code tenant} may write here: any tenant in an index without owner, else only the owner. */
    boolean writableBy(String tenant) {
        return owner == null || owner.equals(tenant);
    }

    Path path() {
        return path;
    }

    /** Held by every operation for its whole duration; see the class comment. */
    Lock operationLock() {
        return lifecycle.readLock();
    }

    boolean isClosed() {
        return closed;
    }

    /** False after a failed fsync, append or commit, or a tragic error closed the writer: the index must be reopened. */
    boolean isHealthy() {
        return !closed && writer.isOpen() && !commits.hasFailed() && broken == null;
    }

    /**
     * Whether changes were logged since the last checkpoint, or other new files wait in memory (a
     * merge that finished since): a checkpoint writes them to disk. Files the last checkpoint left in
     * memory (a merge still running) do not count again until the cache changes, so an idle index is
     * not committed every second for them.
     */
    boolean needsCheckpoint() {
        if (log.appended() > checkpointed) {
            return true;
        }
        long cached = cachedBytes();
        return cached > 0 && cached != cachedAfterCheckpoint;
    }

    private long cachedBytes() {
        return ((NRTCachingDirectory) directory).ramBytesUsed();
    }

    /** Runs {@code read} on the newest searcher. The caller holds {@link #operationLock()}. */
    <R> R read(Read<R> read) throws IOException {
        ensureVisible();
        IndexSearcher searcher = searchers.acquire();
        try {
            return read.apply(searcher);
        } finally {
            searchers.release(searcher);
        }
    }

    /**
     * Pins the newest searcher until {@link #release} (for scans, which outlive the call that starts
     * them). The snapshot stays readable even if the placement is dropped meanwhile.
     */
    IndexSearcher acquire() throws IOException {
        ensureVisible();
        return searchers.acquire();
    }

    void release(IndexSearcher searcher) throws IOException {
        searchers.release(searcher);
    }

    /**
     * Runs {@code addition} concurrently with other additions and logs it as {@code logged}, then waits
     * until it is durable (and so visible to every read that starts after this returns; see
     * {@link #ensureVisible()}). {@code addition} must change the index atomically (one
     * {@code updateDocuments} block) or not at all when it fails. The caller holds {@link #operationLock()}.
     */
    void add(IndexOperation logged, Addition addition) throws IOException {
        ByteBuffer record = WriteAheadLog.prepare(logged);
        mutations.readLock().lock();
        try {
            long sequence = addition.apply(writer);
            applied.incrementAndGet();
            logAs(sequence, record);
        } finally {
            mutations.readLock().unlock();
        }
        commits.awaitDurable();
    }

    /**
     * Deletes what {@code query} matches, alone, counting it on a searcher that sees every earlier
     * write, and returns the count once the delete is durable. The delete is logged as
     * {@code logged}; if that is {@code null} (a filter, which cannot be replayed exactly), it is made
     * durable by a checkpoint instead. A delete that finds nothing also waits, for what it saw: a
     * concurrent delete that got there first may not be durable yet. The caller holds {@link #operationLock()}.
     */
    long delete(Query query, IndexOperation logged) throws IOException {
        ByteBuffer record = logged == null ? null : WriteAheadLog.prepare(logged);
        long existing;
        boolean sawUncommittedFilterDelete;
        mutations.writeLock().lock();
        try {
            existing = read(current -> (long) current.count(query));
            if (existing > 0) {
                long sequence = writer.deleteDocuments(query);
                applied.incrementAndGet();
                if (record != null) {
                    logAs(sequence, record);
                } else {
                    unloggedDeletes++;
                }
            }
            sawUncommittedFilterDelete = unloggedDeletes > committedUnloggedDeletes;
        } finally {
            mutations.writeLock().unlock();
        }
        if (sawUncommittedFilterDelete) {
            checkpoint();
        } else {
            commits.awaitDurable();
        }
        return existing;
    }

    /** Caller holds {@code mutations}. A change that is in the writer but not in the log breaks the index. */
    private void logAs(long sequence, ByteBuffer record) throws IOException {
        try {
            log.append(sequence, record);
        } catch (IOException | RuntimeException | Error e) {
            broken = e;
            throw e;
        }
    }

    /**
     * Makes everything written so far part of a Lucene commit, and deletes the log that it covers:
     * rolls the log to a new part (through a group fsync, which also forces the old one), commits with
     * the highest sequence number that every sealed record is at or below, then deletes the sealed
     * parts. Writes go on meanwhile. A failed commit rolls the writer back: the index is reopened from
     * its last commit and its log. The caller holds {@link #operationLock()}.
     */
    void checkpoint() throws IOException {
        synchronized (checkpointing) {
            long appendedBefore = log.appended();
            long unloggedBefore;
            mutations.readLock().lock();
            try {
                unloggedBefore = unloggedDeletes;
            } finally {
                mutations.readLock().unlock();
            }
            log.requestRoll();
            commits.awaitDurable();
            List<WriteAheadLog.Part> covered = log.takeSealed();
            writer.setLiveCommitData(commitData(owner, log.session(), writer.getMaxCompletedSequenceNumber()).entrySet());
            try {
                writer.commit();
            } catch (IOException | RuntimeException | Error e) {
                broken = e;
                try {
                    writer.rollback();
                } catch (IOException | RuntimeException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
            checkpointed = appendedBefore;
            committedUnloggedDeletes = unloggedBefore;
            cachedAfterCheckpoint = cachedBytes();
            WriteAheadLog.delete(covered);
        }
    }

    /**
     * Makes every write applied so far visible to the searchers acquired after this returns. Writes
     * do not refresh the searcher themselves; the first read after them does. A stream of writes with
     * no read between them therefore makes no segment of its own per write (Lucene flushes at
     * checkpoints, or when its buffer is full), which spares most of the merging, HNSW graph
     * rebuilding included, that tiny segments cost. A read that starts after a write was
     * acknowledged still sees it: the write counted itself as applied before it returned.
     */
    private void ensureVisible() throws IOException {
        long needed = applied.get();
        if (visible >= needed) {
            return;
        }
        synchronized (refreshing) {
            if (visible >= needed) {
                return;
            }
            // Every write counted here was applied before the refresh starts, so the refresh shows it.
            long target = applied.get();
            searchers.maybeRefreshBlocking();
            visible = target;
        }
    }

    /** Whether a read now would use the current searcher as it is: open, sound, no write waiting for a refresh. */
    boolean readsFromMemory() {
        return !closed && broken == null && visible >= applied.get();
    }

    void touch() {
        lastUsed = System.nanoTime();
    }

    long lastUsed() {
        return lastUsed;
    }

    /**
     * Closes the index if no call is using it (nobody holds {@link #operationLock()}), and returns
     * whether it is closed. The writer is rolled back rather than committed, so merges in progress are
     * abandoned instead of waited for: what the last checkpoint does not hold is in the log, which the
     * next opening applies again. A scan's pinned searcher stays readable.
     */
    boolean closeIfIdle() throws IOException {
        if (!lifecycle.writeLock().tryLock()) {
            return false;
        }
        try {
            if (!closed) {
                closed = true;
                IOUtils.close(searchers, writer::rollback, log, directory);
            }
            return true;
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Closes after the calls in flight, with a last checkpoint, so that the next opening has nothing to apply again. */
    @Override
    public void close() throws IOException {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            boolean committed = false;
            try {
                if (isHealthy()) {
                    checkpoint();
                    committed = true;
                }
            } finally {
                closed = true;
                IOUtils.close(searchers, writer::rollback, log, directory);
            }
            if (committed) {
                WriteAheadLog.delete(log.parts());
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Closes after the calls in flight without committing or waiting for merges: the files are about to go. */
    void discard() throws IOException {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOUtils.close(searchers, writer::rollback, log, directory);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /**
     * Keeps new small files in memory until a commit syncs them (which writes them to disk), so that a
     * refresh (which flushes the writes since the last one as a segment) creates few files. Lucene's {@link NRTCachingDirectory} caches
     * only flushes and merges with a size estimate; the files a segment opens while it is still being
     * indexed have none, and are cached here too while the cache is small.
     *
     * <p>What every search reads, the vectors, the HNSW graph and compound files that may hold them, is
     * never cached: an HNSW search over segments read from the cache (a {@code ByteBuffersDirectory})
     * took about ten times as long as over memory-mapped files (9 ms against 0.9 ms for ten segments of
     * 500 vectors of 128 dimensions), and a reader keeps reading a file from where it was when the
     * reader opened it, even after a commit moved it to disk.
     */
    private static final class RecentFilesInMemory extends NRTCachingDirectory {
        /** Lucene99 HNSW: vectors, their metadata, the graph and its metadata; and compound files. */
        private static final Set<String> SEARCHED_FILES = Set.of("vec", "vemf", "vex", "vem", "cfs");

        RecentFilesInMemory(Directory disk) {
            super(disk, CACHED_MERGE_MB, CACHED_TOTAL_MB);
        }

        @Override
        protected boolean doCacheWrite(String name, IOContext context) {
            String extension = IndexFileNames.getExtension(name);
            if (extension != null && SEARCHED_FILES.contains(extension)) {
                return false;
            }
            if (context.mergeInfo == null && context.flushInfo == null) {
                return !name.contains(IndexFileNames.SEGMENTS) && ramBytesUsed() < CACHED_TOTAL_MB * 1024 * 1024;
            }
            return super.doCacheWrite(name, context);
        }
    }
}
