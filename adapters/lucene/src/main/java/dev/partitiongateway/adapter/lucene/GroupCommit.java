package dev.partitiongateway.adapter.lucene;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Makes many concurrent writes durable with one commit (and one fsync) of an index.
 *
 * <p>A writer first adds its documents to the {@link org.apache.lucene.index.IndexWriter}, then calls
 * {@link #awaitDurable()}, which returns once a commit that <em>started after</em> that call has
 * finished: a commit already running when the writer arrives may have taken its snapshot before the
 * writer's documents were added, so it does not count. If no commit is running, the caller becomes
 * the leader and commits for everyone who is waiting; writers that arrive meanwhile are carried by
 * the next commit. One commit runs at a time, so under load each commit covers every write that
 * arrived while the previous one ran.
 *
 * <p>A failed commit is sticky: it fails every writer not yet made durable, and every later one, so
 * a write is never acknowledged on the strength of a commit that might not hold it. The index has to
 * be reopened from its last good commit (the commit action rolls the writer back on failure).
 */
final class GroupCommit {

    /** The commit that one leader runs on behalf of every waiting writer. */
    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    private final Action commit;
    /** Generation of the last commit that started; guarded by {@code this}. */
    private long started;
    /** Generation of the last commit that finished successfully. */
    private long durable;
    private boolean running;
    private Throwable failure;
    private long commits;
    private int waiting;

    GroupCommit(Action commit) {
        this.commit = commit;
    }

    /**
     * Returns when everything the caller added to the writer before this call is committed; throws
     * if the commit that would have covered it failed (or an earlier one did).
     */
    void awaitDurable() throws IOException {
        long generation;
        synchronized (this) {
            long needed = started + 1;
            for (;;) {
                if (durable >= needed) {
                    return;
                }
                if (failure != null) {
                    throw failed();
                }
                if (!running) {
                    running = true;
                    generation = ++started;
                    break;
                }
                waiting++;
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for a commit; the write is not acknowledged");
                } finally {
                    waiting--;
                }
            }
        }
        Throwable thrown = null;
        try {
            commit.run();
        } catch (IOException | RuntimeException | Error e) {
            thrown = e;
        }
        synchronized (this) {
            running = false;
            if (thrown == null) {
                durable = generation;
                commits++;
            } else {
                failure = thrown;
            }
            notifyAll();
        }
        if (thrown != null) {
            throw failed();
        }
    }

    /** Whether a commit failed: the index must be reopened. */
    synchronized boolean hasFailed() {
        return failure != null;
    }

    /** Commits made so far (for tests and metrics). */
    synchronized long commits() {
        return commits;
    }

    /** Writers waiting for a commit that another one runs (for tests). */
    synchronized int waiting() {
        return waiting;
    }

    private IOException failed() {
        return new IOException("a commit failed, so this write may not be durable: " + failure.getMessage(), failure);
    }
}
