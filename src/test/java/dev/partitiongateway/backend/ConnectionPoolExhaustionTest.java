package dev.partitiongateway.backend;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every PostgreSQL connection of the pool in use (a burst of slow writes, a stuck transaction): a
 * request that cannot get one within the acquisition timeout is a 503 the client may retry, not a 500.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ConnectionPoolExhaustionTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_answer_503_database_unavailable_while_no_connection_can_be_had_and_recover_after() throws Exception {
        String collection = createCollection("pool", 2, "L2");
        String key = readWriteKey(createTenant("pool"));
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200);

        List<Connection> held = new ArrayList<>();
        try {
            int max = dataSource.getConfiguration().connectionPoolConfiguration().maxSize();
            for (int i = 0; i < max; i++) {
                held.add(dataSource.getConnection());
            }
            upsert(key, collection, List.of(vector("b", 0, 1))).statusCode(503)
                    .contentType("application/problem+json")
                    .body("code", equalTo("DATABASE_UNAVAILABLE"))
                    .header("Retry-After", notNullValue());
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        upsert(key, collection, List.of(vector("b", 0, 1))).statusCode(200);
        assertThat(usage(key)).isEqualTo(2);
    }
}
