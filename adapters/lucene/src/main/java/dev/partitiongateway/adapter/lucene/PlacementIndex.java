package dev.partitiongateway.adapter.lucene;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
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
 * <p>Two locks keep it consistent under concurrent calls:
 * <ul>
 *   <li>{@code lifecycle}: every operation holds the read side, closing takes the write side, so a
 *       drop waits for calls in flight and calls that come after it see {@link #isClosed()};</li>
 *   <li>{@code mutations}: writes are serialised, so that "count, then delete" returns exactly what
 *       was deleted, and so that when a write fails, the rollback discards only that write.</li>
 * </ul>
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

    private final Path path;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ReentrantLock mutations = new ReentrantLock();
    private volatile boolean closed;

    private PlacementIndex(Path path, Directory directory, IndexWriter writer, SearcherManager searchers) {
        this.path = path;
        this.directory = directory;
        this.writer = writer;
        this.searchers = searchers;
    }

    /**
     * Opens the index at {@code path}. With {@code create}, an empty index is created and committed
     * if there is none (that first commit is what marks a placement as ensured); without it, a missing
     * index yields {@code null}.
     */
    static PlacementIndex open(Path path, Codec codec, boolean create) throws IOException {
        Directory directory = FSDirectory.open(path);
        IndexWriter writer = null;
        try {
            if (!create && !DirectoryReader.indexExists(directory)) {
                directory.close();
                return null;
            }
            IndexWriterConfig config = new IndexWriterConfig()
                    .setCodec(codec)
                    .setOpenMode(create ? IndexWriterConfig.OpenMode.CREATE_OR_APPEND : IndexWriterConfig.OpenMode.APPEND);
            writer = new IndexWriter(directory, config);
            if (create) {
                writer.commit();
            }
            return new PlacementIndex(path, directory, writer, new SearcherManager(writer, null));
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(writer, directory);
            throw e;
        }
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

    /** False after a failed write rolled the writer back, or a tragic error closed it. */
    boolean isHealthy() {
        return !closed && writer.isOpen();
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
     * Runs {@code write}, then commits (so the write is durable when the call returns) and refreshes
     * (so the next read sees it). If anything fails, the writer is rolled back, which drops
     * every uncommitted change (only this write's, since writes are serialised and each commits), and
     * the index must be reopened. The caller holds {@link #operationLock()}.
     */
    <R> R write(Mutation<R> mutation) throws IOException {
        mutations.lock();
        try {
            R result = read(current -> mutation.apply(current, writer));
            writer.commit();
            searchers.maybeRefreshBlocking();
            return result;
        } catch (IOException | RuntimeException | Error e) {
            try {
                writer.rollback();
            } catch (IOException | RuntimeException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        } finally {
            mutations.unlock();
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
