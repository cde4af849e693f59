package dev.partitiongateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Entries in use are reloaded in the background before they expire; unused ones still expire. */
class RefreshAheadTest {

    private final AtomicLong now = new AtomicLong();

    @Test
    void should_serve_the_old_value_while_a_reload_runs_in_the_background_after_half_the_lifetime() throws Exception {
        CountDownLatch reloadMayFinish = new CountDownLatch(1);
        AtomicInteger loads = new AtomicInteger();
        ExecutorService reloads = Executors.newSingleThreadExecutor();
        try {
            LoadingCache<String, Integer> cache = RefreshAhead.within(Caffeine.newBuilder().ticker(now::get), Duration.ofSeconds(60), reloads)
                    .build(key -> {
                        int load = loads.incrementAndGet();
                        if (load > 1 && !reloadMayFinish.await(30, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("never released");
                        }
                        return load;
                    });
            assertThat(cache.get("tenant")).isEqualTo(1);

            now.addAndGet(Duration.ofSeconds(31).toNanos());
            // The reload is blocked (a slow database): the caller is answered at once from memory.
            assertThat(cache.get("tenant")).isEqualTo(1);
            assertThat(cache.get("tenant")).isEqualTo(1);
            reloadMayFinish.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (cache.getIfPresent("tenant") != 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(cache.get("tenant")).isEqualTo(2);
        } finally {
            reloads.shutdownNow();
        }
    }

    @Test
    void should_expire_an_entry_nobody_used_for_a_whole_lifetime() {
        AtomicInteger loads = new AtomicInteger();
        LoadingCache<String, Integer> cache = RefreshAhead.within(Caffeine.newBuilder().ticker(now::get), Duration.ofSeconds(60), Runnable::run)
                .build(key -> loads.incrementAndGet());
        assertThat(cache.get("tenant")).isEqualTo(1);

        now.addAndGet(Duration.ofSeconds(61).toNanos());

        assertThat(cache.get("tenant")).isEqualTo(2);
    }
}
