package dev.partitiongateway.adapter.qdrant.fake;

import java.time.Duration;

/**
 * Runs {@link FakeQdrant} on a localhost port until the process is stopped, so that a gateway can be
 * pointed at it by hand ({@code gateway.qdrant.host=127.0.0.1}, {@code gateway.qdrant.port=<port>}):
 * <pre>
 * ./mvnw -B -o -q test-compile org.codehaus.mojo:exec-maven-plugin:3.5.1:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.partitiongateway.adapter.qdrant.fake.FakeQdrantMain -Dexec.args="6334 --strict"
 * </pre>
 * Options after the port: {@code --strict} (Qdrant Cloud's strict mode for new collections),
 * {@code --max-collections N}, {@code --api-key KEY}, {@code --unwaited-write-delay-ms N}.
 * State lives in memory only.
 */
public final class FakeQdrantMain {

    private FakeQdrantMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: FakeQdrantMain <port> [--strict] [--max-collections N] [--api-key KEY] [--unwaited-write-delay-ms N]");
            System.exit(2);
        }
        FakeQdrant qdrant = FakeQdrant.start(Integer.parseInt(args[0]));
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--strict" -> qdrant.strictModeByDefault(true);
                case "--max-collections" -> qdrant.maxCollections(Integer.parseInt(args[++i]));
                case "--api-key" -> qdrant.requireApiKey(args[++i]);
                case "--unwaited-write-delay-ms" -> qdrant.applyUnwaitedWritesAfter(Duration.ofMillis(Long.parseLong(args[++i])));
                default -> {
                    System.err.println("unknown option " + args[i]);
                    qdrant.close();
                    System.exit(2);
                }
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(qdrant::close, "fake-qdrant-stop"));
        System.out.println("Fake Qdrant " + FakeQdrant.VERSION + " (gRPC) listening on " + qdrant.host() + ":" + qdrant.port());
        qdrant.awaitTermination();
    }
}
