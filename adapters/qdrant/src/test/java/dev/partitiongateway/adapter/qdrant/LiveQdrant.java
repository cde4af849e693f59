package dev.partitiongateway.adapter.qdrant;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.partitiongateway.adapter.qdrant.QdrantOptions.PartitionMode;
import java.net.URI;
import java.time.Duration;

/**
 * A real Qdrant for the live contract tests, from {@code QDRANT_URL} (its gRPC address:
 * {@code http://localhost:6334}, or {@code https://<cluster>.cloud.qdrant.io:6334}; {@code https}
 * switches TLS on, the port defaults to 6334) and the optional {@code QDRANT_API_KEY}.
 */
final class LiveQdrant {

    private LiveQdrant() {
    }

    static void requireConfigured() {
        assumeTrue(System.getenv("QDRANT_URL") != null && !System.getenv("QDRANT_URL").isBlank(),
                "QDRANT_URL is not set: the live Qdrant contract tests run only against a real Qdrant (e.g. QDRANT_URL=http://localhost:6334)");
    }

    static QdrantOptions options(PartitionMode mode) {
        String url = System.getenv("QDRANT_URL").trim();
        URI uri = URI.create(url.contains("://") ? url : "http://" + url);
        boolean tls = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : 6334;
        String apiKey = System.getenv("QDRANT_API_KEY");
        return QdrantOptions.builder(uri.getHost(), port)
                .tls(tls)
                .apiKey(apiKey == null || apiKey.isBlank() ? null : apiKey)
                .timeout(Duration.ofSeconds(30), 2, Duration.ofMillis(500))
                .partitionMode(mode)
                .build();
    }
}
