package dev.partitiongateway.process;

import static dev.partitiongateway.process.GatewayClient.admin;
import static dev.partitiongateway.process.GatewayClient.expect;
import static dev.partitiongateway.process.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition's last search and last write survive the gateway: written by the periodic flush (so a
 * {@code kill -9} loses at most one interval) and at a graceful stop, read back by the next process.
 */
class PartitionStatsRestartIT {

    @TempDir
    Path dataDir;

    @Test
    void should_keep_last_search_and_write_times_across_a_kill_and_a_graceful_restart() throws Exception {
        Options frequent = Options.on(dataDir).name("stats").set("gateway.partitions.stats.flush-interval", "1s");
        String key;
        JsonNode flushed;
        GatewayProcess first = GatewayProcess.start(frequent);
        try {
            key = GatewayClient.tenantWithKey(first, "kept", 100);
            GatewayClient.collection(first, "kept", 2, "L2");
            expect(first.call("PUT", "/v1/collections/kept/vectors", key, "{\"vectors\":[{\"id\":\"a\",\"values\":[1,0]}]}"), 200);
            for (int i = 0; i < 3; i++) {
                expect(first.call("POST", "/v1/collections/kept/search", key, "{\"vector\":[1,0],\"topK\":1}"), 200);
            }
            flushed = awaitStats(first);
            assertThat(flushed.path("queries").asInt()).isEqualTo(3);
        } finally {
            first.kill(); // no shutdown hook: only what the periodic flush wrote survives
        }
        Instant lastQuery = Instant.parse(flushed.path("lastQueryAt").asText());
        Instant lastWrite = Instant.parse(flushed.path("lastWriteAt").asText());

        // The next process flushes only at its stop.
        Options rare = Options.on(dataDir).name("stats").set("gateway.partitions.stats.flush-interval", "1h");
        try (GatewayProcess second = GatewayProcess.start(rare)) {
            JsonNode read = stats(second);
            assertThat(Instant.parse(read.path("lastQueryAt").asText())).isEqualTo(lastQuery);
            assertThat(Instant.parse(read.path("lastWriteAt").asText())).isEqualTo(lastWrite);
            expect(second.call("POST", "/v1/collections/kept/search", key, "{\"vector\":[1,0],\"topK\":1}"), 200);
            assertThat(second.terminate()).isIn(0, 143);
        }
        try (GatewayProcess third = GatewayProcess.start(rare)) {
            JsonNode read = stats(third);
            assertThat(Instant.parse(read.path("lastQueryAt").asText())).isAfter(lastQuery);
            assertThat(Instant.parse(read.path("lastWriteAt").asText())).isEqualTo(lastWrite);
            // The second process withdrew its window figures when it stopped; the killed one's count until they expire (30 s).
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (stats(third).path("queries").asInt() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertThat(stats(third).path("queries").asInt()).as("window figures of stopped processes").isZero();
        }
    }

    private static JsonNode stats(GatewayProcess g) {
        return json(expect(admin(g, "GET", "/v1/admin/collections/kept/partitions", null), 200)).path("partitions").get(0).path("stats");
    }

    /** The partition's statistics once a periodic flush has written its searches. */
    private static JsonNode awaitStats(GatewayProcess g) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode stats = stats(g);
        while (System.nanoTime() < deadline && (stats.path("queries").asInt() < 3 || stats.path("lastQueryAt").isMissingNode())) {
            Thread.sleep(200);
            stats = stats(g);
        }
        return stats;
    }
}
