package dev.partitiongateway.adapter.pinecone.fake;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The fake Pinecone as a standalone process, so that a gateway can be run against it by hand:
 *
 * <pre>
 * ./mvnw -B -q -o test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.partitiongateway.adapter.pinecone.fake.FakePineconeServer \
 *   -Dexec.args="8700 --index=docs:384:cosine --visibility-delay=200ms"
 * </pre>
 *
 * Arguments: the control-plane port, then any of {@code --index=<name>:<dimension>:<cosine|euclidean|dotproduct>}
 * (repeatable; indexes provisioned at start), {@code --api-key=<key>} (default {@code fake-pinecone-key}),
 * {@code --visibility-delay=<n>ms|<n>s} (default 0: writes visible at once). The gateway can also
 * create indexes itself ({@code gateway.pinecone.create-indexes=true}). Stop with Ctrl-C.
 */
public final class FakePineconeServer {

    private FakePineconeServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: FakePineconeServer <port> [--index=name:dimension:metric]... [--api-key=key] [--visibility-delay=200ms]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        FakePinecone.Behaviour behaviour = FakePinecone.Behaviour.DEFAULTS;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--api-key=")) {
                FakePinecone.Behaviour b = behaviour;
                behaviour = new FakePinecone.Behaviour(arg.substring("--api-key=".length()), b.visibilityDelay(),
                        b.negationsMatchMissingFields(), b.missingNamespaceDelete(), b.maxNamespacesPerIndex(), b.maxIndexes(),
                        b.requestsPerSecondPerNamespace(), b.retryAfterHint(), b.indexInitialisation());
            } else if (arg.startsWith("--visibility-delay=")) {
                behaviour = behaviour.withVisibilityDelay(duration(arg.substring("--visibility-delay=".length())));
            } else if (!arg.startsWith("--index=")) {
                System.err.println("unknown argument " + arg);
                System.exit(2);
            }
        }
        FakePinecone fake = FakePinecone.start(behaviour, port);
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--index=")) {
                String[] spec = args[i].substring("--index=".length()).split(":");
                FakeIndex index = fake.createIndex(spec[0], Integer.parseInt(spec[1]), spec[2]);
                System.out.println("index " + index.name() + " (" + index.dimension() + ", " + index.metric() + ") at host " + index.host());
            }
        }
        System.out.println("Fake Pinecone control plane on " + fake.controlPlaneUrl() + ", API key '" + fake.apiKey()
                + "', visibility delay " + behaviour.visibilityDelay().toMillis() + " ms. Point the gateway at it with:");
        System.out.println("  GATEWAY_BACKEND_DEFAULT=pinecone GATEWAY_PINECONE_API_KEY=" + fake.apiKey()
                + " GATEWAY_PINECONE_CONTROL_PLANE_URL=" + fake.controlPlaneUrl() + " GATEWAY_PINECONE_TLS=false"
                + " GATEWAY_PINECONE_CREATE_INDEXES=true");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fake.close();
            stopped.countDown();
        }, "fake-pinecone-shutdown"));
        stopped.await();
    }

    private static Duration duration(String text) {
        if (text.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        if (text.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
        }
        return Duration.ofMillis(Long.parseLong(text));
    }
}
