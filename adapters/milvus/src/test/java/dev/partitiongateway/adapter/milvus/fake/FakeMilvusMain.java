package dev.partitiongateway.adapter.milvus.fake;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the fake Milvus server on its own, so that the gateway (or the live contract suite) can be
 * pointed at it without a Milvus installation. From the repository root:
 * <pre>
 * ./mvnw -B -q -o test-compile org.codehaus.mojo:exec-maven-plugin:3.5.1:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.partitiongateway.adapter.milvus.fake.FakeMilvusMain -Dexec.args="19530"
 * </pre>
 * Arguments: {@code <port> [--three-valued] [--max-partitions N] [--token user:password] [--host 0.0.0.0]
 * [--visibility-lag-ms N]}. State lives in memory and is gone when the process ends.
 */
public final class FakeMilvusMain {

    private FakeMilvusMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: FakeMilvusMain <port> [--three-valued] [--max-partitions N] [--token user:password]"
                    + " [--host 127.0.0.1] [--visibility-lag-ms N]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String host = "127.0.0.1";
        FakeMilvusServer.Options options = FakeMilvusServer.Options.defaults().withLoadingPolls(1);
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--three-valued" -> options = options.withMissingKeySemantics(MissingKeySemantics.THREE_VALUED);
                case "--max-partitions" -> options = options.withMaxPartitionNum(Integer.parseInt(args[++i]));
                case "--token" -> options = options.withToken(args[++i]);
                case "--host" -> host = args[++i];
                case "--visibility-lag-ms" -> options = options.withVisibilityLag(Duration.ofMillis(Long.parseLong(args[++i])));
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        FakeMilvusServer server = FakeMilvusServer.start(host, port, options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "fake-milvus-shutdown"));
        System.out.println("Fake Milvus listening on http://" + host + ":" + server.port() + " (missing keys: "
                + options.missingKeySemantics() + ", max partitions: " + options.maxPartitionNum() + ")."
                + " Point the gateway at it with gateway.milvus.uri=http://" + host + ":" + server.port());
        stopped.await();
    }
}
