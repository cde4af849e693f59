package dev.partitiongateway.embedded;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Entry point. With no {@code quarkus.datasource.jdbc.url} configured, starts an embedded PostgreSQL
 * under {@code <gateway.data-dir>/postgres} before Quarkus, and points the datasource at it: the
 * datasource, Flyway and Hibernate then start exactly as they would against a real server.
 */
@QuarkusMain
public class GatewayMain implements QuarkusApplication {

    private static final Logger LOG = Logger.getLogger(GatewayMain.class);
    static final String JDBC_URL = "quarkus.datasource.jdbc.url";

    /** The embedded database of this process, if the launcher started one; stopped by {@link #stopEmbedded()}. */
    private static volatile EmbeddedDatabase embedded;

    public static void main(String... args) {
        embedded = startEmbeddedUnlessConfigured(bootstrapConfig()).orElse(null);
        try {
            // The exit handler also runs when start-up fails, when no shutdown event is fired.
            Quarkus.run(GatewayMain.class, (exitCode, failure) -> {
                if (failure != null) {
                    LOG.error("Partition Gateway stopped: " + failure.getMessage(), failure);
                }
                stopEmbedded();
                System.exit(exitCode);
            }, args);
        } finally {
            stopEmbedded();
        }
    }

    /**
     * Stops the embedded database, once. Called after every shutdown observer (see
     * {@link EmbeddedDatabaseShutdown}) so that last writes, such as key usage, still reach it.
     */
    static synchronized void stopEmbedded() {
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
    }

    /**
     * With a JDBC URL configured, nothing; otherwise an embedded PostgreSQL under
     * {@code <gateway.data-dir>/postgres}, with the datasource pointed at it through system properties.
     */
    static Optional<EmbeddedDatabase> startEmbeddedUnlessConfigured(SmallRyeConfig config) {
        if (config.getOptionalValue(JDBC_URL, String.class).isPresent()) {
            return Optional.empty();
        }
        Path dataDir = Path.of(config.getOptionalValue("gateway.data-dir", String.class).orElse("./data"));
        EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDir.resolve("postgres").toAbsolutePath().normalize());
        System.setProperty(JDBC_URL, embedded.jdbcUrl());
        System.setProperty("quarkus.datasource.username", EmbeddedDatabase.USER);
        LOG.infof("Embedded PostgreSQL on port %d, data in %s", embedded.port(), embedded.dataDirectory());
        return Optional.of(embedded);
    }

    @Override
    public int run(String... args) {
        Quarkus.waitForExit();
        return 0;
    }

    /**
     * The configuration Quarkus will see for the two values decided before it starts: system
     * properties, environment, {@code ./config/application.properties} and the packaged
     * {@code application.properties}, in Quarkus' order of precedence and profile.
     */
    static SmallRyeConfig bootstrapConfig() {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .addDefaultSources()
                .withProfile(System.getProperty("quarkus.profile",
                        System.getenv().getOrDefault("QUARKUS_PROFILE", "prod")));
        try {
            Enumeration<URL> packaged = GatewayMain.class.getClassLoader().getResources("application.properties");
            while (packaged.hasMoreElements()) {
                builder.withSources(new PropertiesConfigSource(packaged.nextElement(), 250));
            }
            Path local = Path.of("config", "application.properties");
            if (Files.isRegularFile(local)) {
                builder.withSources(new PropertiesConfigSource(local.toUri().toURL(), 260));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return builder.build();
    }
}
