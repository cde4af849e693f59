package dev.partitiongateway.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayMainTest {

    @TempDir
    Path dataDir;

    @AfterEach
    void clearLauncherProperties() {
        System.clearProperty(GatewayMain.JDBC_URL);
        System.clearProperty("quarkus.datasource.username");
    }

    private static SmallRyeConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(values, "test", 500)).build();
    }

    @Test
    void should_start_nothing_when_a_jdbc_url_is_configured() {
        Optional<EmbeddedDatabase> started = GatewayMain.startEmbeddedUnlessConfigured(config(Map.of(
                GatewayMain.JDBC_URL, "jdbc:postgresql://db.example:5432/gateway",
                "gateway.data-dir", dataDir.toString())));

        assertThat(started).isEmpty();
        assertThat(dataDir.resolve("postgres")).doesNotExist();
        assertThat(System.getProperty(GatewayMain.JDBC_URL)).isNull();
    }

    @Test
    void should_start_an_embedded_postgres_under_the_data_dir_when_no_url_is_configured() throws Exception {
        Optional<EmbeddedDatabase> started = GatewayMain.startEmbeddedUnlessConfigured(config(Map.of(
                "gateway.data-dir", dataDir.toString())));
        try {
            assertThat(started).isPresent();
            assertThat(dataDir.resolve("postgres").resolve("postgresql.conf")).exists();
            String url = System.getProperty(GatewayMain.JDBC_URL);
            assertThat(url).isEqualTo(started.get().jdbcUrl());
            try (Connection c = DriverManager.getConnection(url)) {
                assertThat(c.isValid(5)).isTrue();
            }
        } finally {
            started.ifPresent(EmbeddedDatabase::close);
        }
    }
}
