package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.util.Properties;
import java.util.UUID;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The store contract against a real S3 server in this JVM: S3Proxy (an S3 protocol implementation
 * on Jetty) over jclouds' in-memory blob store, reached over HTTP by the same client, with the same
 * settings, that the gateway builds from {@code gateway.archive.*}. Signatures (SigV4) are checked.
 */
class ArchiveStoreS3Test extends ArchiveStoreContract {

    static final String ACCESS_KEY = "archive-test-access";
    static final String SECRET_KEY = "archive-test-secret";

    static S3Proxy server;
    static BlobStoreContext blobs;
    static URI endpoint;

    String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        Properties properties = new Properties();
        blobs = ContextBuilder.newBuilder("transient").credentials("identity", "credential").overrides(properties)
                .build(BlobStoreContext.class);
        server = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        server.start();
        while (!server.getState().equals(AbstractLifeCycle.STARTED)) {
            Thread.sleep(10);
        }
        endpoint = URI.create("http://127.0.0.1:" + server.getPort());
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.stop();
        blobs.close();
    }

    @Override
    ArchiveStore newStore() {
        // A bucket per test, and a prefix, so that tests see only their own objects and keys are mapped both ways.
        bucket = "archives-" + UUID.randomUUID().toString().substring(0, 8);
        TestArchiveConfig config = TestArchiveConfig.s3(endpoint.toString(), bucket, ACCESS_KEY, SECRET_KEY)
                .withPrefix("/gateway/archives/").withPartSize("5M");
        try (S3Client admin = ArchiveStores.s3Client(config)) {
            admin.createBucket(b -> b.bucket(bucket));
        }
        return ArchiveStores.create(config, work);
    }

    @Test
    void should_keep_objects_under_the_configured_prefix_of_the_bucket() throws IOException {
        store.put("c/p/a", bytes("x"));

        assertThat(blobs.getBlobStore().blobExists(bucket, "gateway/archives/c/p/a")).isTrue();
        assertThat(store.location()).isEqualTo("s3://" + bucket + "/gateway/archives/");
    }

    @Test
    void should_upload_a_big_file_in_parts() throws IOException {
        java.nio.file.Path big = work.resolve("parts.bin");
        byte[] chunk = new byte[1024 * 1024];
        try (var out = java.nio.file.Files.newOutputStream(big)) {
            for (int i = 0; i < 11; i++) {
                out.write(chunk);
            }
        }
        store.put("parts/file", big);

        // S3 names a multipart object's ETag after its parts: "<md5 of part md5s>-<number of parts>".
        String etag = blobs.getBlobStore().blobMetadata(bucket, "gateway/archives/parts/file").getETag();
        assertThat(etag).endsWith("-3\"");
    }

    @Test
    void should_fail_with_the_object_named_when_the_credentials_are_wrong() throws IOException {
        TestArchiveConfig wrong = TestArchiveConfig.s3(endpoint.toString(), bucket, ACCESS_KEY, "not-the-secret");
        try (ArchiveStore denied = ArchiveStores.create(wrong, work)) {
            assertThatThrownBy(() -> denied.put("c/p/a", bytes("x"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("s3://" + bucket + "/c/p/a");
        }
    }

    @Test
    void should_fail_clearly_when_the_bucket_does_not_exist() throws IOException {
        TestArchiveConfig missing = TestArchiveConfig.s3(endpoint.toString(), "no-such-bucket", ACCESS_KEY, SECRET_KEY);
        try (ArchiveStore absent = ArchiveStores.create(missing, work)) {
            // Not "no such key": a missing bucket is a broken setup, not an absent archive.
            assertThatThrownBy(() -> absent.open("c/p/a")).isInstanceOf(IOException.class).isNotInstanceOf(java.nio.file.NoSuchFileException.class)
                    .hasMessageContaining("no-such-bucket");
            assertThatThrownBy(() -> absent.put("c/p/a", bytes("x"))).isInstanceOf(IOException.class).hasMessageContaining("no-such-bucket");
        }
    }
}
