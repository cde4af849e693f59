package dev.partitiongateway.process;

import static dev.partitiongateway.process.GatewayClient.allIds;
import static dev.partitiongateway.process.GatewayClient.usage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM during a large upsert: the upsert finishes and is answered, then the embedded PostgreSQL stops. */
class GracefulShutdownIT {

    private static final int DIM = 1536;

    @TempDir
    Path dataDir;

    @Test
    void should_finish_requests_in_flight_before_stopping_the_embedded_database() throws Exception {
        Options options = Options.on(dataDir).name("drain");
        GatewayProcess gateway = GatewayProcess.start(options);
        String key = GatewayClient.tenantWithKey(gateway, "drained", 100_000);
        GatewayClient.collection(gateway, "drained", DIM, "COSINE");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add("v" + i);
        }
        String body = GatewayClient.vectors(ids, DIM, new Random(3));

        CompletableFuture<GatewayProcess.Answer> upsert = CompletableFuture.supplyAsync(
                () -> gateway.call("PUT", "/v1/collections/drained/vectors", key, body));
        Thread.sleep(1500);
        assertThat(upsert).as("the upsert is still running when SIGTERM arrives").isNotDone();
        int exit = gateway.terminate();

        GatewayProcess.Answer answer = upsert.get(2, TimeUnit.MINUTES);
        assertThat(answer.status()).as("the upsert in flight: %s", answer.body()).isEqualTo(200);
        assertThat(exit).isIn(0, 143);
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped cleanly").doesNotExist();

        try (GatewayProcess restarted = GatewayProcess.start(options)) {
            assertThat(usage(restarted, key)).isEqualTo(1000);
            assertThat(allIds(restarted, key, "drained", DIM, 1000)).hasSize(1000);
        }
    }
}
