package dev.partitiongateway.jobs;

import static dev.partitiongateway.jobs.ArchiveRestoreTest.archive;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.fetchAll;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.fill;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.restore;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.search;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.state;
import static dev.partitiongateway.jobs.ArchiveRestoreTest.usage;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.archive.ArchiveStore;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Test;

/**
 * Archive and restore through the S3 store: the gateway configured with {@code gateway.archive.kind=s3}
 * against S3Proxy, a real S3 protocol server started in this JVM (SigV4 checked), with small archive
 * files so that one archive is several uploads.
 */
@QuarkusTest
@TestProfile(ArchiveRestoreS3Test.OnS3.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ArchiveRestoreS3Test {

    static final String BUCKET = "gateway-archives";

    public static class OnS3 implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3ProxyResource.class));
        }
    }

    /** S3Proxy over an in-memory blob store, with the bucket made; the gateway's archive store points at it. */
    public static class S3ProxyResource implements QuarkusTestResourceLifecycleManager {
        private S3Proxy server;
        private BlobStoreContext blobs;

        @Override
        public Map<String, String> start() {
            try {
                blobs = ContextBuilder.newBuilder("transient").credentials("identity", "credential").overrides(new Properties())
                        .build(BlobStoreContext.class);
                blobs.getBlobStore().createContainerInLocation(null, BUCKET);
                server = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "archive-it-access", "archive-it-secret").build();
                server.start();
                while (!server.getState().equals(AbstractLifeCycle.STARTED)) {
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                throw new IllegalStateException("S3Proxy did not start", e);
            }
            return Map.of("gateway.archive.kind", "s3", "gateway.archive.endpoint", "http://127.0.0.1:" + server.getPort(),
                    "gateway.archive.bucket", BUCKET, "gateway.archive.prefix", "it/", "gateway.archive.path-style", "true",
                    "gateway.archive.access-key", "archive-it-access", "gateway.archive.secret-key", "archive-it-secret",
                    "gateway.archive.records-per-file", "100");
        }

        @Override
        public void stop() {
            try {
                if (server != null) {
                    server.stop();
                }
            } catch (Exception ignored) {
                // the JVM is ending the test run
            }
            if (blobs != null) {
                blobs.close();
            }
        }
    }

    @Inject
    ArchiveStore store;

    @Test
    void should_archive_to_s3_in_several_files_and_restore_every_id_value_and_metadata() throws Exception {
        assertThat(store.location()).startsWith("s3://" + BUCKET + "/it/");
        ArchiveRestoreTest.Fixture f = fill("archs3", 457);

        awaitJob(archive(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        assertThat(state(f.collection(), f.placement())).isEqualTo("ARCHIVED");
        List<String> keys = store.list(f.collection() + "/" + f.placement() + "/").stream().map(ArchiveStore.StoredObject::key).toList();
        assertThat(keys.stream().filter(k -> k.endsWith(".parquet"))).as("457 records, 100 per file").hasSize(5);
        assertThat(keys.stream().filter(k -> k.endsWith("/manifest.json"))).hasSize(1);
        search(f).statusCode(200).body("archived", equalTo(List.of(f.placement()))).body("results.size()", equalTo(0));

        awaitJob(restore(f.collection(), f.placement()), "SUCCEEDED", PATIENCE);
        assertThat(fetchAll(f.key(), f.collection(), 457)).isEqualTo(f.stored());
        assertThat(usage(f.key())).isEqualTo(457);
    }
}
