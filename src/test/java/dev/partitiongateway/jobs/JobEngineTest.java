package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.TestApi.asOperator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.TestApi;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job engine against a model: every step of a job is committed exactly once (a primary key in
 * {@code test_job_steps} refuses a second commit of a step), whatever happens to the runs: a run
 * whose process died is resumed from its checkpoint, a run whose lease was taken over can no longer
 * commit, concurrent claimers never get the same job, transient failures are retried, cancel stops.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class JobEngineTest {

    /** A type no handler runs: the engine never claims it, so the test claims it itself. */
    static final String UNHANDLED = "TEST_UNHANDLED";

    @Inject
    AgroalDataSource dataSource;
    @Inject
    JobStore store;
    @Inject
    ObjectMapper json;
    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void table() throws Exception {
        StepJobs.createTable(dataSource);
    }

    @Test
    void should_run_a_job_to_success_with_exact_progress() throws Exception {
        long id = enqueue(StepJobs.TYPE, Map.of("steps", 5, "sleepMs", 20));

        JsonPath job = awaitState(id, "SUCCEEDED");

        assertThat(job.getInt("job.done")).isEqualTo(5);
        assertThat(job.getInt("job.total")).isEqualTo(5);
        assertThat(job.getDouble("percent")).isEqualTo(100.0);
        assertThat(job.getInt("job.result.steps")).isEqualTo(5);
        assertThat(job.getInt("job.attempt")).isEqualTo(1);
        assertThat(job.getString("job.finishedAt")).isNotNull();
        assertThat(steps(id)).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void should_resume_a_dead_run_from_its_checkpoint_without_repeating_a_step() throws Exception {
        // A process claimed the job, committed steps 0..2 and died: its lease runs out in 1 s.
        long id = enqueue(StepJobs.TYPE, Map.of("steps", 6));
        // claimed before the engine's next poll: the type is handled, so take it over by SQL at once
        sql("UPDATE jobs SET state = 'RUNNING', runner = 'dead-process', attempt = 1, lease_until = now() + interval '1 second', "
                + "done = 3, total = 6, checkpoint = '3' WHERE id = ? AND state = 'PENDING'", id);
        for (int step = 0; step < 3; step++) {
            sql("INSERT INTO test_job_steps VALUES (?, ?, 'dead-process', 1)", id, step);
        }

        JsonPath job = awaitState(id, "SUCCEEDED");

        assertThat(job.getInt("job.attempt")).isEqualTo(2);
        assertThat(steps(id)).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(attemptOf(id, 3)).isEqualTo(2);
    }

    @Test
    void should_fence_off_a_run_whose_lease_was_taken_over() throws Exception {
        long id = enqueue(UNHANDLED, Map.of());
        JobStore.Claimed first = store.claim("process-a", Duration.ofMillis(300), List.of(UNHANDLED)).orElseThrow();
        assertThat(first.job().id()).isEqualTo(id);
        JobContext stale = new JobContext(first.job(), json.createObjectNode(), null, store, "process-a", () -> false);
        Thread.sleep(400);

        JobStore.Claimed second = store.claim("process-b", Duration.ofSeconds(30), List.of(UNHANDLED)).orElseThrow();
        assertThat(second.job().id()).isEqualTo(id);
        assertThat(second.job().attempt()).isEqualTo(2);

        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> stale.fence(c)).isInstanceOf(JobContext.LeaseLost.class);
            c.rollback();
        }
        assertThatThrownBy(() -> stale.progress(1, 1L, "1")).isInstanceOf(JobContext.LeaseLost.class);
        assertThat(store.finish(id, "process-a", 1, JobState.SUCCEEDED, Map.of(), null, null)).isFalse();
        JobContext owner = new JobContext(second.job(), json.createObjectNode(), null, store, "process-b", () -> false);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            owner.fence(c);
            c.commit();
        }
        assertThat(store.finish(id, "process-b", 2, JobState.SUCCEEDED, Map.of(), null, null)).isTrue();
        assertThat(store.get(id).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void should_give_each_job_to_exactly_one_of_many_concurrent_claimers() throws Exception {
        String type = "TEST_RACE_" + System.nanoTime() % 100000;
        List<Long> created = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            created.add(enqueue(type, Map.of("i", i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<List<Long>>> claimers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            String runner = "process-" + t;
            claimers.add(pool.submit(() -> {
                List<Long> mine = new ArrayList<>();
                Optional<JobStore.Claimed> claimed;
                while ((claimed = store.claim(runner, Duration.ofSeconds(30), List.of(type))).isPresent()) {
                    mine.add(claimed.get().job().id());
                }
                return mine;
            }));
        }
        List<Long> all = new ArrayList<>();
        Map<Integer, Integer> perClaimer = new HashMap<>();
        for (int t = 0; t < claimers.size(); t++) {
            List<Long> mine = claimers.get(t).get();
            all.addAll(mine);
            perClaimer.put(t, mine.size());
        }
        pool.shutdown();

        Collections.sort(all);
        assertThat(all).as("claimed by " + perClaimer).containsExactlyElementsOf(created);
    }

    @Test
    void should_cancel_a_pending_job_at_once_and_refuse_to_cancel_it_again() {
        long id = enqueue(UNHANDLED, Map.of());

        asOperator().post("/v1/admin/jobs/" + id + "/cancel").then().statusCode(200)
                .body("job.state", equalTo("CANCELLED")).body("job.cancelRequested", equalTo(true));
        asOperator().post("/v1/admin/jobs/" + id + "/cancel").then().statusCode(409).body("code", equalTo("CONFLICT"));
        asOperator().post("/v1/admin/jobs/987654321/cancel").then().statusCode(404);
    }

    @Test
    void should_stop_a_running_job_on_cancel_after_the_step_in_progress() throws Exception {
        long id = enqueue(StepJobs.TYPE, Map.of("steps", 10_000, "sleepMs", 10));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (job(id).getInt("job.done") < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        asOperator().post("/v1/admin/jobs/" + id + "/cancel").then().statusCode(200);
        JsonPath job = awaitState(id, "CANCELLED");

        int stoppedAt = job.getInt("job.result.stoppedAt");
        assertThat(stoppedAt).isBetween(3, 9_999);
        assertThat(steps(id)).hasSize(stoppedAt);
    }

    @Test
    void should_export_a_running_jobs_progress_and_remove_it_when_the_job_ends() throws Exception {
        long id = enqueue(StepJobs.TYPE, Map.of("steps", 100, "sleepMs", 30));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (job(id).getInt("job.done") < 5 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String series = "gateway_job_progress_ratio{job=\"" + id + "\",kind=\"" + StepJobs.TYPE + "\"}";

        String running = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(running).contains(series);
        assertThat(running).contains("gateway_jobs_running{kind=\"" + StepJobs.TYPE + "\"} 1.0");

        awaitState(id, "SUCCEEDED");
        Thread.sleep(200); // the gauge goes when the run returns, just after the outcome is recorded
        assertThat(io.restassured.RestAssured.get("/q/metrics").then().extract().asString()).doesNotContain(series);
    }

    @Test
    void should_retry_a_transient_failure_from_the_checkpoint() throws Exception {
        long id = enqueue(StepJobs.TYPE, Map.of("steps", 3, "failOnceAt", 1));

        JsonPath job = awaitState(id, "SUCCEEDED");

        assertThat(job.getInt("job.attempt")).isEqualTo(2);
        assertThat(steps(id)).containsExactly(0, 1, 2);
        assertThat(attemptOf(id, 0)).isEqualTo(1);
        assertThat(attemptOf(id, 1)).isEqualTo(2);
    }

    @Test
    void should_list_jobs_newest_first_filtered_and_paged() {
        String type = "TEST_LIST_" + System.nanoTime() % 100000;
        List<Long> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(enqueue(type, Map.of()));
        }
        asOperator().post("/v1/admin/jobs/" + created.get(0) + "/cancel").then().statusCode(200);

        List<Long> seen = new ArrayList<>();
        String cursor = null;
        do {
            var request = asOperator().queryParam("type", type).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get("/v1/admin/jobs").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("jobs.job.id", Long.class));
            cursor = page.getString("next");
        } while (cursor != null);
        List<Long> newestFirst = new ArrayList<>(created);
        Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);

        asOperator().queryParam("type", type).queryParam("state", "cancelled").get("/v1/admin/jobs").then().statusCode(200)
                .body("jobs.job.id", equalTo(List.of(created.get(0).intValue())));
        asOperator().queryParam("state", "DONE").get("/v1/admin/jobs").then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
        asOperator().queryParam("type", "x\u0000y").get("/v1/admin/jobs").then().statusCode(400);
        asOperator().queryParam("cursor", "bm90LWEtY3Vyc29y").get("/v1/admin/jobs").then().statusCode(400);
        asOperator().get("/v1/admin/jobs/abc").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        asOperator().get("/v1/admin/jobs/99999999999999999999999").then().statusCode(404);
        TestApi.as("not-a-key").get("/v1/admin/jobs").then().statusCode(401);
    }

    @Test
    void should_stream_progress_events_until_the_job_finishes() throws Exception {
        long id = enqueue(StepJobs.TYPE, Map.of("steps", 8, "sleepMs", 150));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/admin/jobs/" + id + "/events"))
                .header("Authorization", "Bearer " + TestApi.OPERATOR_KEY).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");

        List<Map<String, Object>> events = Collections.synchronizedList(new ArrayList<>());
        Future<?> reading = Executors.newSingleThreadExecutor().submit(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) { // ends when the server ends the stream
                    if (line.startsWith("data:")) {
                        events.add(json.readValue(line.substring(5).trim(), Map.class));
                    }
                }
            }
            return null;
        });
        try {
            reading.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            reading.cancel(true);
            throw new AssertionError("the stream did not end within 30 s of the job; events: " + events);
        }

        List<Integer> done = events.stream().map(e -> (Integer) ((Map<?, ?>) e.get("job")).get("done")).toList();
        assertThat(done).isSorted();
        assertThat(done.size()).isGreaterThan(2);
        Map<?, ?> last = (Map<?, ?>) events.get(events.size() - 1).get("job");
        assertThat(last.get("state")).isEqualTo("SUCCEEDED");
        assertThat(last.get("done")).isEqualTo(8);
        asOperator().get("/v1/admin/jobs/424242424242/events").then().statusCode(404);
    }

    // ---------------------------------------------------------------- helpers

    long enqueue(String type, Map<String, Object> params) {
        return store.enqueue(new JobStore.NewJob(type, null, null, "test", params, "test")).id();
    }

    static JsonPath job(long id) {
        return asOperator().get("/v1/admin/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    static JsonPath awaitState(long id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonPath job = job(id);
        while (!state.equals(job.getString("job.state")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            job = job(id);
        }
        assertThat(job.getString("job.state")).as(job.prettify()).isEqualTo(state);
        return job;
    }

    List<Integer> steps(long job) throws Exception {
        List<Integer> steps = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT step FROM test_job_steps WHERE job = ? ORDER BY step")) {
            s.setLong(1, job);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    steps.add(rs.getInt(1));
                }
            }
        }
        return steps;
    }

    int attemptOf(long job, int step) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT attempt FROM test_job_steps WHERE job = ? AND step = ?")) {
            s.setLong(1, job);
            s.setInt(2, step);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    void sql(String statement, Object... args) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        }
    }
}
