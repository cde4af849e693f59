package dev.partitiongateway.cluster;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The expiry policy of the caches on the request path (keys, tenants, collections, the partition
 * directory): an entry still in use is reloaded in the background once half its lifetime has passed,
 * and keeps being served meanwhile, so a hot entry never expires and no request waits on PostgreSQL
 * for it. An entry that nobody used for a whole lifetime still expires, so the lifetime stays the
 * bound on staleness when a change notification is missed; a change that is notified drops the
 * entry at once (and a reload in flight for it is discarded). A reload that fails (PostgreSQL down)
 * keeps the old value until the entry expires.
 */
public final class RefreshAhead {

    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Small and bounded: reloads are single-row queries, and a backlog only means a later refresh. */
    private static final Executor RELOADS = reloadExecutor();

    private RefreshAhead() {
    }

    /** {@code builder} with entries living {@code lifetime}, reloaded in the background after half of it. */
    public static Caffeine<Object, Object> within(Caffeine<Object, Object> builder, Duration lifetime) {
        return within(builder, lifetime, RELOADS);
    }

    static Caffeine<Object, Object> within(Caffeine<Object, Object> builder, Duration lifetime, Executor reloads) {
        return builder.expireAfterWrite(lifetime).refreshAfterWrite(lifetime.dividedBy(2)).executor(reloads);
    }

    private static Executor reloadExecutor() {
        // Threads carry the class loader of the application that made them (Quarkus loads entities through it).
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), runnable -> {
            Thread thread = new Thread(runnable, "cache-refresh-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            thread.setContextClassLoader(loader);
            return thread;
        }, new ThreadPoolExecutor.DiscardPolicy());
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
