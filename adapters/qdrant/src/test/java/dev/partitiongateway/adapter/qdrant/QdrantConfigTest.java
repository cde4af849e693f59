package dev.partitiongateway.adapter.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.adapter.qdrant.QdrantOptions.PartitionMode;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code gateway.qdrant.*}: every key has a default, and the example in config/ is what the defaults say. */
class QdrantConfigTest {

    @Test
    void should_start_from_defaults_when_nothing_is_configured() {
        QdrantOptions options = QdrantOptions.from(mapping(Map.of()));

        assertThat(options).isEqualTo(QdrantOptions.defaults("localhost", 6334));
    }

    @Test
    void should_read_the_example_configuration_as_the_defaults_plus_what_it_sets() throws IOException {
        PropertiesConfigSource example = new PropertiesConfigSource(Path.of("config", "qdrant.properties").toUri().toURL());

        QdrantOptions options = QdrantOptions.from(mapping(example.getProperties()));

        assertThat(options).isEqualTo(QdrantOptions.defaults("localhost", 6334));
    }

    @Test
    void should_read_every_setting() {
        QdrantOptions options = QdrantOptions.from(mapping(Map.ofEntries(
                Map.entry("gateway.qdrant.host", "xyz.cloud.qdrant.io"), Map.entry("gateway.qdrant.tls", "true"),
                Map.entry("gateway.qdrant.api-key", "k"), Map.entry("gateway.qdrant.timeout", "3s"),
                Map.entry("gateway.qdrant.partition-mode", "collection"), Map.entry("gateway.qdrant.max-collections", "50"),
                Map.entry("gateway.qdrant.collection-prefix", "gw_"), Map.entry("gateway.qdrant.hnsw-payload-m", "16"),
                Map.entry("gateway.qdrant.search-hnsw-ef", "128"), Map.entry("gateway.qdrant.read-consistency", "majority"),
                Map.entry("gateway.qdrant.max-metadata-indexes", "10"))));

        assertThat(options.tls()).isTrue();
        assertThat(options.apiKey()).isEqualTo("k");
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.partitionMode()).isEqualTo(PartitionMode.COLLECTION);
        assertThat(options.maxCollections()).isEqualTo(50);
        assertThat(options.collectionPrefix()).isEqualTo("gw_");
        assertThat(options.hnswPayloadM()).isEqualTo(16);
        assertThat(options.searchHnswEf()).isEqualTo(128);
        assertThat(options.readConsistency()).isEqualTo("majority");
        assertThat(options.maxMetadataIndexes()).isEqualTo(10);
    }

    @Test
    void should_refuse_settings_that_cannot_work_with_the_key_named() {
        assertThatThrownBy(() -> QdrantOptions.from(mapping(Map.of("gateway.qdrant.partition-mode", "namespace"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.qdrant.partition-mode");
        assertThatThrownBy(() -> QdrantOptions.from(mapping(Map.of("gateway.qdrant.registry-collection", "placements"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.qdrant.registry-collection");
        assertThatThrownBy(() -> QdrantOptions.from(mapping(Map.of("gateway.qdrant.collection-prefix", "a.b"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.qdrant.collection-prefix");
    }

    private static QdrantConfig mapping(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withMapping(QdrantConfig.class)
                .build();
        return config.getConfigMapping(QdrantConfig.class);
    }
}
