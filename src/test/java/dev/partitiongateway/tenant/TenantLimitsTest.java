package dev.partitiongateway.tenant;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.RawHttp;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * One tenant cannot take the gateway from the others: a bounded share of requests in progress (bodies it
 * never finishes sending included), request and vector rates, and a readiness check that reports a full gateway.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class TenantLimitsTest {

    @TestHTTPResource
    URL url;

    private String tenantWithLimits(Map<String, Object> limits) {
        String id = uniqueTenantId("limited");
        asOperator().body(Map.of("id", id, "limits", limits)).post("/v1/admin/tenants").then().statusCode(201);
        return id;
    }

    /** Starts {@code count} upserts that declare a body and send only its first bytes. */
    private List<RawHttp> stall(String key, int count) throws Exception {
        List<RawHttp> stalled = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            stalled.add(new RawHttp(url.getPort()).start("PUT", "/v1/collections/anything/vectors", key, 1000, "{\"vec"));
        }
        return stalled;
    }

    @Test
    void should_hold_at_most_the_tenants_share_of_threads_with_stalled_bodies_and_serve_other_tenants() throws Exception {
        String stalling = tenantWithLimits(Map.of("maxConcurrentRequests", 4));
        String stallingKey = readWriteKey(stalling);
        String otherKey = readWriteKey(createTenant("patient"));
        String collection = createCollection("limits", 2, "L2");

        List<RawHttp> stalled = stall(stallingKey, 40);
        try {
            as(otherKey).get("/v1/tenant").then().statusCode(200);
            upsert(otherKey, collection, List.of(vector("a", 1, 0))).statusCode(200);

            Map<Integer, Integer> answers = new HashMap<>();
            for (RawHttp connection : stalled) {
                RawHttp.Answer answer = connection.read();
                answers.merge(answer.status(), 1, Integer::sum);
                if (answer.status() == 429) {
                    assertThat(answer.body()).contains("\"code\":\"RATE_LIMITED\"");
                    assertThat(answer.headers()).containsIgnoringCase("retry-after:");
                }
            }
            // The four admitted ones waited for their bodies until the read timeout closed their connections (some
            // get a 400 problem out before the close, some nothing); the rest were turned away at once.
            assertThat(answers.getOrDefault(-1, 0) + answers.getOrDefault(400, 0)).as("answers %s", answers).isEqualTo(4);
            assertThat(answers.get(429)).as("answers %s", answers).isEqualTo(36);
        } finally {
            for (RawHttp connection : stalled) {
                connection.close();
            }
        }
        as(stallingKey).get("/v1/tenant").then().statusCode(200); // permits came back
    }

    @Test
    void should_close_a_stalled_body_after_the_read_timeout_and_give_the_tenant_its_permit_back() throws Exception {
        String key = readWriteKey(tenantWithLimits(Map.of("maxConcurrentRequests", 1)));
        try (RawHttp connection = new RawHttp(url.getPort())) {
            RawHttp.Answer answer = connection.start("PUT", "/v1/collections/anything/vectors", key, 1000, "{\"vectors\":[").read();
            assertThat(answer.status()).as("closed, with at most a 400 problem").isIn(-1, 400);
        }
        as(key).get("/v1/tenant").then().statusCode(200);
    }

    @Test
    void should_limit_requests_per_second_with_a_429_problem_and_let_the_tenant_in_again_after_retry_after() throws Exception {
        String key = readWriteKey(tenantWithLimits(Map.of("requestsPerSecond", 3)));
        Map<Integer, Integer> statuses = new HashMap<>();
        String retryAfter = null;
        for (int i = 0; i < 20; i++) {
            var response = as(key).get("/v1/tenant").then().extract();
            statuses.merge(response.statusCode(), 1, Integer::sum);
            if (response.statusCode() == 429) {
                assertThat(response.contentType()).isEqualTo("application/problem+json");
                assertThat(response.jsonPath().getString("code")).isEqualTo("RATE_LIMITED");
                retryAfter = response.header("Retry-After");
            }
        }
        assertThat(statuses).containsKeys(200, 429);
        assertThat(retryAfter).isNotNull();
        Thread.sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(retryAfter)));
        as(key).get("/v1/tenant").then().statusCode(200);
    }

    @Test
    void should_limit_upserted_vectors_per_second_yet_always_admit_one_full_batch() {
        String key = readWriteKey(tenantWithLimits(Map.of("vectorsPerSecond", 2)));
        String collection = createCollection("vps", 2, "L2");
        List<Map<String, Object>> fullBatch = IntStream.range(0, 1000).mapToObj(i -> vector("v" + i, i, 1)).toList();
        List<Map<String, Object>> more = IntStream.range(0, 100).mapToObj(i -> vector("more" + i, i, 2)).toList();

        upsert(key, collection, fullBatch).statusCode(200);
        upsert(key, collection, more).statusCode(429)
                .body("code", equalTo("RATE_LIMITED")).header("Retry-After", notNullValue());
        as(key).get("/v1/collections/" + collection + "/vectors/more0").then().statusCode(404);
    }

    @Test
    void should_show_a_tenants_limits_and_put_them_back_to_the_defaults() {
        String tenant = tenantWithLimits(Map.of("requestsPerSecond", 7, "maxConcurrentRequests", 3));
        asOperator().get("/v1/admin/tenants/" + tenant).then().statusCode(200)
                .body("limits.requestsPerSecond", equalTo(7)).body("limits.maxConcurrentRequests", equalTo(3))
                .body("limits.vectorsPerSecond", equalTo(50000));
        asOperator().body(Map.of("limits", Map.of())).patch("/v1/admin/tenants/" + tenant).then().statusCode(200)
                .body("limits.requestsPerSecond", equalTo(500)).body("limits.maxConcurrentRequests", equalTo(32));
        asOperator().body(Map.of("limits", Map.of("requestsPerSecond", 0))).patch("/v1/admin/tenants/" + tenant).then().statusCode(400);
        asOperator().body(Map.of("limits", Map.of("maxConcurrentRequests", "4"))).patch("/v1/admin/tenants/" + tenant).then().statusCode(400);
        asOperator().get("/v1/admin/tenants/" + tenant).then().body("limits.requestsPerSecond", equalTo(500)).body("errors", nullValue());
    }

    @Test
    void should_report_not_ready_while_requests_in_progress_reach_the_maximum() throws Exception {
        given().get("/q/health/ready").then().statusCode(200);
        List<RawHttp> stalled = new ArrayList<>();
        try {
            // max-in-flight is 40 in tests: two tenants with 20 permits each fill it.
            for (int t = 0; t < 2; t++) {
                stalled.addAll(stall(readWriteKey(tenantWithLimits(Map.of("maxConcurrentRequests", 20))), 20));
            }
            // The stalled requests reach the gateway asynchronously: wait until all of them are admitted.
            long admitted = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (given().get("/q/health/ready").then().extract().statusCode() != 503 && System.nanoTime() < admitted) {
                Thread.sleep(20);
            }
            given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'Request capacity' }.status", equalTo("DOWN"));
        } finally {
            for (RawHttp connection : stalled) {
                connection.close();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int status;
        do {
            status = given().get("/q/health/ready").then().extract().statusCode();
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(200);
    }
}
