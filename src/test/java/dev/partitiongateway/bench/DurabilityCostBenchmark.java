package dev.partitiongateway.bench;

import dev.partitiongateway.embedded.EmbeddedDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What durability costs the embedded PostgreSQL: writes per second of the write protocol's shape
 * (a reservation transaction committed asynchronously, then a confirmation committed durably) with the
 * gateway's durable settings (fsync, synchronous commit) against zonky's test defaults (fsync off,
 * asynchronous commit), in alternating rounds in one run, at 1 and 8 concurrent writers.
 * Run with {@code ./mvnw -B -Pbench test -Dtest=DurabilityCostBenchmark}.
 */
class DurabilityCostBenchmark {

    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final long ROUND_MILLIS = Long.getLong("bench.roundMillis", 4000);

    @Test
    void measure() throws Exception {
        Path root = Files.createTempDirectory("pgw-durability-");
        try (EmbeddedDatabase durable = EmbeddedDatabase.start(root.resolve("durable"));
             EmbeddedPostgres relaxed = EmbeddedPostgres.builder().setDataDirectory(root.resolve("relaxed"))
                     .setCleanDataDirectory(true).start()) {
            String durableUrl = durable.jdbcUrl();
            String relaxedUrl = relaxed.getJdbcUrl("postgres", "postgres");
            prepare(durableUrl);
            prepare(relaxedUrl);
            System.out.printf("%nDurability cost of the embedded PostgreSQL (load %.1f)%n", Measurements.loadAverage());
            System.out.println("writers | durable tx/s | relaxed tx/s | durable / relaxed");
            for (int writers : new int[] {1, 8}) {
                double d = 0;
                double r = 0;
                for (int round = 0; round < ROUNDS; round++) {
                    d += rate(durableUrl, writers);
                    r += rate(relaxedUrl, writers);
                }
                System.out.printf("%7d | %12.0f | %12.0f | %.2f%n", writers, d / ROUNDS, r / ROUNDS, d / r);
            }
        }
    }

    private static void prepare(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS usage (id int PRIMARY KEY, n bigint)");
            s.execute("CREATE TABLE IF NOT EXISTS registry (id text PRIMARY KEY, state text)");
            s.execute("INSERT INTO usage VALUES (1, 0) ON CONFLICT DO NOTHING");
        }
    }

    /** Two transactions per write, as an upsert of a new id makes them; returns writes per second. */
    private static double rate(String url, int writers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        AtomicLong writes = new AtomicLong();
        long end = System.nanoTime() + ROUND_MILLIS * 1_000_000;
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            futures.add(pool.submit(() -> {
                try (Connection c = DriverManager.getConnection(url);
                     PreparedStatement relaxedCommit = c.prepareStatement("SET LOCAL synchronous_commit = off");
                     PreparedStatement register = c.prepareStatement("INSERT INTO registry VALUES (?, 'PENDING')");
                     PreparedStatement reserve = c.prepareStatement("UPDATE usage SET n = n + 1 WHERE id = 1");
                     PreparedStatement activate = c.prepareStatement("UPDATE registry SET state = 'ACTIVE' WHERE id = ?")) {
                    c.setAutoCommit(false);
                    while (System.nanoTime() < end) {
                        String id = java.util.UUID.randomUUID().toString();
                        // As the gateway does: the reservation commits asynchronously, the confirmation durably.
                        relaxedCommit.execute();
                        register.setString(1, id);
                        register.executeUpdate();
                        reserve.executeUpdate();
                        c.commit();
                        activate.setString(1, id);
                        activate.executeUpdate();
                        c.commit();
                        writes.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        return writes.get() * 1000.0 / ROUND_MILLIS;
    }
}
