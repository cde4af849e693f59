package dev.partitiongateway.stats;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.AbstractHistogram;
import org.junit.jupiter.api.Test;

/**
 * The last hour per minute ({@code GET /v1/admin/history}), checked against what the test did: every search
 * request and written vector counted once, whether it is still in this process's memory or already flushed,
 * other processes' minutes added (latencies merged, not averaged), other collections kept apart.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class HistoryApiTest {

    @Inject
    HistoryStore history;
    @Inject
    AgroalDataSource dataSource;

    private record Totals(long queries, long inserts) {
    }

    /** Sums over the minutes listed (a test may straddle a minute boundary). */
    private static Totals totals(Map<String, Object> query) {
        List<Map<String, Object>> minutes = asOperator().queryParams(query).get("/v1/admin/history").then().statusCode(200)
                .extract().path("minutes");
        long q = 0;
        long i = 0;
        for (Map<String, Object> m : minutes) {
            q += ((Number) m.get("queries")).longValue();
            i += ((Number) m.get("inserts")).longValue();
        }
        return new Totals(q, i);
    }

    private String collectionWith(int vectors, int searches) {
        String collection = createCollection("hist", 2, "L2");
        String key = readWriteKey(createTenant("hist"));
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int v = 0; v < vectors; v++) {
            batch.add(vector("v" + v, 1, v));
        }
        upsert(key, collection, batch).statusCode(200);
        for (int s = 0; s < searches; s++) {
            search(key, collection, Map.of("vector", List.of(1, 0), "topK", 1)).statusCode(200);
        }
        return collection;
    }

    @Test
    void should_count_each_search_and_written_vector_once_before_and_after_the_flush() {
        String a = collectionWith(7, 12);
        String b = collectionWith(3, 4);
        Map<String, Object> lastFive = Map.of("collection", a, "minutes", 5);

        assertThat(totals(lastFive)).isEqualTo(new Totals(12, 7)); // from memory
        assertThat(history.flush()).isTrue();
        assertThat(totals(lastFive)).as("this process's rows are not added to its memory a second time").isEqualTo(new Totals(12, 7));
        assertThat(totals(Map.of("collection", b, "minutes", 5))).isEqualTo(new Totals(4, 3));

        List<Map<String, Object>> minutes = asOperator().queryParams(lastFive).get("/v1/admin/history").then().statusCode(200)
                .extract().path("minutes");
        assertThat(minutes).as("every minute listed, the current one last").hasSize(5);
        Instant last = Instant.parse((String) minutes.get(4).get("at"));
        assertThat(last).isEqualTo(Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(last.isAfter(Instant.now()) ? 1 : 0, ChronoUnit.MINUTES));
        Map<String, Object> searched = minutes.stream().filter(m -> ((Number) m.get("queries")).longValue() > 0).findFirst().orElseThrow();
        Map<String, Object> latency = (Map<String, Object>) searched.get("latencyMs");
        assertThat(((Number) latency.get("p50")).doubleValue()).isPositive()
                .isLessThanOrEqualTo(((Number) latency.get("p99")).doubleValue());
        assertThat(minutes.stream().filter(m -> ((Number) m.get("queries")).longValue() == 0))
                .as("a minute without searches has no latency").allMatch(m -> !m.containsKey("latencyMs"));
    }

    @Test
    void should_add_other_processes_minutes_and_merge_their_latencies() throws Exception {
        // No search of this process: its latency would be the 101st of 102 and so p99, and the first
        // search after a write also refreshes the index, so how long it takes depends on the machine.
        String c = collectionWith(1, 0);
        assertThat(history.flush()).isTrue();
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        // Another process saw 100 searches of 1 ms and 1 of 900 ms in this minute (and wrote 5 vectors).
        AbstractHistogram other = SlidingWindow.emptyLatency();
        other.recordValueWithCount(1_000, 100);
        other.recordValue(900_000);
        try (Connection conn = dataSource.getConnection();
             PreparedStatement s = conn.prepareStatement("INSERT INTO collection_history (collection, minute, process, searches, inserts, latency)"
                     + " VALUES (?, ?, 'another-process', 101, 5, ?)")) {
            s.setString(1, c);
            s.setTimestamp(2, Timestamp.from(minute));
            s.setBytes(3, HistoryStore.encode(other));
            s.executeUpdate();
        }
        List<Map<String, Object>> minutes = asOperator().queryParams(Map.of("collection", c, "minutes", 2)).get("/v1/admin/history")
                .then().statusCode(200).extract().path("minutes");
        Map<String, Object> m = minutes.stream().filter(x -> Instant.parse((String) x.get("at")).equals(minute)).findFirst().orElseThrow();
        assertThat(((Number) m.get("queries")).longValue()).isEqualTo(101);
        assertThat(((Number) m.get("inserts")).longValue()).as("the other process's 5, and ours if the minute did not turn meanwhile")
                .isBetween(5L, 6L);
        Map<String, Object> latency = (Map<String, Object>) m.get("latencyMs");
        // The other process's histogram, read back whole: p50 and p99 of its 101 searches are 1 ms, and
        // the 900 ms search is above p99 only because exactly one search in a hundred is slower.
        assertThat(((Number) latency.get("p50")).doubleValue()).isBetween(0.99, 1.01);
        assertThat(((Number) latency.get("p99")).doubleValue()).isBetween(0.99, 1.01);

        assertThat(totals(Map.of("minutes", 2)).queries()).as("all collections together include the other process's").isGreaterThanOrEqualTo(101);
    }

    @Test
    void should_refuse_bad_parameters_with_a_problem() {
        for (String minutes : List.of("0", "61", "-1", "abc", "1e3", "99999999999999999999")) {
            asOperator().queryParam("minutes", minutes).get("/v1/admin/history").then().statusCode(400)
                    .contentType("application/problem+json");
        }
        for (String name : List.of("a\u0000b", "UPPER", "x".repeat(300), "\ud800", "../etc")) {
            asOperator().queryParam("collection", name).get("/v1/admin/history").then().statusCode(400)
                    .contentType("application/problem+json");
        }
        asOperator().queryParam("collection", "no_such_collection").get("/v1/admin/history").then().statusCode(404)
                .contentType("application/problem+json");
        io.restassured.RestAssured.given().get("/v1/admin/history").then().statusCode(401);
    }
}
