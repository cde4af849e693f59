package dev.partitiongateway.process;

import static dev.partitiongateway.process.GatewayClient.admin;
import static dev.partitiongateway.process.GatewayClient.expect;
import static dev.partitiongateway.process.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.embedded.EmbeddedDatabase;
import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes on one PostgreSQL, both scheduling retention every two seconds: each round runs
 * on exactly one of them, each expired window is dropped once, and its quota is given back once, also
 * when an operator asks both processes to run retention at the same moment.
 */
class RetentionOnceIT {

    private static final Pattern ROUND = Pattern.compile("retention round (\\d+) by (\\S+)");

    @TempDir
    Path dir;

    @Test
    void should_run_each_retention_round_on_one_process_and_drop_each_window_once() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(dir.resolve("postgres"));
             GatewayProcess a = GatewayProcess.start(replica(database, "a"));
             GatewayProcess b = GatewayProcess.start(replica(database, "b"))) {
            String key = GatewayClient.tenantWithKey(a, "keeper", 1000);
            for (String name : List.of("scheduled", "manual")) {
                expect(admin(a, "POST", "/v1/admin/collections", "{\"name\":\"" + name + "\",\"dimension\":2,\"metric\":\"L2\","
                        + "\"partitioning\":{\"strategy\":\"TENANT_TIME\",\"granularity\":\"DAILY\",\"retentionDays\":30}}"), 201);
                // Two windows that will expire (3 and 2 vectors) and today's (4 vectors), all written through a.
                write(a, key, name, "old", Instant.now().minus(Duration.ofDays(20)), 3);
                write(a, key, name, "older", Instant.now().minus(Duration.ofDays(12)), 2);
                write(a, key, name, "new", Instant.now(), 4);
            }
            assertThat(GatewayClient.usage(a, key)).isEqualTo(18);

            // Both processes told to run retention on "manual" at the same moment, after shortening it.
            expect(admin(b, "PATCH", "/v1/admin/collections/manual", "{\"partitioning\":{\"retentionDays\":5}}"), 200);
            CompletableFuture<GatewayProcess.Answer> onA = CompletableFuture.supplyAsync(
                    () -> admin(a, "POST", "/v1/admin/collections/manual/retention", null));
            CompletableFuture<GatewayProcess.Answer> onB = CompletableFuture.supplyAsync(
                    () -> admin(b, "POST", "/v1/admin/collections/manual/retention", null));
            // Each process enqueues the collection's retention job or joins the one already waiting: one job, or two in a row.
            com.fasterxml.jackson.databind.JsonNode runA = json(expect(onA.get(), 200));
            com.fasterxml.jackson.databind.JsonNode runB = json(expect(onB.get(), 200));
            boolean oneJob = runA.path("job").path("job").path("id").asLong() == runB.path("job").path("job").path("id").asLong();
            int droppedByHand = runA.get("dropped").size() + (oneJob ? 0 : runB.get("dropped").size());
            // A scheduled round may take some of them first; together, nobody drops a window twice (checked below).
            assertThat(droppedByHand).as("windows dropped by the two concurrent runs together").isBetween(0, 2);

            // The schedule picks up "scheduled" once its retention is shortened.
            expect(admin(a, "PATCH", "/v1/admin/collections/scheduled", "{\"partitioning\":{\"retentionDays\":5}}"), 200);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (drops(database, "scheduled").size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            double[] before = lastRound(database);
            Thread.sleep(10_000); // about five more rounds, which must find nothing left to drop
            double[] after = lastRound(database);

            for (String name : List.of("scheduled", "manual")) {
                assertThat(drops(database, name)).as("retention_drops of %s: one row per expired window", name)
                        .containsExactlyInAnyOrder("keeper 2", "keeper 3");
                // Searched through a: with the embedded Lucene backend each process has its own indexes.
                assertThat(GatewayClient.allIds(a, key, name, 2, 100)).as("what %s still holds", name)
                        .containsExactlyInAnyOrder("new-0", "new-1", "new-2", "new-3");
            }
            assertThat(GatewayClient.usage(b, key)).as("quota given back once per window").isEqualTo(8);

            Map<Long, List<String>> runners = new HashMap<>();
            for (GatewayProcess process : List.of(a, b)) {
                Matcher m = ROUND.matcher(Files.readString(process.log()));
                while (m.find()) {
                    runners.computeIfAbsent(Long.parseLong(m.group(1)), r -> new ArrayList<>()).add(process.toString());
                }
            }
            assertThat(runners).as("rounds run by the two processes").hasSizeGreaterThanOrEqualTo(3);
            runners.forEach((round, by) -> assertThat(by).as("processes that ran round %d", round).hasSize(1));
            long lastLogged = runners.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            assertThat(roundsClaimed(database)).as("rounds claimed in scheduled_rounds (one may still be running)")
                    .isBetween(lastLogged, lastLogged + 1);
            // A round is claimed at least 0.9 intervals (1.8 s) after the previous one, whichever process fires;
            // two processes that both claimed at every firing would have claimed about one per second.
            double rounds = after[0] - before[0];
            double seconds = after[1] - before[1];
            assertThat(rounds).as("rounds claimed in %.1f s of database time", seconds).isLessThanOrEqualTo(seconds / 1.8 + 1);
        }
    }

    private static void write(GatewayProcess g, String key, String collection, String prefix, Instant at, int count) {
        StringBuilder body = new StringBuilder("{\"vectors\":[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(prefix).append('-').append(i)
                    .append("\",\"values\":[1,").append(i).append("],\"timestamp\":\"").append(at).append("\"}");
        }
        expect(g.call("PUT", "/v1/collections/" + collection + "/vectors", key, body.append("]}").toString()), 200);
    }

    /** "tenant vectors" for each recorded drop of the collection. */
    private static List<String> drops(EmbeddedDatabase database, String collection) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, null);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant_id, vectors FROM retention_drops WHERE collection = '" + collection + "'")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getLong(2));
            }
        }
        return rows;
    }

    /** The last retention round and when it started, in seconds of the database's clock. */
    private static double[] lastRound(EmbeddedDatabase database) throws Exception {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, null);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT round, extract(epoch FROM started_at) FROM scheduled_rounds WHERE name = 'retention'")) {
            assertThat(rs.next()).as("a retention round was claimed").isTrue();
            return new double[] {rs.getLong(1), rs.getDouble(2)};
        }
    }

    private static long roundsClaimed(EmbeddedDatabase database) throws Exception {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), EmbeddedDatabase.USER, null);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT round FROM scheduled_rounds WHERE name = 'retention'")) {
            assertThat(rs.next()).as("a retention round was claimed").isTrue();
            return rs.getLong(1);
        }
    }

    private static Options replica(EmbeddedDatabase database, String name) {
        return Options.on(database.dataDirectory().resolveSibling("replica-" + name)).name("replica-" + name)
                .set("quarkus.datasource.jdbc.url", database.jdbcUrl())
                .set("quarkus.datasource.username", EmbeddedDatabase.USER)
                .set("gateway.retention.interval", "2s");
    }
}
