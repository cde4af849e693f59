package dev.partitiongateway.backend;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class BackendFailureTest {

    @ConfigProperty(name = "gateway.data-dir")
    String dataDir;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_recreate_a_placement_whose_index_vanished_and_let_the_reconciler_unregister_what_it_held() throws Exception {
        String collection = createCollection("fragile", 2, "L2");
        String tenant = createTenant("fragile");
        String key = readWriteKey(tenant);
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200);
        String placement = asOperator().get("/v1/admin/collections/" + collection + "/partitions").then()
                .extract().path("partitions[0].placement");

        // The index directory disappears under the open writer (a lost disk): the next commit fails, the
        // retry finds no placement, and the write path creates it again, empty, and writes there.
        deleteRecursively(Path.of(dataDir, "lucene", collection, placement));
        upsert(key, collection, List.of(vector("b", 0, 1))).statusCode(200);
        assertThat(usage(key)).isEqualTo(2);

        asOperator().post("/v1/admin/reconcile?collection=" + collection).then().statusCode(200).body("lostUnregistered", equalTo(1));
        assertThat(usage(key)).isEqualTo(1);
        assertThat(registeredIds(tenant, collection)).containsExactly("b");
        asOperator().get("/v1/admin/collections/" + collection + "/partitions").then().body("partitions[0].vectorCount", equalTo(1));
    }

    @Inject
    BackendRegistry backends;

    @Test
    void should_delete_by_filter_records_the_backend_holds_but_the_registry_does_not() throws Exception {
        String collection = createCollection("orphans", 2, "L2");
        String tenant = createTenant("orphans");
        String key = readWriteKey(tenant);
        upsert(key, collection, List.of(vector("kept", List.of(1.0, 0.0), Map.of("batch", "one")))).statusCode(200);
        String placementName = asOperator().get("/v1/admin/collections/" + collection + "/partitions").then()
                .extract().path("partitions[0].placement");
        // What a commit failure after a successful backend write leaves behind: a record only the backend knows.
        Placement placement = Placement.dedicated(new CollectionSpec(collection, 2, Metric.L2), placementName, tenant);
        backends.get("lucene").upsert(placement, List.of(new VectorRecord("orphan", new float[] {0, 1}, Map.of("batch", "two"))));

        delete(key, collection, Map.of("filter", Map.of("batch", "two"))).statusCode(200).body("deleted", equalTo(1));

        assertThat(backends.get("lucene").count(placement, null)).isEqualTo(1);
        assertThat(usage(key)).isEqualTo(1);
        assertThat(registeredIds(tenant, collection)).containsExactly("kept");
    }

    private List<String> registeredIds(String tenant, String collection) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT external_id FROM vector_registry WHERE tenant_id = ? AND collection = ? ORDER BY external_id")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            try (ResultSet rs = s.executeQuery()) {
                List<String> ids = new java.util.ArrayList<>();
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
                return ids;
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
