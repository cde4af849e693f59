package dev.partitiongateway.routing;

import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
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
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pruning never loses a match: for random records and random filters and time ranges, a FILTERED
 * search finds exactly what a BROADCAST search over every partition finds.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PruningPropertyTest {

    private static final List<Object> REGIONS = java.util.Arrays.asList("eu", "us", "1", 1, 2.0, true, null);
    private static final int RECORDS = 80;
    private static final int QUERIES = 150;

    @Test
    void should_find_with_pruning_exactly_what_a_search_of_every_partition_finds() {
        Random random = new Random(20240229);
        String key = readWriteKey(createTenant("property"));
        String attribute = Collections.create("prop_attr", 2, "L2", Map.of("strategy", "TENANT_ATTRIBUTE", "field", "region", "maxValues", 16));
        String time = Collections.create("prop_time", 2, "L2", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            Map<String, Object> metadata = new HashMap<>();
            Object region = REGIONS.get(random.nextInt(REGIONS.size()));
            if (region != null) {
                metadata.put("region", region);
            }
            if (random.nextBoolean()) {
                metadata.put("n", random.nextInt(10));
            }
            Map<String, Object> v = new HashMap<>();
            v.put("id", "r" + i);
            v.put("values", List.of(random.nextDouble(), random.nextDouble()));
            v.put("metadata", metadata);
            v.put("timestamp", now.minus(Duration.ofMinutes(random.nextInt(10 * 24 * 60))).toString());
            records.add(v);
        }
        upsert(key, attribute, records).statusCode(200);
        upsert(key, time, records).statusCode(200);

        int pruning = 0;
        for (int q = 0; q < QUERIES; q++) {
            Map<String, Object> body = new HashMap<>();
            body.put("vector", List.of(random.nextDouble(), random.nextDouble()));
            body.put("topK", 1000);
            body.put("includeMetadata", false);
            if (random.nextInt(4) > 0) {
                body.put("filter", filter(random, 0));
            }
            if (random.nextBoolean()) {
                Map<String, Object> range = new HashMap<>();
                Instant a = now.minus(Duration.ofMinutes(random.nextInt(11 * 24 * 60)));
                Instant b = a.plus(Duration.ofMinutes(1 + random.nextInt(4 * 24 * 60)));
                if (random.nextInt(3) > 0) {
                    range.put("from", a.toString());
                }
                if (random.nextInt(3) > 0 || range.isEmpty()) {
                    range.put("to", b.toString());
                }
                body.put("timeRange", range);
            }
            for (String collection : List.of(attribute, time)) {
                Map<String, Object> filtered = new HashMap<>(body);
                filtered.put("routing", "FILTERED");
                filtered.put("explain", true);
                Map<String, Object> broadcast = new HashMap<>(body);
                broadcast.put("routing", "BROADCAST");
                var f = search(key, collection, filtered).statusCode(200).extract();
                List<String> all = search(key, collection, broadcast).statusCode(200).extract().path("results.id");
                List<String> pruned = f.path("results.id");
                assertThat(pruned).as("query %s on %s", body, collection).containsExactlyInAnyOrderElementsOf(all);
                pruning += ((List<?>) f.path("explain.pruned")).isEmpty() ? 0 : 1;
            }
        }
        assertThat(pruning).as("queries where pruning happened").isGreaterThan(QUERIES / 4);
    }

    /** A random filter over region and n, nested up to 3 levels. */
    private static Map<String, Object> filter(Random random, int depth) {
        int kind = random.nextInt(depth >= 2 ? 6 : 9);
        Object region = REGIONS.get(random.nextInt(REGIONS.size() - 1));
        return switch (kind) {
            case 0 -> Map.of("region", region);
            case 1 -> Map.of("region", Map.of("$in", List.of(region, REGIONS.get(random.nextInt(REGIONS.size() - 1)))));
            case 2 -> Map.of("region", Map.of("$ne", region));
            case 3 -> Map.of("region", Map.of("$nin", List.of(region)));
            case 4 -> Map.of("region", Map.of("$exists", random.nextBoolean()));
            case 5 -> Map.of("n", Map.of(random.nextBoolean() ? "$gte" : "$lt", random.nextInt(10)));
            case 6 -> Map.of("$and", List.of(filter(random, depth + 1), filter(random, depth + 1)));
            case 7 -> Map.of("$or", List.of(filter(random, depth + 1), filter(random, depth + 1)));
            default -> Map.of("$not", filter(random, depth + 1));
        };
    }
}
