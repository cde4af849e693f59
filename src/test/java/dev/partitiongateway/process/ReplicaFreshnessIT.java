package dev.partitiongateway.process;

import static dev.partitiongateway.process.GatewayClient.admin;
import static dev.partitiongateway.process.GatewayClient.expect;
import static dev.partitiongateway.process.GatewayClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.embedded.EmbeddedDatabase;
import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes on one PostgreSQL, with caches that would otherwise hold entries for an hour:
 * what the operator changes through one applies on the other within a second.
 */
class ReplicaFreshnessIT {

    @TempDir
    Path dir;

    @Test
    void should_apply_key_tenant_and_collection_changes_made_on_one_replica_on_the_other_within_a_second() throws Exception {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(dir.resolve("postgres"));
             GatewayProcess a = GatewayProcess.start(replica(database, "a"));
             GatewayProcess b = GatewayProcess.start(replica(database, "b"))) {
            String key = GatewayClient.tenantWithKey(a, "shared-tenant", 1000);
            expect(b.call("GET", "/v1/tenant", key, null), 200); // now cached on b

            String keyId = json(admin(a, "GET", "/v1/admin/tenants/shared-tenant/keys", null)).get("keys").get(0).get("id").asText();
            expect(admin(a, "DELETE", "/v1/admin/tenants/shared-tenant/keys/" + keyId, null), 204);
            assertWithinASecond("a key revoked on a", () -> b.call("GET", "/v1/tenant", key, null).status(), 401);

            String second = json(expect(admin(a, "POST", "/v1/admin/tenants/shared-tenant/keys",
                    "{\"name\":\"second\",\"scopes\":[\"read\",\"write\"]}"), 201)).get("key").asText();
            expect(b.call("GET", "/v1/tenant", second, null), 200);
            expect(admin(a, "PATCH", "/v1/admin/tenants/shared-tenant", "{\"status\":\"SUSPENDED\"}"), 200);
            assertWithinASecond("a tenant suspended on a", () -> b.call("GET", "/v1/tenant", second, null).status(), 403);
            expect(admin(a, "PATCH", "/v1/admin/tenants/shared-tenant", "{\"status\":\"ACTIVE\"}"), 200);
            assertWithinASecond("a tenant reactivated on a", () -> b.call("GET", "/v1/tenant", second, null).status(), 200);

            GatewayClient.collection(a, "replicated", 4, "L2");
            expect(b.call("GET", "/v1/collections/replicated/stats", second, null), 200); // cached on b
            expect(admin(a, "DELETE", "/v1/admin/collections/replicated", null), 204);
            assertWithinASecond("a collection dropped on a",
                    () -> b.call("GET", "/v1/collections/replicated/stats", second, null).status(), 404);

            expect(admin(a, "DELETE", "/v1/admin/tenants/shared-tenant", null), 204);
            assertWithinASecond("a tenant deleted on a", () -> b.call("GET", "/v1/tenant", second, null).status(), 401);
            GatewayClient.tenantWithKey(a, "shared-tenant", 1000);
            expect(b.call("GET", "/v1/tenant", second, null), 401);
        }
    }

    private static Options replica(EmbeddedDatabase database, String name) {
        return Options.on(database.dataDirectory().resolveSibling("replica-" + name)).name("replica-" + name)
                .set("quarkus.datasource.jdbc.url", database.jdbcUrl())
                .set("quarkus.datasource.username", EmbeddedDatabase.USER)
                .set("gateway.auth.cache-ttl", "1h");
    }

    private static void assertWithinASecond(String what, Supplier<Integer> status, int expected) throws InterruptedException {
        long start = System.nanoTime();
        int seen;
        do {
            seen = status.get();
            if (seen == expected) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() - start < 1_000_000_000L);
        assertThat(seen).as("%s: answer on the other replica within a second", what).isEqualTo(expected);
    }
}
