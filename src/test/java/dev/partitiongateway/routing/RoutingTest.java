package dev.partitiongateway.routing;

import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory;
import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory.Faults;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Routing modes, the partition cap, partial results, explain, and the merge across partitions. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class RoutingTest {

    @AfterEach
    void heal() {
        Faults.heal();
        try {
            CircuitBreakerMaintenance.get().reset("backend-" + FaultInjectingBackendFactory.KIND);
        } catch (IllegalArgumentException notOpenedYet) {
            // no collection on the faulty backend yet
        }
    }

    /** A daily-windowed collection with a vector in each of the last three days: id dN, {@code values(N)}. */
    private static String threeDays(String key, String metric, String backend) {
        String collection = Collections.create("days", 2, metric, Map.of("strategy", "TENANT_TIME", "granularity", "DAILY"), backend);
        fillThreeDays(key, collection);
        return collection;
    }

    private static void fillThreeDays(String key, String collection) {
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        List<Map<String, Object>> vectors = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            Map<String, Object> v = new HashMap<>();
            v.put("id", "d" + n);
            v.put("values", List.of(1.0 + n, 1.0 - n * 0.4));
            // Each day at midnight: never ahead of the clock, whatever the hour (01:00 was, in the first hour of a UTC day).
            v.put("timestamp", today.minus(Duration.ofDays(n)).toString());
            vectors.add(v);
        }
        upsert(key, collection, vectors).statusCode(200);
    }

    @Test
    void should_search_only_the_named_partitions_and_refuse_another_tenants_with_404() {
        String mine = readWriteKey(createTenant("explicit"));
        String theirs = readWriteKey(createTenant("other"));
        String collection = threeDays(mine, "L2", null);
        fillThreeDays(theirs, collection);
        List<String> myPartitions = search(mine, collection, Map.of("vector", List.of(1, 1), "routing", "BROADCAST")).statusCode(200)
                .extract().path("partitions");
        assertThat(myPartitions).hasSize(3);

        search(mine, collection, Map.of("vector", List.of(1, 1), "topK", 10, "partitions", List.of(myPartitions.get(0))))
                .statusCode(200).body("partitions", contains(myPartitions.get(0))).body("results", hasSize(1));
        String someoneElses = search(theirs, collection, Map.of("vector", List.of(1, 1))).extract().path("partitions[0]");
        search(mine, collection, Map.of("vector", List.of(1, 1), "partitions", List.of(myPartitions.get(0), someoneElses)))
                .statusCode(404).body("code", equalTo("NOT_FOUND"));
        search(mine, collection, Map.of("vector", List.of(1, 1), "partitions", List.of("t_nobody_00000000"))).statusCode(404);
        search(mine, collection, Map.of("vector", List.of(1, 1), "routing", "EXPLICIT")).statusCode(400);
        search(mine, collection, Map.of("vector", List.of(1, 1), "routing", "BROADCAST", "partitions", myPartitions)).statusCode(400);
        search(mine, collection, Map.of("vector", List.of(1, 1), "routing", "SIDEWAYS")).statusCode(400);
    }

    @Test
    void should_search_newest_windows_first_up_to_max_partitions_and_say_what_it_skipped() {
        String key = readWriteKey(createTenant("capped"));
        String collection = threeDays(key, "L2", null);

        var response = search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "maxPartitions", 2)).statusCode(200)
                .body("partial", equalTo(true)).body("skipped", hasSize(1)).body("partitions", hasSize(2))
                .body("results.id", org.hamcrest.Matchers.containsInAnyOrder("d0", "d1")).extract();
        List<String> searched = response.path("partitions");
        assertThat(searched.get(0)).as("today's window first").isGreaterThan(searched.get(1));
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10)).statusCode(200)
                .body("partial", equalTo(false)).body("skipped", nullValue()).body("results", hasSize(3));
    }

    @Test
    void should_fail_a_strict_search_with_503_when_a_partition_fails_and_return_the_rest_when_partial_is_allowed() {
        Faults.multiPlacementSearch(false);
        String key = readWriteKey(createTenant("partial"));
        String collection = threeDays(key, "L2", FaultInjectingBackendFactory.KIND);
        List<String> partitions = search(key, collection, Map.of("vector", List.of(1, 1))).statusCode(200).extract().path("partitions");
        Faults.failPlacement(partitions.get(0));
        Faults.slowPlacement(partitions.get(1), Duration.ofSeconds(5)); // past the 2 s search deadline

        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10)).statusCode(503)
                .header("Retry-After", notNullValue()).body("code", equalTo("BACKEND_UNAVAILABLE"))
                .body("detail", org.hamcrest.Matchers.containsString(partitions.get(0)))
                .body("detail", org.hamcrest.Matchers.containsString(partitions.get(1)));
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "allowPartial", true)).statusCode(200)
                .body("partial", equalTo(true))
                .body("failed.partition", org.hamcrest.Matchers.containsInAnyOrder(partitions.get(0), partitions.get(1)))
                .body("failed.find { it.partition == '" + partitions.get(1) + "' }.reason", org.hamcrest.Matchers.containsString("deadline"))
                .body("results.id", contains("d2"));
    }

    @Test
    void should_find_failing_partitions_one_by_one_when_a_multi_partition_call_fails_and_partial_is_allowed() {
        String key = readWriteKey(createTenant("multi"));
        String collection = threeDays(key, "L2", FaultInjectingBackendFactory.KIND);
        List<String> partitions = search(key, collection, Map.of("vector", List.of(1, 1))).statusCode(200).extract().path("partitions");
        Faults.failPlacement(partitions.get(2));

        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10)).statusCode(503);
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "allowPartial", true)).statusCode(200)
                .body("failed.partition", contains(partitions.get(2))).body("results", hasSize(2));
    }

    @Test
    void should_explain_what_it_searched_and_pruned() {
        String key = readWriteKey(createTenant("explained"));
        String collection = threeDays(key, "L2", null);
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);

        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "explain", true, "timeRange", Map.of("from", today.toString())))
                .statusCode(200)
                .body("explain.searched", hasSize(1))
                .body("explain.searched[0].describes", org.hamcrest.Matchers.startsWith("[" + today))
                .body("explain.searched[0].hits", equalTo(1))
                .body("explain.searched[0].latencyMs", notNullValue())
                .body("explain.pruned", hasSize(2));
        search(key, collection, Map.of("vector", List.of(1, 1))).statusCode(200).body("explain", nullValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"L2", "DOT", "COSINE"})
    void should_merge_matches_across_partitions_by_normalised_score(String metric) {
        String key = readWriteKey(createTenant("merged"));
        String collection = threeDays(key, metric, null);
        float[] query = {1.5f, 0.5f};
        List<String> expected = List.of("d0", "d1", "d2").stream()
                .sorted(java.util.Comparator.comparingDouble((String id) -> score(metric, query, values(id))).reversed()).toList();

        search(key, collection, Map.of("vector", List.of(1.5, 0.5), "topK", 3)).statusCode(200)
                .body("results.id", contains(expected.toArray()));
        search(key, collection, Map.of("vector", List.of(1.5, 0.5), "topK", 2)).statusCode(200)
                .body("results.id", contains(expected.subList(0, 2).toArray()));
    }

    @Test
    void should_return_no_results_and_no_partitions_for_a_tenant_that_has_none() {
        String key = readWriteKey(createTenant("empty"));
        String other = readWriteKey(createTenant("full"));
        String collection = threeDays(other, "L2", null);

        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "routing", "BROADCAST")).statusCode(200)
                .body("results", hasSize(0)).body("partitions", hasSize(0));
    }

    private static float[] values(String id) {
        int n = id.charAt(1) - '0';
        return new float[] {1.0f + n, 1.0f - n * 0.4f};
    }

    private static double score(String metric, float[] a, float[] b) {
        double dot = a[0] * b[0] + a[1] * b[1];
        return switch (metric) {
            case "DOT" -> dot;
            case "COSINE" -> dot / (Math.hypot(a[0], a[1]) * Math.hypot(b[0], b[1]));
            default -> 1 / (1 + Math.pow(a[0] - b[0], 2) + Math.pow(a[1] - b[1], 2));
        };
    }
}
