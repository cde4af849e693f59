package dev.partitiongateway.process;

import static dev.partitiongateway.process.GatewayClient.expect;
import static dev.partitiongateway.process.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.embedded.EmbeddedDatabase;
import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL goes away under a running gateway and comes back: clear 503s meanwhile, recovery without a restart. */
class DatabaseOutageIT {

    @TempDir
    Path dir;

    @Test
    void should_answer_503_database_unavailable_during_an_outage_and_recover_when_the_database_returns() throws Exception {
        Path pgDir = dir.resolve("postgres");
        EmbeddedDatabase database = EmbeddedDatabase.start(pgDir);
        int port = database.port();
        try (GatewayProcess gateway = GatewayProcess.start(Options.on(dir.resolve("gateway")).name("outage")
                .set("quarkus.datasource.jdbc.url", database.jdbcUrl())
                .set("quarkus.datasource.username", EmbeddedDatabase.USER))) {
            String key = GatewayClient.tenantWithKey(gateway, "outage", 1000);
            GatewayClient.collection(gateway, "outage", 4, "L2");
            expect(gateway.call("PUT", "/v1/collections/outage/vectors", key, GatewayClient.vectors(List.of("before"), 4, new Random(1))), 200);
            expect(gateway.call("POST", "/v1/collections/outage/search", key, "{\"vector\":[1,0,0,0]}"), 200); // caches warm

            database.close();
            GatewayProcess.Answer during = gateway.call("PUT", "/v1/collections/outage/vectors", key,
                    GatewayClient.vectors(List.of("during"), 4, new Random(2)));
            assertThat(during.status()).as(during.body()).isEqualTo(503);
            assertThat(json(during).get("code").asText()).isEqualTo("DATABASE_UNAVAILABLE");
            assertThat(during.retryAfter()).isNotNull();
            assertThat(gateway.call("GET", "/q/health/ready", null, null).status()).isEqualTo(503);
            // Searches need no database: caches and the backend answer them.
            expect(gateway.call("POST", "/v1/collections/outage/search", key, "{\"vector\":[1,0,0,0]}"), 200);

            database = EmbeddedDatabase.start(pgDir, port);
            long deadline = System.nanoTime() + 30_000_000_000L;
            int status;
            do {
                Thread.sleep(200);
                status = gateway.call("PUT", "/v1/collections/outage/vectors", key,
                        GatewayClient.vectors(List.of("after"), 4, new Random(3))).status();
            } while (status != 200 && System.nanoTime() < deadline);
            assertThat(status).as("recovered without a restart").isEqualTo(200);
            assertThat(GatewayClient.usage(gateway, key)).isEqualTo(2);
        } finally {
            database.close();
        }
    }
}
