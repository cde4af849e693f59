package dev.partitiongateway.support;

import static dev.partitiongateway.support.TestApi.asOperator;

import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Splits through the admin API, and the jobs that run them. */
public final class SplitApi {

    private SplitApi() {
    }

    /** Requests a split; returns the job's id. */
    public static long split(String collection, String placement, int into) {
        Number id = asOperator().body(Map.of("into", into))
                .post("/v1/admin/collections/{c}/partitions/{p}/split", collection, placement)
                .then().statusCode(202).extract().path("job.id");
        return id.longValue();
    }

    /** The job as {@code GET /v1/admin/jobs/{id}} shows it. */
    public static JsonPath job(long id) {
        return asOperator().get("/v1/admin/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** Waits until the job is finished and returns it; fails if it ends in another state than {@code expected}. */
    public static JsonPath awaitJob(long id, String expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonPath job = job(id);
            String state = job.getString("job.state");
            if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(state)) {
                if (!state.equals(expected)) {
                    throw new AssertionError("job " + id + " ended " + state + ", not " + expected + ": " + job.prettify());
                }
                return job;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + id + " still " + state + " after " + timeout + ": " + job.prettify());
            }
            sleep(100);
        }
    }

    /** Waits until the job has moved at least {@code vectors} and is still running. */
    public static void awaitProgress(long id, long vectors, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonPath job = job(id);
            if (job.getLong("job.done") >= vectors && "RUNNING".equals(job.getString("job.state"))) {
                return;
            }
            if (System.nanoTime() > deadline || job.getString("job.finishedAt") != null) {
                throw new AssertionError("job " + id + " did not reach " + vectors + " moved while running: " + job.prettify());
            }
            sleep(50);
        }
    }

    /** The collection's partitions of one tenant (or of every tenant: {@code null}) as the admin API lists them. */
    public static List<Map<String, Object>> partitionsOf(String collection, String tenant) {
        return Collections.partitions(collection).stream()
                .filter(p -> tenant == null || tenant.equals(p.get("tenant")) || p.get("bucket") != null)
                .toList();
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** How long the tests wait for a job at most. */
    public static final Duration PATIENCE = Duration.ofSeconds(120);
}
