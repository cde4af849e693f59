package dev.partitiongateway.routing;

import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TENANT_ATTRIBUTE: a partition per value of a metadata field, a default one, a cap on values, moves, pruning. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class AttributePartitioningTest {

    String key;
    String collection;

    @BeforeEach
    void setUp() {
        key = readWriteKey(createTenant("regional"));
        collection = Collections.create("regions", 2, "L2", Map.of("strategy", "TENANT_ATTRIBUTE", "field", "region", "maxValues", 3));
    }

    private static Map<String, Object> in(String id, Object region, double x) {
        return region == null ? vector(id, List.of(x, 1.0), Map.of()) : vector(id, List.of(x, 1.0), Map.of("region", region));
    }

    @Test
    void should_put_each_value_in_its_own_partition_and_records_without_the_field_in_the_default_one() {
        upsert(key, collection, List.of(in("e1", "eu", 1), in("e2", "eu", 2), in("u1", "us", 3), in("n1", 7, 4), in("none", null, 5)))
                .statusCode(200);

        List<Map<String, Object>> partitions = Collections.partitions(collection);
        assertThat(partitions).extracting(p -> ((Map<?, ?>) p.get("attribute")).get("value"), p -> p.get("vectorCount"))
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("eu", 2), org.assertj.core.groups.Tuple.tuple("us", 1),
                        org.assertj.core.groups.Tuple.tuple(7.0f, 1), org.assertj.core.groups.Tuple.tuple(null, 1));
        assertThat(partitions).filteredOn(p -> ((Map<?, ?>) p.get("attribute")).get("value") == null)
                .singleElement().satisfies(p -> assertThat(((Map<?, ?>) p.get("attribute")).get("defaultPartition")).isEqualTo(true));
    }

    @Test
    void should_refuse_a_value_beyond_max_values_and_store_nothing_of_the_batch() {
        upsert(key, collection, List.of(in("a", "eu", 1), in("b", "us", 2), in("c", "asia", 3))).statusCode(200);

        upsert(key, collection, List.of(in("d", "eu", 4), in("e", "africa", 5))).statusCode(400)
                .body("errors.field", hasItem("metadata.region"));

        assertThat(usage(key)).isEqualTo(3);
        fetch(key, collection, "d").statusCode(404);
        upsert(key, collection, List.of(in("f", null, 6), in("g", "eu", 7))).statusCode(200); // the default partition is not a value
    }

    @Test
    void should_refuse_an_attribute_that_is_an_array_or_an_object() {
        upsert(key, collection, List.of(in("arr", List.of("eu", "us"), 1))).statusCode(400).body("errors.field", hasItem("vectors[0].metadata.region"));
        upsert(key, collection, List.of(in("obj", Map.of("name", "eu"), 1))).statusCode(400);
        assertThat(Collections.partitions(collection)).isEmpty();
    }

    @Test
    void should_move_a_record_whose_value_changes() {
        upsert(key, collection, List.of(in("m", "eu", 1), in("other", "eu", 2))).statusCode(200);
        upsert(key, collection, List.of(in("m", "us", 1))).statusCode(200).body("updated", equalTo(1));

        assertThat(usage(key)).isEqualTo(2);
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "filter", Map.of("region", "eu"))).statusCode(200)
                .body("results.id", containsInAnyOrder("other"));
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "routing", "BROADCAST")).statusCode(200)
                .body("results.id", containsInAnyOrder("m", "other"));
        fetch(key, collection, "m").statusCode(200).body("metadata.region", equalTo("us"));
    }

    @Test
    void should_prune_partitions_by_a_filter_that_pins_the_field_and_never_otherwise() {
        upsert(key, collection, List.of(in("e", "eu", 1), in("u", "us", 2), in("n", null, 3))).statusCode(200);

        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "explain", true, "filter", Map.of("region", Map.of("$eq", "eu"))))
                .statusCode(200).body("results.id", containsInAnyOrder("e")).body("partitions", hasSize(1)).body("explain.pruned", hasSize(2));
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "filter",
                Map.of("$and", List.of(Map.of("region", Map.of("$in", List.of("eu", "us"))), Map.of("region", Map.of("$ne", "us"))))))
                .statusCode(200).body("results.id", containsInAnyOrder("e")).body("partitions", hasSize(2));
        // Negations and $or pin nothing: every partition is searched, and records without the field match $ne.
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "filter", Map.of("region", Map.of("$ne", "eu"))))
                .statusCode(200).body("results.id", containsInAnyOrder("u", "n")).body("partitions", hasSize(3));
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "filter",
                Map.of("$or", List.of(Map.of("region", "eu"), Map.of("region", Map.of("$exists", false))))))
                .statusCode(200).body("results.id", containsInAnyOrder("e", "n")).body("partitions", hasSize(3));
        // Type-strict: the number 7 is not the string "7".
        search(key, collection, Map.of("vector", List.of(1, 1), "topK", 10, "filter", Map.of("region", "7"))).statusCode(200)
                .body("results", hasSize(0));
    }
}
