package dev.partitiongateway.stats;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Partition statistics through the gateway: searches and writes are measured in memory, flushed, listed
 * (sorted and paged), judged hot or cold, and their last times survive this process's memory.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PartitionStatsApiTest {

    @Inject
    PartitionStats stats;
    @Inject
    PartitionStatsFlush flush;
    @Inject
    PartitionStatsStore store;
    @Inject
    HeatEvaluation heat;
    @Inject
    AgroalDataSource dataSource;

    /** A collection with one partition per tenant; tenant i upserts i+1 vectors and searches {@code searches[i]} times. */
    private record Fixture(String collection, List<String> tenants) {
    }

    private Fixture fixture(int... searches) {
        String collection = createCollection("stats", 2, "L2");
        List<String> tenants = new ArrayList<>();
        for (int i = 0; i < searches.length; i++) {
            String tenant = createTenant("stats" + i);
            String key = readWriteKey(tenant);
            List<Map<String, Object>> vectors = new ArrayList<>();
            for (int v = 0; v <= i; v++) {
                vectors.add(vector("v" + v, 1, v));
            }
            upsert(key, collection, vectors).statusCode(200);
            for (int s = 0; s < searches[i]; s++) {
                search(key, collection, Map.of("vector", List.of(1, 0), "topK", 1)).statusCode(200);
            }
            tenants.add(tenant);
        }
        assertThat(flush.flush()).isTrue();
        return new Fixture(collection, tenants);
    }

    private static List<Map<String, Object>> page(String collection, Map<String, Object> query) {
        return asOperator().queryParams(query).get("/v1/admin/collections/" + collection + "/partitions")
                .then().statusCode(200).extract().path("partitions");
    }

    private static Map<String, Map<String, Object>> byTenant(List<Map<String, Object>> partitions) {
        Map<String, Map<String, Object>> by = new LinkedHashMap<>();
        partitions.forEach(p -> by.put((String) p.get("tenant"), p));
        return by;
    }

    @Test
    void should_list_each_partitions_searches_writes_latency_and_last_times() {
        Instant before = Instant.now().minusSeconds(1);
        Fixture f = fixture(20, 5, 0);
        Map<String, Map<String, Object>> listed = byTenant(page(f.collection(), Map.of()));
        Map<String, Object> busy = listed.get(f.tenants().get(0));
        Map<String, Object> stats = (Map<String, Object>) busy.get("stats");
        assertThat(stats).containsEntry("queries", 20).containsEntry("inserts", 1);
        // Everything happened within the last minute: per minute over a 5-minute window is a fifth.
        assertThat(((Number) stats.get("qpm")).doubleValue()).isCloseTo(4.0, within(1e-6));
        assertThat(((Number) stats.get("ipm")).doubleValue()).isCloseTo(0.2, within(1e-6)); // RestAssured reads JSON numbers as floats
        Map<String, Object> latency = (Map<String, Object>) stats.get("latencyMs");
        assertThat(((Number) latency.get("p50")).doubleValue()).isPositive();
        assertThat(((Number) latency.get("p99")).doubleValue()).isGreaterThanOrEqualTo(((Number) latency.get("p95")).doubleValue());
        assertThat(Instant.parse((String) stats.get("lastQueryAt"))).isBetween(before, Instant.now());
        assertThat(Instant.parse((String) stats.get("lastWriteAt"))).isBetween(before, Instant.parse((String) stats.get("lastQueryAt")));
        assertThat(stats).containsKey("measuredAt");
        assertThat(busy).containsEntry("heat", "NORMAL").containsEntry("vectorCount", 1);

        Map<String, Object> idle = (Map<String, Object>) listed.get(f.tenants().get(2)).get("stats");
        assertThat(idle).containsEntry("queries", 0).containsEntry("inserts", 3).doesNotContainKey("latencyMs").doesNotContainKey("lastQueryAt");
    }

    @Test
    void should_sort_by_a_figure_either_way_and_walk_the_pages_seeing_each_partition_once() throws Exception {
        Fixture f = fixture(3, 9, 0, 6, 0, 0, 1);
        List<String> t = f.tenants();
        assertThat(tenants(page(f.collection(), Map.of("sort", "qpm")))).as("desc by default")
                .containsExactly(t.get(1), t.get(3), t.get(0), t.get(6), t.get(2), t.get(4), t.get(5));
        assertThat(tenants(page(f.collection(), Map.of("sort", "qpm", "order", "asc"))))
                .containsExactly(t.get(2), t.get(4), t.get(5), t.get(6), t.get(0), t.get(3), t.get(1));
        assertThat(tenants(page(f.collection(), Map.of("sort", "vectors", "limit", 2)))).containsExactly(t.get(6), t.get(5));
        assertThat(tenants(page(f.collection(), Map.of("sort", "lastWrite", "limit", 1)))).containsExactly(t.get(6));
        assertThat(tenants(page(f.collection(), Map.of("sort", "id", "order", "desc", "limit", 1)))).containsExactly(t.get(6));

        for (String sort : List.of("qpm", "p99", "vectors", "lastQuery", "ipm", "id")) {
            for (String order : List.of("asc", "desc")) {
                List<String> walked = new ArrayList<>();
                String cursor = null;
                do {
                    var request = asOperator().queryParam("sort", sort).queryParam("order", order).queryParam("limit", 2);
                    if (cursor != null) {
                        request.queryParam("cursor", cursor);
                    }
                    var answer = request.get("/v1/admin/collections/" + f.collection() + "/partitions").then().statusCode(200).extract();
                    walked.addAll(tenants(answer.path("partitions")));
                    cursor = answer.path("next");
                } while (cursor != null);
                assertThat(walked).as(sort + " " + order).hasSize(7).doesNotHaveDuplicates()
                        .containsExactlyElementsOf(tenants(page(f.collection(), Map.of("sort", sort, "order", order))));
            }
        }
    }

    @Test
    void should_refuse_an_unknown_sort_or_order_and_a_cursor_of_another_sort_order_or_collection() {
        Fixture f = fixture(1, 2, 3);
        Fixture other = fixture(1, 1);
        String path = "/v1/admin/collections/" + f.collection() + "/partitions";
        String byQpm = asOperator().queryParam("sort", "qpm").queryParam("limit", 1).get(path).path("next");
        String byId = asOperator().queryParam("limit", 1).get(path).path("next");
        asOperator().queryParam("sort", "qpm").queryParam("cursor", byQpm).get(path).then().statusCode(200);
        asOperator().queryParam("sort", "p99").queryParam("cursor", byQpm).get(path).then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("VALIDATION_FAILED"));
        asOperator().queryParam("sort", "qpm").queryParam("order", "asc").queryParam("cursor", byQpm).get(path).then().statusCode(400);
        asOperator().queryParam("cursor", byQpm).get(path).then().statusCode(400);
        asOperator().queryParam("sort", "qpm").queryParam("cursor", byId).get(path).then().statusCode(400);
        asOperator().queryParam("sort", "qpm").queryParam("cursor", byQpm).get("/v1/admin/collections/" + other.collection() + "/partitions")
                .then().statusCode(400);
        asOperator().queryParam("sort", "heat").get(path).then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.equalTo("sort"));
        asOperator().queryParam("order", "up").get(path).then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.equalTo("order"));
    }

    @Test
    void should_mark_partitions_hot_and_cold_in_the_directory_and_list_the_hot_ones_with_their_reasons() throws Exception {
        Fixture f = fixture(12, 2, 0);
        long busy = partitionId(f.collection(), f.tenants().get(0));
        long idle = partitionId(f.collection(), f.tenants().get(2));
        // The idle partition was created long ago and last searched 40 days ago, by a process before this one.
        sql("UPDATE partitions SET created_at = now() - interval '60 days' WHERE id = " + idle);
        store.write("an-earlier-process", List.of(new PartitionStatsStore.Times(idle, Instant.now().minus(Duration.ofDays(40)), null)),
                List.of(), List.of());

        HeatRules rules = new HeatRules(Duration.ofSeconds(10), 2.0, 1_000_000, 20, 30); // 12 searches are 2.4 per minute
        heat.evaluate(rules, Instant.now());
        assertThat(heatOf(busy)).isEqualTo("HOT");
        assertThat(heatOf(idle)).isEqualTo("COLD");
        assertThat(heatOf(partitionId(f.collection(), f.tenants().get(1)))).isEqualTo("NORMAL");

        List<Map<String, Object>> hot = asOperator().queryParam("collection", f.collection()).get("/v1/admin/hot")
                .then().statusCode(200).extract().path("partitions");
        assertThat(hot).singleElement().satisfies(p -> {
            assertThat(p).containsEntry("collection", f.collection()).containsEntry("tenant", f.tenants().get(0)).containsEntry("heat", "HOT")
                    .containsKey("hotSince");
            assertThat((List<String>) p.get("reasons")).singleElement().asString().contains("2.4 searches per minute over 2");
        });
        Map<String, Object> listedIdle = byTenant(page(f.collection(), Map.of())).get(f.tenants().get(2));
        assertThat(listedIdle).containsEntry("heat", "COLD");
        assertThat((List<String>) listedIdle.get("heatReasons")).singleElement().asString().contains("more than 30 days ago");
        String metrics = given().get("/q/metrics").asString();
        assertThat(metrics).contains("gateway_partitions{collection=\"" + f.collection() + "\",heat=\"HOT\"} 1.0")
                .contains("gateway_partitions{collection=\"" + f.collection() + "\",heat=\"COLD\"} 1.0")
                .contains("gateway_partitions{collection=\"" + f.collection() + "\",heat=\"NORMAL\"} 1.0");

        // Thresholds no partition crosses: back to NORMAL, out of the hot list.
        heat.evaluate(new HeatRules(Duration.ofSeconds(10), 1_000, 1_000_000, 20, 3650), Instant.now());
        assertThat(heatOf(busy)).isEqualTo("NORMAL");
        assertThat(heatOf(idle)).isEqualTo("NORMAL");
        assertThat(asOperator().queryParam("collection", f.collection()).get("/v1/admin/hot").then().statusCode(200)
                .extract().<List<?>>path("partitions")).isEmpty();
    }

    @Test
    void should_page_hot_partitions_across_collections() throws Exception {
        Fixture a = fixture(1, 1);
        Fixture b = fixture(1);
        heat.evaluate(new HeatRules(Duration.ofSeconds(10), 1_000, 0, 20, 3650), Instant.now()); // every partition with a vector is hot
        List<Long> walked = new ArrayList<>();
        String cursor = null;
        do {
            // Every test's partitions with a vector are hot now: pages of 50 keep the walk short in a full run.
            var request = asOperator().queryParam("limit", 50);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            var answer = request.get("/v1/admin/hot").then().statusCode(200).extract();
            List<Map<String, Object>> partitions = answer.path("partitions");
            partitions.forEach(p -> {
                assertThat((List<String>) p.get("reasons")).anySatisfy(r -> assertThat(r).contains("over the split threshold 0"));
                walked.add(((Number) p.get("id")).longValue());
            });
            cursor = answer.path("next");
        } while (cursor != null);
        assertThat(walked).doesNotHaveDuplicates().isSorted()
                .contains(partitionId(a.collection(), a.tenants().get(0)), partitionId(a.collection(), a.tenants().get(1)),
                        partitionId(b.collection(), b.tenants().get(0)));
        var first = asOperator().queryParam("collection", a.collection()).queryParam("limit", 1).get("/v1/admin/hot").then().statusCode(200).extract();
        String next = first.path("next");
        var second = asOperator().queryParam("collection", a.collection()).queryParam("limit", 1).queryParam("cursor", next)
                .get("/v1/admin/hot").then().statusCode(200).extract();
        assertThat(List.of(first.<Number>path("partitions[0].id").longValue(), second.<Number>path("partitions[0].id").longValue()))
                .containsExactly(partitionId(a.collection(), a.tenants().get(0)), partitionId(a.collection(), a.tenants().get(1)));
        assertThat(second.<String>path("next")).isNull();
        heat.evaluate(new HeatRules(Duration.ofSeconds(10), 1_000, 1_000_000, 20, 3650), Instant.now());
        asOperator().queryParam("collection", "Not A Name").get("/v1/admin/hot").then().statusCode(400);
    }

    @Test
    void should_keep_last_times_in_postgresql_never_moving_them_backwards() throws Exception {
        Fixture f = fixture(3);
        long id = partitionId(f.collection(), f.tenants().get(0));
        Instant stored = lastQuery(id);
        assertThat(stored).isNotNull();
        // Another process flushes an older time later: the stored one stays. A newer one moves it.
        store.write("another-process", List.of(new PartitionStatsStore.Times(id, stored.minusSeconds(3600), null)), List.of(), List.of());
        assertThat(lastQuery(id)).isEqualTo(stored);
        Instant newer = stored.plusSeconds(5).truncatedTo(ChronoUnit.MILLIS);
        store.write("another-process", List.of(new PartitionStatsStore.Times(id, newer, null)), List.of(), List.of());
        assertThat(lastQuery(id)).isEqualTo(newer);

        // This process forgets everything it measured (as a restart would): the listing still knows.
        stats.all().forEach(stats::forget);
        assertThat(stats.find(id)).isEmpty();
        Map<String, Object> listed = (Map<String, Object>) page(f.collection(), Map.of()).get(0).get("stats");
        assertThat(Instant.parse((String) listed.get("lastQueryAt"))).isEqualTo(newer);
        assertThat(listed.get("lastWriteAt")).isNotNull();
    }

    @Test
    void should_add_up_the_figures_of_every_process_and_take_the_highest_percentiles() throws Exception {
        Fixture f = fixture(10);
        long id = partitionId(f.collection(), f.tenants().get(0));
        Map<String, Object> mine = (Map<String, Object>) page(f.collection(), Map.of()).get(0).get("stats");
        double myQpm = ((Number) mine.get("qpm")).doubleValue();
        store.write("a-second-process", List.of(), List.of(new PartitionStatsStore.Load(id,
                new WindowFigures(100, 7, 20.0, 1.4, 1.0, 2.0, 987.0))), List.of());
        Map<String, Object> both = (Map<String, Object>) page(f.collection(), Map.of()).get(0).get("stats");
        assertThat(both).containsEntry("queries", 110).containsEntry("inserts", 8);
        assertThat(((Number) both.get("qpm")).doubleValue()).isCloseTo(myQpm + 20.0, within(1e-4));
        assertThat(((Number) ((Map<String, Object>) both.get("latencyMs")).get("p99")).doubleValue()).isEqualTo(987.0);
        // The second process's window emptied: it withdraws its row.
        store.write("a-second-process", List.of(), List.of(), List.of(id));
        assertThat(((Map<String, Object>) page(f.collection(), Map.of()).get(0).get("stats"))).containsEntry("queries", 10);
    }

    @Test
    void should_drop_from_memory_the_partitions_of_a_deleted_collection_at_the_next_flush() throws Exception {
        Fixture f = fixture(2);
        long id = partitionId(f.collection(), f.tenants().get(0));
        String key = readWriteKey(createTenant("late"));
        upsert(key, f.collection(), List.of(vector("x", 1, 1))).statusCode(200);
        asOperator().delete("/v1/admin/collections/" + f.collection()).then().statusCode(204);
        assertThat(stats.find(id)).isPresent();
        assertThat(flush.flush()).isTrue();
        assertThat(stats.find(id)).isEmpty();
    }

    private static List<String> tenants(List<Map<String, Object>> partitions) {
        return partitions.stream().map(p -> (String) p.get("tenant")).toList();
    }

    private long partitionId(String collection, String tenant) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT id FROM partitions WHERE collection = ? AND tenant_id = ?")) {
            s.setString(1, collection);
            s.setString(2, tenant);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    private String heatOf(long id) throws Exception {
        return one("SELECT heat FROM partitions WHERE id = " + id);
    }

    private Instant lastQuery(long id) throws Exception {
        String text = one("SELECT to_char(last_query_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM partition_stats WHERE partition_id = " + id);
        return text == null ? null : Instant.parse(text);
    }

    private String one(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private void sql(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.executeUpdate();
        }
    }
}
