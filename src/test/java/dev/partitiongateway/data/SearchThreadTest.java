package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory;
import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory.Faults;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A search is served on the I/O thread that read it when everything it reads is cached and the backend
 * answers from memory, and handed to a worker thread otherwise (a cold cache, an index to refresh, a
 * remote backend). Either way its answer, and every refusal, is the same. The thread is read from the
 * {@code gateway.search.threads} counter.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SearchThreadTest {

    private static final Map<String, Object> QUERY = Map.of("vector", List.of(1, 0), "topK", 5);
    private static final int SEARCHES_WHILE_DROPPING = 200;

    @Inject
    PartitionDirectory directory;
    @Inject
    Event<Change> changes;

    @Inject
    MeterRegistry meters;

    @AfterEach
    void heal() {
        Faults.heal();
    }

    @Test
    void should_serve_a_warm_lucene_search_on_the_io_thread_and_hand_the_others_to_a_worker() {
        String collection = collection("lucene");
        String key = readWriteKey(createTenant(uniqueTenantId("threads"), 100));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);

        // The first search after a write refreshes the index: a worker does it.
        Counts before = counts();
        search(key, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a"));
        assertThat(counts().minus(before)).isEqualTo(new Counts(0, 1));

        // Now everything is cached and current.
        before = counts();
        search(key, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a")).body("results.size()", equalTo(2));
        search(key, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a"));
        assertThat(counts().minus(before)).isEqualTo(new Counts(2, 0));

        // A write makes the next read refresh again, and that read sees the write.
        upsert(key, collection, List.of(vector("c", 1, 0.01))).statusCode(200);
        before = counts();
        search(key, collection, QUERY).statusCode(200).body("results.size()", equalTo(3));
        assertThat(counts().minus(before)).isEqualTo(new Counts(0, 1));
    }

    @Test
    void should_read_a_key_that_is_not_cached_on_a_worker_then_serve_the_cached_one_on_the_io_thread() {
        String collection = collection("lucene");
        String tenant = createTenant(uniqueTenantId("coldkey"), 100);
        String writer = readWriteKey(tenant);
        upsert(writer, collection, List.of(vector("a", 1, 0))).statusCode(200);
        search(writer, collection, QUERY).statusCode(200);
        String fresh = readWriteKey(tenant); // never presented: not in the key cache

        // Read on the I/O thread, the key would fail the request: Hibernate refuses to block an I/O thread.
        search(fresh, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a"));
        Counts before = counts();
        search(fresh, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a"));
        assertThat(counts().minus(before)).isEqualTo(new Counts(1, 0));
    }

    @Test
    void should_always_hand_a_remote_backends_search_to_a_worker() {
        String collection = collection(FaultInjectingBackendFactory.KIND);
        String key = readWriteKey(createTenant(uniqueTenantId("remote"), 100));
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200);
        search(key, collection, QUERY).statusCode(200);

        Counts before = counts();
        search(key, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a"));
        search(key, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a"));
        assertThat(counts().minus(before)).isEqualTo(new Counts(0, 2));
    }

    @Test
    void should_refuse_on_the_io_thread_as_on_a_worker_with_a_problem() {
        String collection = collection("lucene");
        String key = readWriteKey(createTenant(uniqueTenantId("refusals"), 100));
        upsert(key, collection, List.of(vector("a", 1, 0))).statusCode(200);
        search(key, collection, QUERY).statusCode(200);
        search(key, collection, QUERY).statusCode(200);
        String missing = "nope_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);

        for (int attempt = 0; attempt < 2; attempt++) { // cold, then cached
            problem(given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body(QUERY)
                    .post("/v1/collections/" + missing + "/search").then().statusCode(404));
            problem(given().header("Authorization", "Bearer pgw_nosuchkey_" + attempt).contentType(ContentType.JSON).body(QUERY)
                    .post("/v1/collections/" + collection + "/search").then().statusCode(401));
            problem(given().contentType(ContentType.JSON).body(QUERY)
                    .post("/v1/collections/" + collection + "/search").then().statusCode(401));
        }
        Counts before = counts();
        problem(search(key, collection, Map.of("vector", List.of(1, 0, 0), "topK", 5)).statusCode(400));
        problem(search(key, collection, Map.of("vector", List.of(1, 0), "topK", "ten")).statusCode(400));
        problem(given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body("{\"vector\": [1, 0], \"topK\": \u0000}")
                .post("/v1/collections/" + collection + "/search").then().statusCode(400));
        problem(given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body("[".repeat(10_000))
                .post("/v1/collections/" + collection + "/search").then().statusCode(400));
        search(key, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a"));
        assertThat(counts().minus(before).io()).as("searches that reached the resource on the I/O thread").isPositive();
    }

    /**
     * A change notification can drop the tenant's directory entry between the check that keeps a search on
     * the I/O thread and the search's own read of it, which would then have to come from PostgreSQL on the
     * I/O thread. Quarkus refuses that, and the search starts over on a worker; before, it answered 500
     * (found by SplitUnderLoadTest in CI: a split announces directory changes while searches run). The
     * authentication filter's key and tenant can be dropped the same way after it saw them cached; it checks
     * again on a worker. Here the tenant's entries are dropped (a tenant change, as another replica would
     * announce) and the directory entry dropped and read again, in a loop, while searches run.
     */
    @Test
    void should_answer_every_search_while_its_cache_entries_are_dropped_again_and_again() throws Exception {
        String collection = collection("lucene");
        String tenant = createTenant(uniqueTenantId("dropped"), 100);
        String key = readWriteKey(tenant);
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        search(key, collection, QUERY).statusCode(200); // the refresh after the write
        double lateBefore = late();
        AtomicBoolean stop = new AtomicBoolean();
        Thread dropper = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                if (i % 2 == 0) {
                    directory.currentTenantPartitions(collection, tenant);
                } else {
                    changes.fire(Change.tenant(tenant));
                }
            }
        }, "cache-dropper");
        dropper.start();
        try {
            for (int i = 0; i < SEARCHES_WHILE_DROPPING; i++) {
                search(key, collection, QUERY).statusCode(200).body("results[0].id", equalTo("a")).body("results.size()", equalTo(2));
            }
        } finally {
            stop.set(true);
            dropper.join();
        }
        System.out.printf("%d searches while the tenant's cache entries were dropped: %.0f started over on a worker%n",
                SEARCHES_WHILE_DROPPING, late() - lateBefore);
    }

    private double late() {
        return meters.counter("gateway.search.threads", "thread", "io_then_worker").count();
    }

    private static void problem(io.restassured.response.ValidatableResponse response) {
        response.contentType(startsWith("application/problem+json")).body("status", org.hamcrest.Matchers.notNullValue())
                .body("code", org.hamcrest.Matchers.notNullValue());
    }

    private record Counts(double io, double worker) {
        Counts minus(Counts other) {
            return new Counts(io - other.io, worker - other.worker);
        }
    }

    private Counts counts() {
        return new Counts(meters.counter("gateway.search.threads", "thread", "io").count(),
                meters.counter("gateway.search.threads", "thread", "worker").count());
    }

    private static String collection(String backend) {
        String name = "threads_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", name, "dimension", 2, "metric", "COSINE", "backend", backend))
                .post("/v1/admin/collections").then().statusCode(201);
        return name;
    }
}
