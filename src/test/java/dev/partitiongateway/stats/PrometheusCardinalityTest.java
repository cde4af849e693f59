package dev.partitiongateway.stats;

import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionStrategy;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * 5,000 partitions with load never become 5,000 label sets: per-partition series exist for the top
 * gateway.metrics.top-partitions (100) by load only, and a partition that leaves the top loses its series.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PrometheusCardinalityTest {

    private static final int PARTITIONS = 5_000;
    private static final List<String> PARTITION_METRICS = List.of("gateway_partition_queries_per_minute", "gateway_partition_inserts_per_minute",
            "gateway_partition_search_p50_seconds", "gateway_partition_search_p95_seconds", "gateway_partition_search_p99_seconds",
            "gateway_partition_vectors");

    @Inject
    PartitionStats stats;
    @Inject
    TopPartitionMeters topPartitions;
    @Inject
    TenantMeters tenants;
    @Inject
    PartitionStatsFlush flush;
    @Inject
    HeatEvaluation heat;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_export_series_for_the_top_100_of_5000_loaded_partitions_only_and_drop_those_that_leave_the_top() throws Exception {
        String collection = "cardinality_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", collection, "dimension", 2, "metric", "L2",
                "partitioning", Map.of("strategy", "TENANT_ATTRIBUTE", "field", "k"))).post("/v1/admin/collections")
                .then().statusCode(201);
        String tenant = createTenant("cardinality");
        stats.all().forEach(stats::forget); // only this test's load ranks
        try {
            List<PartitionView> partitions = createPartitions(collection, tenant);
            assertThat(partitions).hasSize(PARTITIONS);
            // Every partition is searched once; the last 100 nine times more.
            for (int i = 0; i < PARTITIONS; i++) {
                PartitionView p = partitions.get(i);
                int searches = i >= PARTITIONS - 100 ? 10 : 1;
                for (int s = 0; s < searches; s++) {
                    stats.searched(List.of(p), Map.of(p.placementName(), 1_000L + i));
                }
            }
            Set<Long> exported = topPartitions.refresh();
            assertThat(exported).hasSize(100)
                    .isEqualTo(partitions.subList(PARTITIONS - 100, PARTITIONS).stream().map(PartitionView::id).collect(Collectors.toSet()));
            String scrape = scrape();
            for (String metric : PARTITION_METRICS) {
                assertThat(labelSets(scrape, metric)).as(metric).hasSize(100);
            }
            assertThat(labelSets(scrape, "gateway_partition_queries_per_minute"))
                    .allSatisfy(labels -> assertThat(labels).contains("collection=\"" + collection + "\"").contains("tenant=\"" + tenant + "\""))
                    .anySatisfy(labels -> assertThat(labels).contains("partition=\"" + partitions.get(PARTITIONS - 1).placementName() + "\""));

            // The hundred before them become busier: they take the top, the others' series go.
            for (PartitionView p : partitions.subList(PARTITIONS - 200, PARTITIONS - 100)) {
                for (int s = 0; s < 30; s++) {
                    stats.searched(List.of(p), Map.of(p.placementName(), 5_000L));
                }
            }
            topPartitions.refresh();
            scrape = scrape();
            Set<String> shown = labelSets(scrape, "gateway_partition_queries_per_minute");
            assertThat(shown).hasSize(100);
            for (String metric : PARTITION_METRICS) {
                assertThat(labelSets(scrape, metric)).as(metric).hasSize(100);
            }
            assertThat(shown).allSatisfy(labels -> assertThat(partitionOf(labels)).isIn(
                    partitions.subList(PARTITIONS - 200, PARTITIONS - 100).stream().map(PartitionView::placementName).toList()));

            // The same scale through PostgreSQL: a flush of 5,000 partitions' figures, the busiest first when sorted, every
            // partition judged, one gateway_partitions series per heat for the collection.
            long started = System.nanoTime();
            assertThat(flush.flush()).isTrue();
            List<Map<String, Object>> busiest = asOperator().queryParam("sort", "qpm").queryParam("limit", 3)
                    .get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200).extract().path("partitions");
            assertThat(busiest).extracting(p -> p.get("placement"))
                    .containsExactly(partitions.get(PARTITIONS - 200).placementName(), partitions.get(PARTITIONS - 199).placementName(),
                            partitions.get(PARTITIONS - 198).placementName());
            heat.evaluate(new HeatRules(Duration.ofMillis(500), 5.0, 1_000_000, 20, 30), Instant.now());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
            assertThat(asOperator().queryParam("collection", collection).queryParam("limit", 1000).get("/v1/admin/hot")
                    .then().statusCode(200).extract().<List<?>>path("partitions")).hasSize(100);
            scrape = scrape();
            assertThat(scrape).contains("gateway_partitions{collection=\"" + collection + "\",heat=\"HOT\"} 100.0")
                    .contains("gateway_partitions{collection=\"" + collection + "\",heat=\"NORMAL\"} 4900.0");

            // Per-tenant gauges: one label set per tenant, whatever the partitions.
            int tenantCount = tenants.refresh();
            scrape = scrape();
            assertThat(labelSets(scrape, "gateway_tenant_vectors")).hasSize(tenantCount).contains("tenant=\"" + tenant + "\"");
            assertThat(labelSets(scrape, "gateway_tenant_quota_vectors")).hasSize(tenantCount);
        } finally {
            try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("DELETE FROM collections WHERE name = ?")) {
                s.setString(1, collection);
                s.executeUpdate();
            }
            stats.all().forEach(stats::forget);
            topPartitions.refresh();
            heat.evaluate(new HeatRules(Duration.ofMillis(500), 600, 1_000_000, 20, 30), Instant.now());
        }
        assertThat(labelSets(scrape(), "gateway_partition_queries_per_minute")).isEmpty();
        assertThat(scrape()).doesNotContain("collection=\"" + collection + "\"");
    }

    /** 5,000 attribute partitions of one tenant, written to the directory directly (the backend never sees them). */
    private List<PartitionView> createPartitions(String collection, String tenant) throws Exception {
        List<PartitionView> created = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count, attribute_value, created_at, updated_at)
                SELECT ?, ?, 'TENANT_ATTRIBUTE', 'lucene', 'p' || lpad(g::text, 5, '0'), 'ACTIVE', g, '"v' || g || '"', now(), now()
                FROM generate_series(1, ?) g ORDER BY g
                RETURNING id, placement, attribute_value""")) {
            s.setString(1, collection);
            s.setString(2, tenant);
            s.setInt(3, PARTITIONS);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    created.add(new PartitionView(rs.getLong(1), collection, tenant, rs.getString(2), PartitionState.ACTIVE,
                            PartitionStrategy.TENANT_ATTRIBUTE, null, null, rs.getString(3), null, 0,
                            dev.partitiongateway.catalog.HashShard.WHOLE));
                }
            }
        }
        created.sort(java.util.Comparator.comparingLong(PartitionView::id));
        return created;
    }

    private static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The label sets of one metric's samples. */
    static Set<String> labelSets(String scrape, String metric) {
        return scrape.lines().filter(l -> l.startsWith(metric + "{"))
                .map(l -> l.substring(metric.length() + 1, l.indexOf('}')))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String partitionOf(String labels) {
        int at = labels.indexOf("partition=\"") + "partition=\"".length();
        return labels.substring(at, labels.indexOf('"', at));
    }
}
