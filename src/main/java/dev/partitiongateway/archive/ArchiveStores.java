package dev.partitiongateway.archive;

import dev.partitiongateway.config.GatewayConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Picks the archive store from {@code gateway.archive.*} and builds the {@link Archiver} on it. Both are
 * created at start, so that a store that cannot work (s3 without a bucket, an unusable endpoint) stops
 * the gateway with a message naming the setting, instead of failing the first archive job hours later.
 */
public class ArchiveStores {

    @Produces
    @Singleton
    @Startup
    ArchiveStore archiveStore(GatewayConfig config) {
        return create(config.archive(), Path.of(config.dataDir()));
    }

    void close(@Disposes ArchiveStore store) throws IOException {
        store.close();
    }

    @Produces
    @Singleton
    Archiver archiver(ArchiveStore store, GatewayConfig config) {
        return new Archiver(store, ArchiveSettings.of(config.archive()));
    }

    /** The store that {@code config} describes; {@code dataDir} holds the default local directory. */
    public static ArchiveStore create(GatewayConfig.Archive config, Path dataDir) {
        String prefix = config.prefix().map(ArchiveStores::trimSlashes).orElse("");
        if (config.kind() == GatewayConfig.Archive.Kind.LOCAL) {
            Path dir = config.localDir().map(Path::of).orElse(dataDir.resolve("archives"));
            return new LocalArchiveStore(prefix.isEmpty() ? dir : dir.resolve(ArchiveStore.checkKey(prefix)));
        }
        String bucket = config.bucket().filter(b -> !b.isBlank())
                .orElseThrow(() -> new IllegalStateException("gateway.archive.kind=s3 needs gateway.archive.bucket"));
        if (config.accessKey().isPresent() != config.secretKey().isPresent()) {
            throw new IllegalStateException("gateway.archive.access-key and gateway.archive.secret-key go together: set both or neither");
        }
        long partSize = config.multipartPartSize().asLongValue();
        if (partSize < S3ArchiveStore.MIN_PART_SIZE) {
            throw new IllegalStateException("gateway.archive.multipart-part-size must be at least 5M (S3's smallest part)");
        }
        return new S3ArchiveStore(s3Client(config), bucket, prefix, partSize);
    }

    /**
     * An S3 client over the JDK's HTTP client. Checksums are sent and checked only where S3 requires
     * them: many S3-compatible stores refuse the CRC trailers that the SDK adds by default, and every
     * archive file carries its SHA-256 in the manifest, which verification checks end to end anyway.
     */
    static S3Client s3Client(GatewayConfig.Archive config) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2)))
                .forcePathStyle(config.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(credentials(config));
        Optional<String> endpoint = config.endpoint().filter(e -> !e.isBlank());
        if (endpoint.isPresent()) {
            builder.endpointOverride(endpoint(endpoint.get()));
        }
        Optional<String> region = config.region().filter(r -> !r.isBlank()).or(() -> endpoint.map(e -> "us-east-1"));
        region.map(Region::of).ifPresent(builder::region);
        try {
            return builder.build();
        } catch (RuntimeException e) {
            throw new IllegalStateException("gateway.archive: cannot build the S3 client (" + e.getMessage()
                    + "); set gateway.archive.region or the AWS_REGION environment variable", e);
        }
    }

    private static AwsCredentialsProvider credentials(GatewayConfig.Archive config) {
        if (config.accessKey().isPresent()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey().get(), config.secretKey().orElseThrow()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    private static URI endpoint(String value) {
        try {
            URI uri = new URI(value);
            if (uri.getScheme() == null || uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new URISyntaxException(value, "not an http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("gateway.archive.endpoint must be an http(s) URL such as https://minio.example.com:9000, not " + value, e);
        }
    }

    private static String trimSlashes(String prefix) {
        return prefix.replaceAll("^/+|/+$", "");
    }
}
