package dev.partitiongateway.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The packaged gateway ({@code target/quarkus-app/quarkus-run.jar}) running as a child process, as an
 * operator runs it: for tests that kill it, stop it, restart it on the same data, or run two of them
 * on one database. Its log goes to {@code target/it-logs}.
 */
public final class GatewayProcess implements AutoCloseable {

    public static final String OPERATOR_KEY = TestApi.OPERATOR_KEY;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private GatewayProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Options of one start: the data directory, and any extra {@code -D} settings. */
    public static final class Options {
        private final Path dataDir;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private String name = "gateway";

        private Options(Path dataDir) {
            this.dataDir = dataDir;
        }

        public static Options on(Path dataDir) {
            return new Options(dataDir);
        }

        public Options set(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Options name(String name) {
            this.name = name;
            return this;
        }
    }

    /** Starts the gateway and waits until it reports ready. */
    public static GatewayProcess start(Options options) throws IOException, InterruptedException {
        String jar = System.getProperty("gateway.jar", "target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException(jar + " is missing: integration tests run after 'package' (./mvnw verify)");
        }
        int port = freePort();
        Path logs = Path.of(System.getProperty("gateway.it.logs", "target/it-logs"));
        Files.createDirectories(logs);
        Path log = logs.resolve(options.name + "-" + SEQUENCE.incrementAndGet() + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dquarkus.http.port=" + port, "-Dgateway.data-dir=" + options.dataDir,
                "-Dgateway.admin.key=" + OPERATOR_KEY));
        options.properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        GatewayProcess gateway = new GatewayProcess(process, port, log);
        gateway.awaitReady(Duration.ofSeconds(120));
        return gateway;
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** {@code kill -9}: no shutdown hook runs; an embedded PostgreSQL it started keeps running, orphaned. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    /** {@code kill -TERM}: a graceful stop; returns the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the gateway did not stop within 120 s after SIGTERM; see " + log);
        }
        return process.exitValue();
    }

    /** Status and body of a request, without failing on a connection error (status -1 then). */
    public Answer call(String method, String path, String bearer, String jsonBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            return new Answer(-1, e.toString(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, e.toString(), null);
        }
    }

    public record Answer(int status, String body, String retryAfter) {
    }

    private void awaitReady(Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the gateway exited with " + process.exitValue() + " while starting:\n" + tail());
            }
            if (call("GET", "/q/health/ready", null, null).status() == 200) {
                return;
            }
            Thread.sleep(200);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the gateway was not ready within " + timeout + ":\n" + tail());
    }

    /** The last lines of the log, for failure messages. */
    public String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            terminate();
        }
    }
}
