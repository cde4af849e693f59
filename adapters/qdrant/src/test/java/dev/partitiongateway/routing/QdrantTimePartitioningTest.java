package dev.partitiongateway.routing;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@link TimePartitioningTest}'s tests, through the gateway, with Qdrant (its fake server) as the default backend. */
@QuarkusTest
@TestProfile(dev.partitiongateway.adapter.qdrant.QdrantGatewayTest.OnQdrant.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class QdrantTimePartitioningTest extends TimePartitioningTest {
}
