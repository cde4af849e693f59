package dev.partitiongateway.support;

import dev.partitiongateway.embedded.EmbeddedDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts a real embedded PostgreSQL in a fresh temporary data directory for the test run, and points
 * the gateway's datasource and data dir (Lucene indexes) at it.
 */
public class EmbeddedPostgresResource implements QuarkusTestResourceLifecycleManager {

    private Path dataDir;
    private EmbeddedDatabase database;

    @Override
    public Map<String, String> start() {
        try {
            dataDir = Files.createTempDirectory("pgw-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        database = EmbeddedDatabase.start(dataDir.resolve("postgres"));
        return Map.of(
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "quarkus.datasource.username", EmbeddedDatabase.USER,
                "gateway.data-dir", dataDir.toString(),
                "gateway.admin.key", TestApi.OPERATOR_KEY,
                // flushed explicitly by the tests that look at it, so no background query runs mid-test
                "gateway.auth.last-used-flush-interval", "1h");
    }

    @Override
    public void stop() {
        if (database != null) {
            database.close();
        }
        deleteRecursively(dataDir);
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
