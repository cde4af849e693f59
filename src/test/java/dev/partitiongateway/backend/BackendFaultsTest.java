package dev.partitiongateway.backend;

import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory;
import dev.partitiongateway.adapter.lucene.FaultInjectingBackendFactory.Faults;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A backend that fails on command: retried when it may help, held off when it keeps failing, recovered from by itself. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class BackendFaultsTest {

    String collection;
    String key;

    @BeforeEach
    void faultyCollection() {
        Faults.heal();
        try {
            CircuitBreakerMaintenance.get().reset("backend-" + FaultInjectingBackendFactory.KIND);
        } catch (IllegalArgumentException notYetOpened) {
            // the backend is opened by the first collection on it
        }
        collection = "faults_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", collection, "dimension", 2, "metric", "L2", "backend", FaultInjectingBackendFactory.KIND))
                .post("/v1/admin/collections").then().statusCode(201);
        key = readWriteKey(createTenant("faults"));
        upsert(key, collection, List.of(vector("seed", 1, 0))).statusCode(200);
        Faults.resetCount();
    }

    @AfterEach
    void heal() {
        Faults.heal();
    }

    @Test
    void should_retry_a_call_that_failed_for_a_moment() {
        Faults.failNext(1, () -> new BackendException.Unavailable("connection reset", null));

        upsert(key, collection, List.of(vector("a", 0, 1))).statusCode(200);

        assertThat(Faults.dataCalls()).isEqualTo(2);
        fetch(key, collection, "a").statusCode(200);
    }

    @Test
    void should_answer_503_with_retry_after_and_change_nothing_when_retries_run_out() {
        double unavailable = backendCalls("upsert", "unavailable");
        double ok = backendCalls("upsert", "ok");
        Faults.failNext(3, () -> new BackendException.Unavailable("down", null));

        upsert(key, collection, List.of(vector("a", 0, 1))).statusCode(503)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue()).body("code", equalTo("BACKEND_UNAVAILABLE"));

        assertThat(Faults.dataCalls()).isEqualTo(3);
        // Each attempt is timed, under its own outcome.
        assertThat(backendCalls("upsert", "unavailable")).isEqualTo(unavailable + 3);
        assertThat(backendCalls("upsert", "ok")).isEqualTo(ok);
        assertThat(usage(key)).isEqualTo(1);
        Faults.heal();
        fetch(key, collection, "a").statusCode(404);
    }

    /** {@code gateway_backend_calls_seconds_count} of this backend for one operation and outcome, 0 if never recorded. */
    private static double backendCalls(String operation, String outcome) {
        String sample = "gateway_backend_calls_seconds_count{backend=\"" + FaultInjectingBackendFactory.KIND + "\",operation=\""
                + operation + "\",outcome=\"" + outcome + "\"} ";
        return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith(sample)).mapToDouble(line -> Double.parseDouble(line.substring(sample.length())))
                .findFirst().orElse(0);
    }

    @Test
    void should_not_retry_a_refusal() {
        Faults.failNext(1, () -> new BackendException.Rejected("bad filter"));

        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(400);

        assertThat(Faults.dataCalls()).isEqualTo(1);
    }

    @Test
    void should_pass_on_a_rate_limit_that_asks_for_a_longer_wait_than_retries_allow() {
        Faults.failNext(1, () -> new BackendException.Unavailable("rate limited", null, Duration.ofSeconds(30)));

        search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(503).header("Retry-After", "30");

        assertThat(Faults.dataCalls()).isEqualTo(1);
    }

    @Test
    void should_hold_off_a_dead_backend_and_recover_by_itself_when_it_returns() {
        Faults.failAlways(() -> new BackendException.Unavailable("connection refused", null));
        String detail = "";
        for (int i = 0; i < 40 && !detail.contains("held off"); i++) {
            detail = search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(503).extract().path("detail");
        }
        assertThat(detail).as("the circuit opens after repeated failures").contains("held off");
        int heldOff = 0;
        for (int i = 0; i < 10; i++) {
            int callsBefore = Faults.dataCalls();
            String answer = search(key, collection, Map.of("vector", List.of(1, 0))).statusCode(503).extract().path("detail");
            if (answer.contains("held off")) {
                heldOff++;
                assertThat(Faults.dataCalls()).as("no call reaches a backend held off").isEqualTo(callsBefore);
            } // else the hold-off ended (on a slow machine) and a trial call went through, and failed
        }
        assertThat(heldOff).isGreaterThanOrEqualTo(5);

        Faults.heal();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int status;
        do {
            status = search(key, collection, Map.of("vector", List.of(1, 0))).extract().statusCode();
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).as("recovered without a restart").isEqualTo(200);
    }

    @Test
    void should_leave_a_write_applied_after_a_lost_answer_for_the_reconciler_and_accept_the_retry() {
        // Every attempt reaches the index and then times out: the client sees 503, the backend holds the record.
        Faults.applyThenTimeOut(3);
        upsert(key, collection, List.of(vector("ghost", 0, 1))).statusCode(503);
        assertThat(usage(key)).isEqualTo(1);

        Faults.heal();
        asOperator().post("/v1/admin/reconcile?collection=" + collection).then().statusCode(200).body("orphansDeleted", equalTo(1));
        fetch(key, collection, "ghost").statusCode(404);

        upsert(key, collection, List.of(vector("ghost", 0, 1))).statusCode(200).body("inserted", equalTo(1));
        assertThat(usage(key)).isEqualTo(2);
    }
}
