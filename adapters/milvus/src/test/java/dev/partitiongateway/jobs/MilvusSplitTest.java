package dev.partitiongateway.jobs;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@link SplitShardsTest}'s splits, through the gateway, with Milvus (its fake server) as the default backend. */
@QuarkusTest
@TestProfile(dev.partitiongateway.adapter.milvus.api.MilvusGatewayProfile.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class MilvusSplitTest extends SplitShardsTest {
}
