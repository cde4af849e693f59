package dev.partitiongateway.process;

import static dev.partitiongateway.process.GatewayClient.admin;
import static dev.partitiongateway.process.GatewayClient.expect;
import static dev.partitiongateway.process.GatewayClient.json;
import static dev.partitiongateway.process.GatewayClient.usage;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split of a 20,000-vector partition with the gateway killed ({@code kill -9}) in the middle of it,
 * then once more with its PostgreSQL killed too (a machine losing power), while clients write and
 * delete. Each restart resumes the job from its checkpoint; it ends SUCCEEDED, every acknowledged
 * write is there with its values, every acknowledged delete stays deleted, and after one reconciler
 * pass (for the writes the kills cut off) usage, stats and partition counts agree and a second pass
 * finds nothing to repair.
 */
class SplitCrashIT {

    private static final int DIM = 8;
    private static final int VECTORS = 20_000;

    @TempDir
    Path dataDir;

    private enum Fate { LIVE, DELETED, UNCERTAIN }

    private record State(Fate fate, float[] values) {
    }

    private final Map<String, State> model = new ConcurrentHashMap<>();
    private final Map<String, Integer> answers = new ConcurrentHashMap<>();

    @Test
    void should_resume_a_split_killed_twice_and_lose_nothing() throws Exception {
        Options options = Options.on(dataDir).name("splitcrash")
                .set("gateway.reconciler.enabled", "false")
                .set("gateway.jobs.lease", "4s")
                .set("gateway.split.batch-size", "400");
        GatewayProcess gateway = GatewayProcess.start(options);
        try {
            String key = GatewayClient.tenantWithKey(gateway, "splitter", 1_000_000);
            GatewayClient.collection(gateway, "crashsplit", DIM, "L2");
            Random random = new Random(51);
            for (int i = 0; i < VECTORS; i += 1000) {
                List<String> ids = new ArrayList<>();
                for (int j = i; j < i + 1000; j++) {
                    ids.add("s" + j);
                }
                write(gateway, key, ids, random, true);
            }
            JsonNode partitions = json(expect(admin(gateway, "GET", "/v1/admin/collections/crashsplit/partitions", null), 200)).get("partitions");
            String whole = partitions.get(0).get("placement").asText();
            long job = json(expect(admin(gateway, "POST", "/v1/admin/collections/crashsplit/partitions/" + whole + "/split",
                    "{\"into\":4}"), 202)).get("job").get("id").asLong();

            for (int round = 0; round < 2; round++) {
                GatewayProcess target = gateway;
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService pool = Executors.newFixedThreadPool(2);
                List<Future<?>> work = new ArrayList<>();
                int r = round;
                work.add(pool.submit(() -> writeNew(target, key, "r" + r + "-", stop)));
                work.add(pool.submit(() -> deleteSome(target, key, stop, new Random(r))));
                // Kill once the job has moved about a third (then two thirds) of the vectors.
                boolean running = awaitMoved(gateway, job, (round + 1) * VECTORS / 3);
                boolean powerLoss = round == 1;
                long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());
                if (running) {
                    gateway.kill();
                    if (powerLoss) {
                        ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                stop.set(true);
                for (Future<?> f : work) {
                    f.get(2, TimeUnit.MINUTES);
                }
                pool.shutdownNow();
                if (!running) {
                    break;
                }
                gateway = GatewayProcess.start(options);
            }

            JsonNode finished = awaitFinished(gateway, job);
            assertThat(finished.get("state").asText()).as(finished.toString()).isEqualTo("SUCCEEDED");
            assertThat(finished.get("attempt").asInt()).as("runs of the job").isGreaterThanOrEqualTo(2);

            expect(admin(gateway, "POST", "/v1/admin/reconcile", null), 200);
            Set<String> present = present(gateway, key, new ArrayList<>(model.keySet()));
            model.forEach((id, state) -> {
                if (state.fate() == Fate.LIVE) {
                    assertThat(present).as("acknowledged write %s", id).contains(id);
                } else if (state.fate() == Fate.DELETED) {
                    assertThat(present).as("acknowledged delete %s", id).doesNotContain(id);
                }
            });
            assertThat(usage(gateway, key)).as("usage").isEqualTo(present.size());
            JsonNode listed = json(expect(admin(gateway, "GET", "/v1/admin/collections/crashsplit/partitions", null), 200)).get("partitions");
            long counted = 0;
            List<String> placements = new ArrayList<>();
            for (JsonNode p : listed) {
                counted += p.get("vectorCount").asLong();
                placements.add(p.get("placement").asText());
                assertThat(p.get("state").asText()).isEqualTo("ACTIVE");
            }
            assertThat(placements).containsExactlyInAnyOrder(whole + "_s4_0", whole + "_s4_1", whole + "_s4_2", whole + "_s4_3");
            assertThat(counted).as("partition counts").isEqualTo(present.size());
            JsonNode second = json(expect(admin(gateway, "POST", "/v1/admin/reconcile", null), 200));
            for (String kind : List.of("pendingConfirmed", "pendingAbandoned", "orphansDeleted", "staleCopiesDeleted", "lostUnregistered",
                    "usageCorrected", "countsCorrected", "movesCompleted")) {
                assertThat(second.get(kind).asLong()).as(kind + " in the second pass: " + second).isZero();
            }
            assertThat(answers).as("answers").containsKey("upsert 200");
        } finally {
            gateway.close();
        }
    }

    /** Upserts these ids with fresh values; the model follows the answer. */
    private void write(GatewayProcess g, String key, List<String> ids, Random random, boolean mustSucceed) {
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        StringBuilder body = new StringBuilder("{\"vectors\":[");
        boolean first = true;
        for (String id : ids) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = random.nextFloat() * 2 - 1;
            }
            values.put(id, v);
            body.append(first ? "" : ",").append("{\"id\":\"").append(id).append("\",\"values\":[");
            first = false;
            for (int d = 0; d < DIM; d++) {
                body.append(d == 0 ? "" : ",").append(v[d]);
            }
            body.append("]}");
        }
        body.append("]}");
        values.forEach((id, v) -> model.put(id, new State(Fate.UNCERTAIN, null)));
        GatewayProcess.Answer answer = g.call("PUT", "/v1/collections/crashsplit/vectors", key, body.toString());
        answers.merge("upsert " + answer.status(), 1, Integer::sum);
        if (answer.status() == 200) {
            values.forEach((id, v) -> model.put(id, new State(Fate.LIVE, v)));
        } else if (mustSucceed || (answer.status() != -1 && answer.status() != 503)) {
            throw new AssertionError("upsert answered " + answer.status() + ": " + answer.body());
        }
    }

    private Void writeNew(GatewayProcess g, String key, String prefix, AtomicBoolean stop) {
        Random random = new Random(prefix.hashCode());
        for (int batch = 0; !stop.get(); batch++) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ids.add(prefix + batch + "-" + i);
            }
            // and two existing ones with new values (odd ones: the deleter takes even ones, so the model of each id is exact)
            ids.add("s" + (2 * random.nextInt(VECTORS / 2) + 1));
            ids.add("s" + (2 * random.nextInt(VECTORS / 2) + 1));
            if (ids.stream().anyMatch(id -> model.containsKey(id) && model.get(id).fate() != Fate.LIVE)) {
                continue;
            }
            write(g, key, new ArrayList<>(new java.util.LinkedHashSet<>(ids)), random, false);
        }
        return null;
    }

    private Void deleteSome(GatewayProcess g, String key, AtomicBoolean stop, Random random) {
        while (!stop.get()) {
            String id = "s" + 2 * random.nextInt(VECTORS / 2);
            State state = model.get(id);
            if (state == null || state.fate() != Fate.LIVE) {
                continue;
            }
            model.put(id, new State(Fate.UNCERTAIN, null));
            GatewayProcess.Answer answer = g.call("POST", "/v1/collections/crashsplit/vectors/delete", key, "{\"ids\":[\"" + id + "\"]}");
            answers.merge("delete " + answer.status(), 1, Integer::sum);
            if (answer.status() == 200) {
                model.put(id, new State(Fate.DELETED, null));
            } else if (answer.status() != -1 && answer.status() != 503) {
                throw new AssertionError("delete answered " + answer.status() + ": " + answer.body());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return null;
            }
        }
        return null;
    }

    /** Waits until the job has moved {@code vectors}; {@code false} if it finished first. */
    private static boolean awaitMoved(GatewayProcess g, long job, long vectors) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            JsonNode j = json(expect(admin(g, "GET", "/v1/admin/jobs/" + job, null), 200)).get("job");
            if (!List.of("PENDING", "RUNNING").contains(j.get("state").asText())) {
                return false;
            }
            if (j.get("done").asLong() >= vectors) {
                return true;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("job " + job + " did not move " + vectors + " vectors in 5 minutes");
    }

    private static JsonNode awaitFinished(GatewayProcess g, long job) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            JsonNode j = json(expect(admin(g, "GET", "/v1/admin/jobs/" + job, null), 200)).get("job");
            if (!List.of("PENDING", "RUNNING").contains(j.get("state").asText())) {
                return j;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + job + " did not finish in 5 minutes");
    }

    /** Which of these ids the gateway returns, every returned vector checked against the values acknowledged last. */
    private Set<String> present(GatewayProcess g, String key, List<String> ids) {
        Set<String> found = new HashSet<>();
        for (int i = 0; i < ids.size(); i += 1000) {
            StringBuilder body = new StringBuilder("{\"ids\":[");
            List<String> chunk = ids.subList(i, Math.min(i + 1000, ids.size()));
            for (int j = 0; j < chunk.size(); j++) {
                body.append(j == 0 ? "" : ",").append('"').append(chunk.get(j)).append('"');
            }
            JsonNode page = json(expect(g.call("POST", "/v1/collections/crashsplit/vectors/fetch", key, body.append("]}").toString()), 200));
            for (JsonNode v : page.get("vectors")) {
                String id = v.get("id").asText();
                found.add(id);
                State state = model.get(id);
                if (state != null && state.fate() == Fate.LIVE) {
                    float[] values = new float[DIM];
                    for (int d = 0; d < DIM; d++) {
                        values[d] = (float) v.get("values").get(d).asDouble();
                    }
                    assertThat(values).as("values of %s", id).containsExactly(state.values());
                }
            }
        }
        return found;
    }
}
