package dev.partitiongateway.adapter.milvus;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code gateway.milvus.*}: every key has a default, the example in config/ shows the defaults, and the tests' defaults are the same. */
class MilvusConfigTest {

    private static final String DEFAULT_URI = "http://localhost:19530";

    @Test
    void should_start_from_the_documented_defaults_when_nothing_is_configured() {
        MilvusOptions options = MilvusOptions.from(mapping(Map.of()));

        assertThat(options).isEqualTo(MilvusOptions.defaults(DEFAULT_URI));
        // The gateway's guard retries failed backend calls (gateway.backend.retry.*): the adapter makes one attempt.
        assertThat(options.retryMaxAttempts()).isEqualTo(1);
    }

    @Test
    void should_read_the_example_configuration_as_the_defaults() throws IOException {
        PropertiesConfigSource example = new PropertiesConfigSource(Path.of("config", "milvus.properties").toUri().toURL());

        assertThat(MilvusOptions.from(mapping(example.getProperties()))).isEqualTo(MilvusOptions.defaults(DEFAULT_URI));
    }

    @Test
    void should_read_every_setting() {
        MilvusOptions options = MilvusOptions.from(mapping(Map.ofEntries(
                Map.entry("gateway.milvus.uri", "https://in01.zillizcloud.com:19530"), Map.entry("gateway.milvus.token", "key"),
                Map.entry("gateway.milvus.database", "gw"), Map.entry("gateway.milvus.connect-timeout", "2s"),
                Map.entry("gateway.milvus.call-timeout", "3s"), Map.entry("gateway.milvus.consistency-level", "session"),
                Map.entry("gateway.milvus.max-partitions", "4096"), Map.entry("gateway.milvus.shared-placement-cache-ttl", "0s"),
                Map.entry("gateway.milvus.load-timeout", "5m"), Map.entry("gateway.milvus.write-request-bytes", "2048"),
                Map.entry("gateway.milvus.index.type", "autoindex"), Map.entry("gateway.milvus.index.m", "32"),
                Map.entry("gateway.milvus.index.ef-construction", "400"), Map.entry("gateway.milvus.search.ef", "64"),
                Map.entry("gateway.milvus.retry.max-attempts", "3"), Map.entry("gateway.milvus.retry.initial-backoff", "50ms"),
                Map.entry("gateway.milvus.retry.max-backoff", "2s"), Map.entry("gateway.milvus.retry.on-rate-limit", "false"))));

        assertThat(options).isEqualTo(new MilvusOptions("https://in01.zillizcloud.com:19530", "key", "gw", Duration.ofSeconds(2),
                Duration.ofSeconds(3), "SESSION", 4096, Duration.ZERO, Duration.ofMinutes(5), 2048, "AUTOINDEX", 32, 400, 64, 3,
                Duration.ofMillis(50), Duration.ofSeconds(2), false));
    }

    private static MilvusConfig mapping(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withMapping(MilvusConfig.class)
                .build();
        return config.getConfigMapping(MilvusConfig.class);
    }
}
