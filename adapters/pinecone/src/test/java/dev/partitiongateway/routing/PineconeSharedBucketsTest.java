package dev.partitiongateway.routing;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@link SharedBucketsApiTest}'s tests, through the gateway, with Pinecone (its fake server) as the default backend. */
@QuarkusTest
@TestProfile(dev.partitiongateway.adapter.pinecone.PineconeBackendProfile.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PineconeSharedBucketsTest extends SharedBucketsApiTest {
}
