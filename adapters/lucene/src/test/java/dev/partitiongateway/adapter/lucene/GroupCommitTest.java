package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

    @Test
    void should_make_every_writer_that_waited_during_a_commit_durable_with_one_more_commit() throws Exception {
        CountDownLatch firstCommitHeld = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger commits = new AtomicInteger();
        GroupCommit group = new GroupCommit(() -> {
            if (commits.incrementAndGet() == 1) {
                firstCommitHeld.countDown();
                await(releaseFirst);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try {
            Future<?> leader = pool.submit(() -> {
                group.awaitDurable();
                return null;
            });
            assertThat(firstCommitHeld.await(30, TimeUnit.SECONDS)).isTrue();
            List<Future<?>> followers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                followers.add(pool.submit(() -> {
                    group.awaitDurable();
                    return null;
                }));
            }
            // The eight arrived while the first commit ran: it may predate their writes, so they wait for the next.
            waitUntil(() -> group.waiting() == 8);
            assertThat(followers).noneMatch(Future::isDone);

            releaseFirst.countDown();
            leader.get(30, TimeUnit.SECONDS);
            for (Future<?> follower : followers) {
                follower.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(commits.get()).isEqualTo(2);
        assertThat(group.commits()).isEqualTo(2);
    }

    @Test
    void should_fail_every_writer_waiting_for_a_failed_commit_and_every_later_one() throws Exception {
        CountDownLatch commitHeld = new CountDownLatch(1);
        CountDownLatch releaseCommit = new CountDownLatch(1);
        AtomicInteger commits = new AtomicInteger();
        GroupCommit group = new GroupCommit(() -> {
            int n = commits.incrementAndGet();
            if (n == 1) {
                commitHeld.countDown();
                await(releaseCommit);
                return;
            }
            throw new IOException("disk full");
        });
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            Future<?> first = pool.submit(() -> {
                group.awaitDurable();
                return null;
            });
            assertThat(commitHeld.await(30, TimeUnit.SECONDS)).isTrue();
            List<Future<?>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(pool.submit(() -> {
                    group.awaitDurable();
                    return null;
                }));
            }
            waitUntil(() -> group.waiting() == 4);
            releaseCommit.countDown();

            first.get(30, TimeUnit.SECONDS);
            for (Future<?> writer : waiting) {
                assertThatThrownBy(() -> writer.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(group.hasFailed()).isTrue();
        assertThatThrownBy(group::awaitDurable).isInstanceOf(IOException.class).hasMessageContaining("disk full");
        assertThat(commits.get()).isEqualTo(2);
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IOException("test latch never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 30 s");
            }
            Thread.sleep(5);
        }
    }
}
