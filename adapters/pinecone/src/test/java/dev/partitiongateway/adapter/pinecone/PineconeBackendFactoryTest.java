package dev.partitiongateway.adapter.pinecone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code gateway.pinecone.*} as an operator writes it, read the way the gateway reads it. */
class PineconeBackendFactoryTest {

    private static PineconeBackendConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(PineconeBackendConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(PineconeBackendConfig.class);
    }

    @Test
    void should_start_without_any_pinecone_setting_and_ask_for_the_key_only_when_opened() {
        PineconeBackendFactory factory = new PineconeBackendFactory(config(Map.of()));

        assertThat(factory.kind()).isEqualTo("pinecone");
        assertThatThrownBy(factory::create).isInstanceOf(IllegalStateException.class).hasMessageContaining("gateway.pinecone.api-key");
    }

    @Test
    void should_document_a_default_for_every_setting() {
        PineconeOptions options = PineconeBackendFactory.options(config(Map.of("gateway.pinecone.api-key", "k")));

        assertThat(options).isEqualTo(PineconeOptions.defaults("k", "https://api.pinecone.io"));
    }

    @Test
    void should_read_indexes_per_collection_a_default_index_and_every_tunable() {
        PineconeOptions options = PineconeBackendFactory.options(config(Map.ofEntries(
                Map.entry("gateway.pinecone.api-key", "k"),
                Map.entry("gateway.pinecone.control-plane-url", "http://localhost:8700"),
                Map.entry("gateway.pinecone.tls", "false"),
                Map.entry("gateway.pinecone.indexes.\"docs\".name", "docs-index"),
                Map.entry("gateway.pinecone.indexes.\"images\".host", "images-abc.svc.pinecone.io"),
                Map.entry("gateway.pinecone.default-index.name", "everything"),
                Map.entry("gateway.pinecone.create-indexes", "true"),
                Map.entry("gateway.pinecone.cloud", "gcp"),
                Map.entry("gateway.pinecone.region", "europe-west4"),
                Map.entry("gateway.pinecone.index-name-prefix", "gw-"),
                Map.entry("gateway.pinecone.timeout", "3s"),
                Map.entry("gateway.pinecone.control-plane-timeout", "20s"),
                Map.entry("gateway.pinecone.index-ready-timeout", "40s"),
                Map.entry("gateway.pinecone.retry.max-attempts", "6"),
                Map.entry("gateway.pinecone.retry.initial-backoff", "50ms"),
                Map.entry("gateway.pinecone.retry.max-backoff", "1s"),
                Map.entry("gateway.pinecone.max-upsert-bytes", "1000000"),
                Map.entry("gateway.pinecone.list-page-size", "50"))));

        assertThat(options.indexes()).containsEntry("docs", PineconeOptions.IndexLocation.named("docs-index"))
                .containsEntry("images", PineconeOptions.IndexLocation.at("images-abc.svc.pinecone.io"));
        assertThat(options.defaultIndex()).isEqualTo(PineconeOptions.IndexLocation.named("everything"));
        assertThat(options.tls()).isFalse();
        assertThat(options.createIndexes()).isTrue();
        assertThat(options.cloud()).isEqualTo("gcp");
        assertThat(options.region()).isEqualTo("europe-west4");
        assertThat(options.indexNamePrefix()).isEqualTo("gw-");
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.controlPlaneTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(options.indexReadyTimeout()).isEqualTo(Duration.ofSeconds(40));
        assertThat(options.retry()).isEqualTo(new PineconeOptions.RetryPolicy(6, Duration.ofMillis(50), Duration.ofSeconds(1)));
        assertThat(options.maxUpsertBytes()).isEqualTo(1_000_000);
        assertThat(options.listPageSize()).isEqualTo(50);
    }

    @Test
    void should_refuse_settings_pinecone_would_refuse_later() {
        assertThatThrownBy(() -> PineconeBackendFactory.options(config(Map.of("gateway.pinecone.api-key", "k",
                "gateway.pinecone.max-upsert-bytes", "3000000")))).hasMessageContaining("max-upsert-bytes");
        assertThatThrownBy(() -> PineconeBackendFactory.options(config(Map.of("gateway.pinecone.api-key", "k",
                "gateway.pinecone.list-page-size", "1000")))).hasMessageContaining("list-page-size");
        assertThatThrownBy(() -> PineconeBackendFactory.options(config(Map.of("gateway.pinecone.api-key", "k",
                "gateway.pinecone.index-name-prefix", "Bad_Prefix")))).hasMessageContaining("index-name-prefix");
    }
}
