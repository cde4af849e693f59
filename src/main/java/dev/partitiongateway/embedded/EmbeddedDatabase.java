package dev.partitiongateway.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * A real PostgreSQL server whose data directory is {@code <data dir>/postgres}, for running the
 * gateway (and its tests) without installing anything. The server's binaries come from a Maven jar;
 * a second start on the same directory reuses its data instead of initialising a new cluster.
 *
 * <p>It is durable: zonky's defaults for tests ({@code fsync} off, asynchronous commit) are turned back
 * to PostgreSQL's own, so an acknowledged write survives a crash of the machine.
 *
 * <p>One gateway process at a time: a lock file next to the data directory is held while the server
 * runs, and released by the operating system if the process dies. A server left running by a gateway
 * that was killed (the server is a child process and outlives it) is found through its
 * {@code postmaster.pid} and stopped before starting again; a server on the directory that the gateway
 * did not start is a clear error instead.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);

    public static final String DATABASE = "gateway";
    public static final String USER = "postgres";
    /** Set on every server the gateway starts, so that an orphaned one can be recognised as its own. */
    static final String CLUSTER_NAME = "partition-gateway";
    private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory, FileChannel lockChannel, FileLock lock) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Starts PostgreSQL on {@code dataDirectory} (created and initialised if empty) and makes sure the gateway database exists. */
    public static EmbeddedDatabase start(Path dataDirectory) {
        return start(dataDirectory, 0);
    }

    /** As {@link #start(Path)}, on {@code port} (0: any free port). */
    public static EmbeddedDatabase start(Path dataDirectory, int port) {
        Path directory = dataDirectory.toAbsolutePath().normalize();
        FileChannel lockChannel = null;
        FileLock lock = null;
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolveSibling(directory.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException heldInThisProcess) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("another gateway process is using the embedded PostgreSQL in " + directory
                        + "; stop it first, or give this one another gateway.data-dir");
            }
            lockChannel.truncate(0).write(StandardCharsets.UTF_8.encode(ProcessHandle.current().pid() + "\n"), 0);
            stopOrphanedServer(directory);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres postgres = builder
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    // Stopped by the launcher after the gateway's own shutdown, not concurrently with it.
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("cluster_name", CLUSTER_NAME)
                    // Durability: zonky starts servers for throwaway tests with these off (-F, synchronous_commit=off).
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .start();
            EmbeddedDatabase database = new EmbeddedDatabase(postgres, directory, lockChannel, lock);
            database.createDatabaseIfMissing();
            return database;
        } catch (IOException e) {
            release(lockChannel, lock);
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + directory, e);
        } catch (RuntimeException e) {
            release(lockChannel, lock);
            throw e;
        }
    }

    /**
     * With the directory's lock held, no live gateway uses this directory: a server still running on
     * it was left by one that was killed. Stops it if it is one the gateway started; refuses to
     * touch one it did not. A {@code postmaster.pid} naming a process that is gone or that is now
     * another program is stale and removed (PostgreSQL refuses to start while its PID is alive).
     */
    static void stopOrphanedServer(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        long pid;
        try {
            pid = Long.parseLong(lines.isEmpty() ? "" : lines.get(0).trim());
        } catch (NumberFormatException e) {
            LOG.warnf("removing an unreadable %s", pidFile);
            Files.deleteIfExists(pidFile);
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return; // PostgreSQL removes the lock file of a process that no longer exists
        }
        String command = process.get().info().commandLine().orElse("");
        boolean servesThisDirectory = command.contains("postgres") && (command.contains(directory.toString())
                || command.contains(directory.toRealPath().toString()));
        if (!servesThisDirectory) {
            LOG.warnf("removing %s: it names pid %d, which is now another program (%s)", pidFile, pid, command);
            Files.deleteIfExists(pidFile);
            return;
        }
        if (!command.contains("cluster_name=" + CLUSTER_NAME)) {
            throw new IllegalStateException("a PostgreSQL server that the gateway did not start (pid " + pid + ") is running on "
                    + directory + "; stop it, or give the gateway another gateway.data-dir");
        }
        LOG.warnf("stopping the embedded PostgreSQL (pid %d) left running on %s by a gateway process that did not shut down", pid, directory);
        process.get().destroy(); // SIGTERM: a smart shutdown, quick since its clients died with their gateway
        try {
            try {
                process.get().onExit().get(ORPHAN_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                LOG.warnf("PostgreSQL pid %d did not stop within %s; killing it (it recovers from its log at the next start)",
                        pid, ORPHAN_STOP_WAIT);
                process.get().destroyForcibly();
                process.get().onExit().get(ORPHAN_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping PostgreSQL pid " + pid, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not stop the PostgreSQL server (pid " + pid + ") left running on " + directory, e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    private void createDatabaseIfMissing() {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, DATABASE);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    try (Statement create = c.createStatement()) {
                        create.execute("CREATE DATABASE " + DATABASE);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + DATABASE + " in embedded PostgreSQL", e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            release(lockChannel, lock);
        }
    }

    private static void release(FileChannel channel, FileLock lock) {
        try {
            if (lock != null) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.debugf("releasing the data directory lock: %s", e.getMessage());
        }
    }
}
