package dev.partitiongateway.adapter.lucene;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Makes many concurrent writes durable with one fsync (of a placement's write-ahead log).
 *
 * <p>A writer first appends its change, then calls {@link #awaitDurable()}, which returns once an
 * action (the fsync) that <em>started after</em> that call has finished: an fsync already running
 * when the writer arrives may have started before the writer's record was appended, so it does not
 * count. If no action is running, the caller becomes the leader and runs it for everyone who is
 * waiting; writers that arrive meanwhile are carried by the next one. One action runs at a time, so
 * under load each covers every write that arrived while the previous one ran.
 *
 * <p>A failed action is sticky: it fails every writer not yet made durable, and every later one, so
 * a write is never acknowledged on the strength of an fsync that might not hold it. The index has to
 * be reopened (from its last commit and its log).
 */
final class GroupCommit {

    /** The action (an fsync) that one leader runs on behalf of every waiting writer. */
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
     * Returns when everything the caller appended before this call is durable; throws if the action
     * that would have covered it failed (or an earlier one did).
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
                    throw new InterruptedIOException("interrupted while waiting for an fsync; the write is not acknowledged");
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

    /** Whether an action failed: the index must be reopened. */
    synchronized boolean hasFailed() {
        return failure != null;
    }

    /** Actions run so far (for tests and metrics). */
    synchronized long commits() {
        return commits;
    }

    /** Writers waiting for an action that another one runs (for tests). */
    synchronized int waiting() {
        return waiting;
    }

    private IOException failed() {
        return new IOException("an fsync failed, so this write may not be durable: " + failure.getMessage(), failure);
    }
}
