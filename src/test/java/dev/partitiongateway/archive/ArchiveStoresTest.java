package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gateway.archive.*} picks the store; a setting that cannot work fails when the store is made,
 * which the producer does at start ({@code @Startup}), with a message naming the setting.
 */
class ArchiveStoresTest {

    @TempDir
    Path dataDir;

    @Test
    void should_keep_archives_under_the_data_dir_by_default() throws IOException {
        try (ArchiveStore store = ArchiveStores.create(TestArchiveConfig.local(null), dataDir)) {
            assertThat(store).isInstanceOf(LocalArchiveStore.class);
            assertThat(((LocalArchiveStore) store).root()).isEqualTo(dataDir.resolve("archives").toAbsolutePath());
        }
    }

    @Test
    void should_use_the_configured_local_dir_and_prefix() throws IOException {
        Path elsewhere = dataDir.resolve("elsewhere");
        try (ArchiveStore store = ArchiveStores.create(TestArchiveConfig.local(elsewhere.toString()).withPrefix("/cold/"), dataDir)) {
            assertThat(((LocalArchiveStore) store).root()).isEqualTo(elsewhere.resolve("cold").toAbsolutePath());
        }
    }

    @Test
    void should_build_an_s3_store_from_endpoint_bucket_and_prefix() throws IOException {
        try (ArchiveStore store = ArchiveStores.create(TestArchiveConfig.s3("http://localhost:9000", "cold", "a", "s").withPrefix("gw"), dataDir)) {
            assertThat(store).isInstanceOf(S3ArchiveStore.class);
            assertThat(store.location()).isEqualTo("s3://cold/gw/");
        }
    }

    @Test
    void should_refuse_s3_without_a_bucket() {
        assertThatThrownBy(() -> ArchiveStores.create(TestArchiveConfig.s3("http://localhost:9000", null, "a", "s"), dataDir))
                .isInstanceOf(IllegalStateException.class).hasMessage("gateway.archive.kind=s3 needs gateway.archive.bucket");
    }

    @Test
    void should_refuse_an_access_key_without_its_secret() {
        TestArchiveConfig config = new TestArchiveConfig(TestArchiveConfig.s3("http://localhost:9000", "b", "a", null).kind(),
                Optional.empty(), Optional.of("http://localhost:9000"), Optional.of("b"), Optional.empty(), Optional.empty(),
                Optional.of("a"), Optional.empty(), true, "64M");
        assertThatThrownBy(() -> ArchiveStores.create(config, dataDir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gateway.archive.access-key and gateway.archive.secret-key");
    }

    @Test
    void should_refuse_an_endpoint_that_is_not_an_http_url() {
        assertThatThrownBy(() -> ArchiveStores.create(TestArchiveConfig.s3("localhost:9000", "b", "a", "s"), dataDir))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gateway.archive.endpoint must be an http(s) URL");
    }

    @Test
    void should_refuse_parts_smaller_than_s3_allows() {
        assertThatThrownBy(() -> ArchiveStores.create(TestArchiveConfig.s3("http://localhost:9000", "b", "a", "s").withPartSize("1M"), dataDir))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gateway.archive.multipart-part-size must be at least 5M");
    }
}
