package dev.partitiongateway.adapter.lucene;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * One open placement: its index directory, the single writer Lucene allows on it, and a searcher
 * manager for near-real-time reads.
 *
 * <p>Writes share commits: each write adds its documents to the writer, then waits for a
 * {@linkplain GroupCommit group commit} that started after its add, so one fsync makes many
 * concurrent writes durable, and a write returns only once it is durable and visible to reads (the
 * searcher is refreshed after each commit, before the waiting writers are released). Reads use the
 * near-real-time searcher, so they may also see a write that is still waiting for its commit; a
 * write that fails before its commit is not acknowledged, and the gateway treats what it may have
 * left as an orphan.
 *
 * <p>Two locks keep it consistent under concurrent calls:
 * <ul>
 *   <li>{@code lifecycle}: every operation holds the read side, closing takes the write side, so a
 *       drop waits for calls in flight and calls that come after it see {@link #isClosed()};</li>
 *   <li>{@code mutations}: upserts hold the read side while they add (they run in parallel: each
 *       replaces its ids atomically as one block); a change that must read what it changes ("count,
 *       then delete") holds the write side, so what it counts is exactly what it deletes.</li>
 * </ul>
 * Nobody waits for a commit while holding {@code mutations}.
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

    /** A change to the index; {@code current} sees every earlier write and no concurrent one. */
    @FunctionalInterface
    interface Mutation<R> {
        R apply(IndexSearcher current, IndexWriter writer) throws IOException;
    }

    /** A change that needs no view of the index: it may run concurrently with other such changes. */
    @FunctionalInterface
    interface Addition {
        void apply(IndexWriter writer) throws IOException;
    }

    /** Commit user data: the one tenant whose records a dedicated placement's index holds. */
    static final String OWNER = "partition-gateway.owner";

    private final Path path;
    private final String owner;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ReentrantReadWriteLock mutations = new ReentrantReadWriteLock();
    private final GroupCommit commits;
    private volatile boolean closed;
    /** When a call last used the index, for choosing which idle index to close first. */
    private volatile long lastUsed = System.nanoTime();

    private PlacementIndex(Path path, Directory directory, IndexWriter writer, SearcherManager searchers) {
        this.path = path;
        String recorded = null;
        for (Map.Entry<String, String> entry : writer.getLiveCommitData()) {
            if (OWNER.equals(entry.getKey())) {
                recorded = entry.getValue();
            }
        }
        this.owner = recorded;
        this.directory = directory;
        this.writer = writer;
        this.searchers = searchers;
        this.commits = new GroupCommit(this::commitAndRefresh);
    }

    /**
     * Opens the index at {@code path}. With {@code create}, an empty index is created and committed
     * if there is none (that first commit is what marks a placement as ensured), owned by
     * {@code owner} unless that is {@code null} (a shared placement); without it, a missing index
     * yields {@code null}.
     */
    static PlacementIndex open(Path path, Codec codec, boolean create, String owner) throws IOException {
        Directory directory = FSDirectory.open(path);
        IndexWriter writer = null;
        try {
            boolean exists = DirectoryReader.indexExists(directory);
            if (!create && !exists) {
                directory.close();
                return null;
            }
            IndexWriterConfig config = new IndexWriterConfig()
                    .setCodec(codec)
                    .setOpenMode(create ? IndexWriterConfig.OpenMode.CREATE_OR_APPEND : IndexWriterConfig.OpenMode.APPEND);
            writer = new IndexWriter(directory, config);
            if (create && !exists && owner != null) {
                writer.setLiveCommitData(Map.of(OWNER, owner).entrySet());
            }
            if (create) {
                writer.commit();
            }
            return new PlacementIndex(path, directory, writer, new SearcherManager(writer, null));
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(writer, directory);
            throw e;
        }
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

    /** False after a failed commit rolled the writer back, or a tragic error closed it. */
    boolean isHealthy() {
        return !closed && writer.isOpen() && !commits.hasFailed();
    }

    /** Commits made since the index was opened (each may have carried many writes). */
    long commitCount() {
        return commits.commits();
    }

    /** Runs {@code read} on the newest searcher. The caller holds {@link #operationLock()}. */
    <R> R read(Read<R> read) throws IOException {
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
        return searchers.acquire();
    }

    void release(IndexSearcher searcher) throws IOException {
        searchers.release(searcher);
    }

    /**
     * Runs {@code addition} concurrently with other additions, then waits until it is committed and
     * visible. {@code addition} must change the index atomically (one {@code updateDocuments} block)
     * or not at all when it fails. The caller holds {@link #operationLock()}.
     */
    void add(Addition addition) throws IOException {
        mutations.readLock().lock();
        try {
            addition.apply(writer);
        } finally {
            mutations.readLock().unlock();
        }
        commits.awaitDurable();
    }

    /**
     * Runs {@code mutation} alone, on a searcher that sees every earlier write, then waits until it is
     * committed and visible. The caller holds {@link #operationLock()}.
     */
    <R> R write(Mutation<R> mutation) throws IOException {
        R result;
        mutations.writeLock().lock();
        try {
            searchers.maybeRefreshBlocking();
            result = read(current -> mutation.apply(current, writer));
        } finally {
            mutations.writeLock().unlock();
        }
        commits.awaitDurable();
        return result;
    }

    /**
     * One group commit: everything added so far becomes durable, then visible to new searchers. On
     * failure the writer is rolled back to the last commit (and closed), so the index is reopened
     * from there and no write that waited for this commit is acknowledged.
     */
    private void commitAndRefresh() throws IOException {
        try {
            writer.commit();
        } catch (IOException | RuntimeException | Error e) {
            try {
                writer.rollback();
            } catch (IOException | RuntimeException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        }
        searchers.maybeRefreshBlocking();
    }

    void touch() {
        lastUsed = System.nanoTime();
    }

    long lastUsed() {
        return lastUsed;
    }

    /**
     * Closes the index if no call is using it (nobody holds {@link #operationLock()}), and returns
     * whether it is closed. The writer is rolled back rather than committed: every acknowledged write
     * is committed already, and no write is in flight, so nothing acknowledged is lost, and merges
     * in progress are abandoned instead of waited for. A scan's pinned searcher stays readable.
     */
    boolean closeIfIdle() throws IOException {
        if (!lifecycle.writeLock().tryLock()) {
            return false;
        }
        try {
            if (!closed) {
                closed = true;
                IOUtils.close(searchers, writer::rollback, directory);
            }
            return true;
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Closes after the calls in flight; pending changes are committed. */
    @Override
    public void close() throws IOException {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOUtils.close(searchers, writer, directory);
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
            IOUtils.close(searchers, writer::rollback, directory);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
