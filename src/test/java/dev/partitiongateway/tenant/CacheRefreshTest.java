package dev.partitiongateway.tenant;

import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A change whose notification was missed reaches the caches by a background reload, not by a request waiting on PostgreSQL. */
@QuarkusTest
@TestProfile(CacheRefreshTest.ShortLifetime.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class CacheRefreshTest {

    public static class ShortLifetime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.auth.cache-ttl", "2s");
        }
    }

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_reload_a_tenant_in_use_in_the_background_when_its_change_notification_was_missed() throws Exception {
        String tenant = createTenant("refreshed");
        String key = readWriteKey(tenant);
        as(key).get("/v1/tenant").then().statusCode(200);

        // Changed behind the gateway's back: no NOTIFY, so only the cache's own reload can see it.
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE tenants SET status = 'SUSPENDED' WHERE id = ?")) {
            s.setString(1, tenant);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int status;
        do {
            Thread.sleep(100);
            status = as(key).get("/v1/tenant").then().extract().statusCode();
        } while (status == 200 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(403);
    }
}
