package dev.partitiongateway.routing;

import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TENANT_TIME: calendar windows created on first write, exact time ranges, moves between windows, retention. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class TimePartitioningTest {

    String tenant;
    String key;

    @BeforeEach
    void tenant() {
        tenant = createTenant("timely");
        key = readWriteKey(tenant);
    }

    private static Map<String, Object> timed(String id, Instant timestamp, double... values) {
        Map<String, Object> v = new HashMap<>();
        v.put("id", id);
        v.put("values", java.util.Arrays.stream(values).boxed().toList());
        v.put("timestamp", timestamp.toString());
        return v;
    }

    private static Instant daysAgo(int days) {
        return Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(days)).plus(Duration.ofHours(12));
    }

    @Test
    void should_create_a_window_partition_on_first_write_with_its_range() {
        String collection = Collections.create("daily", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY", "retentionDays", 30));
        Instant day = daysAgo(3);
        upsert(key, collection, List.of(timed("a", day, 1, 0), timed("b", day.plusSeconds(3600), 0, 1))).statusCode(200);
        upsert(key, collection, List.of(timed("c", daysAgo(2), 1, 1))).statusCode(200);

        List<Map<String, Object>> partitions = Collections.partitions(collection);
        assertThat(partitions).hasSize(2).allSatisfy(p -> assertThat(p.get("strategy")).isEqualTo("TENANT_TIME"));
        Map<String, Object> first = partitions.get(0);
        assertThat(first.get("window")).isEqualTo(Map.of("from", day.truncatedTo(ChronoUnit.DAYS).toString(),
                "to", day.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1)).toString()));
        assertThat(first.get("vectorCount")).isEqualTo(2);
        fetch(key, collection, "a").statusCode(200).body("timestamp", equalTo(day.toString()));
    }

    @Test
    void should_refuse_timestamps_past_the_retention_horizon_or_too_far_in_the_future() {
        String collection = Collections.create("bounded", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY", "retentionDays", 7));

        upsert(key, collection, List.of(timed("old", daysAgo(8), 1, 0), timed("ok", daysAgo(1), 0, 1))).statusCode(400)
                .body("errors.field", hasItem("vectors[0].timestamp"));
        upsert(key, collection, List.of(timed("future", Instant.now().plus(Duration.ofHours(2)), 1, 0))).statusCode(400)
                .body("errors.field", hasItem("vectors[0].timestamp"));

        assertThat(Collections.partitions(collection)).isEmpty();
        assertThat(usage(key)).isZero();
    }

    @Test
    void should_keep_the_first_weekly_window_of_the_calendar_and_refuse_what_no_window_can_name() {
        String collection = Collections.create("weekly_edges", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "WEEKLY"));

        // 0000-01-01 lies in ISO week 52 of the week-based year -1: refused, nothing stored, the collection still works.
        for (Object early : List.of("0000-01-01T00:00:00Z", "0000-12-31T23:59:59Z", -62167219200000L)) {
            upsert(key, collection, List.of(Map.of("id", "early", "values", List.of(1, 0), "timestamp", early))).statusCode(400)
                    .body("errors.field", hasItem("vectors[0].timestamp"));
        }
        assertThat(Collections.partitions(collection)).isEmpty();

        // (The far end, year 9999, is beyond the future skew any write may have; TimeWindowTest pins its window.)
        upsert(key, collection, List.of(timed("first", Instant.parse("0001-01-01T00:00:00Z"), 1, 0))).statusCode(200);
        assertThat(Collections.partitions(collection)).extracting(p -> (String) p.get("placement"))
                .singleElement().asString().endsWith("_w0001w01");
        search(key, collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(200)
                .body("results.id", containsInAnyOrder("first"));
        asOperator().post("/v1/admin/reconcile?collection=" + collection).then().statusCode(200);
    }

    @Test
    void should_give_an_untimed_vector_the_current_window() {
        String collection = Collections.create("now", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "HOURLY"));
        upsert(key, collection, List.of(Map.of("id", "untimed", "values", List.of(1.0, 0.0)))).statusCode(200);

        Instant stored = Instant.parse(fetch(key, collection, "untimed").statusCode(200).extract().path("timestamp"));
        assertThat(stored).isBetween(Instant.now().minusSeconds(60), Instant.now());
        assertThat(Collections.partitions(collection)).singleElement()
                .satisfies(p -> assertThat(((Map<?, ?>) p.get("window")).get("from")).isEqualTo(stored.truncatedTo(ChronoUnit.HOURS).toString()));
    }

    @Test
    void should_move_a_vector_to_its_new_window_when_its_timestamp_changes_and_keep_one_copy() {
        String collection = Collections.create("moving", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY"));
        Instant before = daysAgo(5);
        Instant after = daysAgo(1);
        upsert(key, collection, List.of(timed("m", before, 1, 0), timed("stay", before, 0, 1))).statusCode(200);

        upsert(key, collection, List.of(timed("m", after, 1, 0))).statusCode(200).body("inserted", equalTo(0)).body("updated", equalTo(1));

        assertThat(usage(key)).isEqualTo(2);
        search(key, collection, Map.of("vector", List.of(1, 0), "topK", 10, "routing", "BROADCAST")).statusCode(200)
                .body("results.id", containsInAnyOrder("m", "stay"));
        fetch(key, collection, "m").statusCode(200).body("timestamp", equalTo(after.toString()));
        assertThat(Collections.partitions(collection)).extracting(p -> p.get("vectorCount")).containsExactly(1, 1);
    }

    @Test
    void should_search_only_overlapping_windows_and_apply_the_range_exactly_inside_them() {
        String collection = Collections.create("ranged", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY"));
        Instant d3 = daysAgo(3).truncatedTo(ChronoUnit.DAYS);
        upsert(key, collection, List.of(
                timed("d3_morning", d3.plus(Duration.ofHours(6)), 1, 0),
                timed("d3_evening", d3.plus(Duration.ofHours(20)), 1, 0.1),
                timed("d2_noon", d3.plus(Duration.ofHours(36)), 1, 0.2),
                timed("d5", d3.minus(Duration.ofDays(2)), 1, 0.3))).statusCode(200);

        // Half of day 3 (from its noon) to the start of day 2: one window, half of it.
        search(key, collection, Map.of("vector", List.of(1, 0), "topK", 10, "explain", true,
                "timeRange", Map.of("from", d3.plus(Duration.ofHours(12)).toString(), "to", d3.plus(Duration.ofDays(1)).toString())))
                .statusCode(200)
                .body("results.id", containsInAnyOrder("d3_evening"))
                .body("partitions", hasSize(1))
                .body("explain.pruned", hasSize(2))
                .body("explain.pruned.reason", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.containsString("outside the time range")));
        // Epoch milliseconds work as bounds too; an open end covers everything after.
        search(key, collection, Map.of("vector", List.of(1, 0), "topK", 10,
                "timeRange", Map.of("from", d3.plus(Duration.ofHours(7)).toEpochMilli())))
                .statusCode(200).body("results.id", containsInAnyOrder("d3_evening", "d2_noon"));
        search(key, collection, Map.of("vector", List.of(1, 0), "topK", 10,
                "timeRange", Map.of("from", d3.plus(Duration.ofHours(7)).toString(), "to", d3.toString()))).statusCode(400);
    }

    @Test
    void should_drop_expired_windows_give_their_quota_back_and_record_the_drop() {
        String collection = Collections.create("retained", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY", "retentionDays", 30));
        upsert(key, collection, List.of(timed("old1", daysAgo(20), 1, 0), timed("old2", daysAgo(20), 0, 1),
                timed("mid", daysAgo(10), 1, 1), timed("new", daysAgo(1), 2, 2))).statusCode(200);

        asOperator().body(Map.of("partitioning", Map.of("retentionDays", 15))).patch("/v1/admin/collections/" + collection).then()
                .statusCode(200).body("partitioning.retentionDays", equalTo(15));
        asOperator().post("/v1/admin/collections/" + collection + "/retention").then().statusCode(200)
                .body("dropped", hasSize(1))
                .body("dropped[0].tenant", equalTo(tenant))
                .body("dropped[0].vectors", equalTo(2))
                .body("dropped[0].from", equalTo(daysAgo(20).truncatedTo(ChronoUnit.DAYS).toString()));

        assertThat(usage(key)).isEqualTo(2);
        fetch(key, collection, "old1").statusCode(404);
        search(key, collection, Map.of("vector", List.of(1, 0), "topK", 10)).statusCode(200).body("results.id", containsInAnyOrder("mid", "new"));
        assertThat(Collections.partitions(collection)).hasSize(2);
        asOperator().post("/v1/admin/collections/" + collection + "/retention").then().statusCode(200).body("dropped", hasSize(0));
        // The quota given back is usable again.
        upsert(key, collection, List.of(timed("again", daysAgo(1), 3, 3))).statusCode(200).body("usage.vectors", equalTo(3));
    }

    @Test
    void should_refuse_bad_time_partitioning_and_retention_changes() {
        for (Map<String, Object> bad : List.of(
                Map.<String, Object>of("strategy", "TENANT_TIME"),
                Map.<String, Object>of("strategy", "TENANT_TIME", "granularity", "FORTNIGHTLY"),
                Map.<String, Object>of("strategy", "TENANT_TIME", "granularity", "DAILY", "retentionDays", 0),
                Map.<String, Object>of("strategy", "TENANT_TIME", "granularity", "DAILY", "retentionDays", "7"),
                Map.<String, Object>of("strategy", "TENANT_TIME", "granularity", "DAILY", "buckets", 3))) {
            asOperator().body(Map.of("name", "bad_time", "dimension", 2, "metric", "L2", "partitioning", bad))
                    .post("/v1/admin/collections").then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
        }
        String tenantOnly = Collections.create("plain", 2, "L2", Map.of("strategy", "TENANT"));
        asOperator().body(Map.of("partitioning", Map.of("retentionDays", 3))).patch("/v1/admin/collections/" + tenantOnly).then().statusCode(400);
        String timed = Collections.create("timed", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY"));
        asOperator().body(Map.of("partitioning", Map.of("granularity", "HOURLY"))).patch("/v1/admin/collections/" + timed).then().statusCode(400);
        asOperator().body(Map.of("partitioning", Map.of("retentionDays", 3))).patch("/v1/admin/collections/" + timed).then().statusCode(200);
        asOperator().body("{\"partitioning\":{\"retentionDays\":null}}").patch("/v1/admin/collections/" + timed).then().statusCode(200)
                .body("partitioning.retentionDays", org.hamcrest.Matchers.nullValue());
    }
}
