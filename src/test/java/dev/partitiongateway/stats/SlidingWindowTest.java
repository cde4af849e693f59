package dev.partitiongateway.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sliding window's percentiles and rates, read at instants the test chooses. */
class SlidingWindowTest {

    private static final long MINUTE = SlidingWindow.MINUTE_MILLIS;
    /** An instant at the start of a minute, far from the epoch. */
    private static final long T0 = 29_000_000L * MINUTE;

    @Test
    void should_give_the_percentiles_of_the_searches_in_the_window() {
        SlidingWindow window = new SlidingWindow(5);
        for (int ms = 1; ms <= 100; ms++) {
            window.searched(T0 + ms * 100, ms * 1000L); // 1 ms .. 100 ms
        }
        WindowFigures f = window.figures(T0 + 30_000);
        assertThat(f.queries()).isEqualTo(100);
        assertThat(f.p50Ms()).isCloseTo(50.0, within(0.5));
        assertThat(f.p95Ms()).isCloseTo(95.0, within(1.0));
        assertThat(f.p99Ms()).isCloseTo(99.0, within(1.0));
    }

    @Test
    void should_count_searches_per_minute_over_exactly_the_window() {
        SlidingWindow window = new SlidingWindow(5);
        // 60 searches in each of the five minutes before T0 + 5 min, then nothing.
        for (int minute = 0; minute < 5; minute++) {
            for (int i = 0; i < 60; i++) {
                window.searched(T0 + minute * MINUTE + i * 1000, 2_000);
            }
        }
        assertThat(window.figures(T0 + 5 * MINUTE).qpm()).isCloseTo(60.0, within(1e-9));
        assertThat(window.load(T0 + 5 * MINUTE + 30_000)).as("the cheap load agrees").isCloseTo(54.0, within(1e-9));
        // Half a minute later, half of the oldest minute has left the window.
        assertThat(window.figures(T0 + 5 * MINUTE + 30_000).qpm()).isCloseTo(54.0, within(1e-9));
        assertThat(window.figures(T0 + 9 * MINUTE).qpm()).isCloseTo(12.0, within(1e-9));
        assertThat(window.figures(T0 + 10 * MINUTE).qpm()).isZero();
    }

    @Test
    void should_forget_searches_once_their_minute_left_the_window() {
        SlidingWindow window = new SlidingWindow(5);
        window.searched(T0 + 10_000, 900_000); // one slow search, 900 ms
        for (int i = 0; i < 50; i++) {
            window.searched(T0 + 5 * MINUTE + i * 100, 1_000);
        }
        assertThat(window.figures(T0 + 5 * MINUTE + 10_000).p99Ms()).isGreaterThan(800);
        WindowFigures later = window.figures(T0 + 6 * MINUTE + 10_000);
        assertThat(later.queries()).isEqualTo(50);
        assertThat(later.p99Ms()).isCloseTo(1.0, within(0.05));
    }

    @Test
    void should_be_idle_with_nothing_in_the_window_and_hold_no_bucket_after_a_trim() {
        SlidingWindow window = new SlidingWindow(2);
        assertThat(window.figures(T0).idle()).isTrue();
        window.written(T0 + 1000, 10);
        WindowFigures f = window.figures(T0 + 2000);
        assertThat(f.inserts()).isEqualTo(10);
        assertThat(f.ipm()).isCloseTo(5.0, within(1e-9));
        assertThat(f.p99Ms()).as("writes alone have no latency").isNull();
        window.trim(T0 + 4 * MINUTE);
        assertThat(window.figures(T0 + 2000).idle()).as("the bucket is gone, even read as of before").isTrue();
    }

    @Test
    void should_reuse_a_ring_slot_for_a_later_minute_and_ignore_a_sample_of_a_minute_already_replaced() {
        SlidingWindow window = new SlidingWindow(1); // two buckets: minutes m and m + 2 share one
        window.searched(T0, 5_000);
        window.searched(T0 + 2 * MINUTE, 7_000);
        window.searched(T0 + 10, 3_000); // a request that stalled two minutes: its minute is gone
        WindowFigures f = window.figures(T0 + 2 * MINUTE + 1);
        assertThat(f.queries()).isEqualTo(1);
        assertThat(f.p50Ms()).isCloseTo(7.0, within(0.1));
    }

    @Test
    void should_clamp_latencies_to_the_histogram_range() {
        SlidingWindow window = new SlidingWindow(1);
        window.searched(T0, 0);
        window.searched(T0, Long.MAX_VALUE);
        WindowFigures f = window.figures(T0 + 1);
        assertThat(f.queries()).isEqualTo(2);
        assertThat(f.p99Ms()).isCloseTo(SlidingWindow.HIGHEST_MICROS / 1000.0, within(SlidingWindow.HIGHEST_MICROS / 1000.0 * 0.01));
    }

    @org.junit.jupiter.api.RepeatedTest(5)
    void should_lose_no_sample_when_many_threads_record_at_once() throws Exception {
        SlidingWindow window = new SlidingWindow(5);
        int threads = 8;
        int each = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < each; i++) {
                    // Across a minute boundary, so that threads race to create the next bucket.
                    long now = T0 + MINUTE - 50 + (i * 100L / each);
                    window.searched(now, 1 + i % 5000);
                    window.written(now, 1);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS); // a livelocked histogram never ends
        }
        pool.shutdown();
        WindowFigures f = window.figures(T0 + MINUTE + 100);
        assertThat(f.queries()).isEqualTo((long) threads * each);
        assertThat(f.inserts()).isEqualTo((long) threads * each);
    }

    @Test
    void should_refuse_a_window_outside_one_to_sixty_minutes() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SlidingWindow(0)).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PartitionStats.windowMinutes(java.time.Duration.ofSeconds(90)))
                .hasMessageContaining("whole minutes");
    }
}
