package dev.partitiongateway.process;

import static dev.partitiongateway.process.GatewayClient.admin;
import static dev.partitiongateway.process.GatewayClient.allIds;
import static dev.partitiongateway.process.GatewayClient.expect;
import static dev.partitiongateway.process.GatewayClient.usage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The gateway killed with {@code kill -9} in the middle of writes and deletes, sometimes with its
 * PostgreSQL killed too (a machine losing power), then restarted on the same data: it starts at once,
 * every acknowledged write is there, every acknowledged delete stays deleted, and one reconciler pass
 * makes usage, registry and backend agree exactly.
 */
class CrashRecoveryIT {

    private static final int DIM = 8;
    private static final int ROUNDS = 4;

    @TempDir
    Path dataDir;

    private enum Fate { LIVE, DELETED, UNCERTAIN }

    /** How many answers of each status the writers and the deleter got, for failure messages. */
    private final Map<String, Integer> answers = new ConcurrentHashMap<>();

    @Test
    void should_keep_every_acknowledged_write_across_kills_and_agree_after_one_reconciler_pass() throws Exception {
        Options options = Options.on(dataDir).name("crash").set("gateway.reconciler.enabled", "false");
        GatewayProcess gateway = GatewayProcess.start(options);
        String key = GatewayClient.tenantWithKey(gateway, "crash", 1_000_000);
        GatewayClient.collection(gateway, "crashed", DIM, "L2");
        Map<String, Fate> model = new ConcurrentHashMap<>();
        Random random = new Random(7);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                GatewayProcess target = gateway;
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService pool = Executors.newFixedThreadPool(3);
                List<Future<?>> work = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    String prefix = "r" + round + "w" + w + "-";
                    work.add(pool.submit(() -> write(target, key, prefix, model, stop)));
                }
                Random deletes = new Random(round);
                work.add(pool.submit(() -> deleteSome(target, key, model, stop, deletes)));
                // Kill at a random moment once the round is under way (on a loaded machine a cold start is slow).
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                while (answers.getOrDefault("upsert 200", 0) < 2 * (round + 1) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(random.nextInt(1000));
                boolean powerLoss = round % 2 == 1;
                long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());
                gateway.kill();
                if (powerLoss) {
                    ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
                }
                stop.set(true);
                for (Future<?> f : work) {
                    f.get(2, TimeUnit.MINUTES);
                }
                pool.shutdownNow();
                gateway = GatewayProcess.start(options);
            }

            expect(admin(gateway, "POST", "/v1/admin/reconcile", null), 200);

            List<String> stored = allIds(gateway, key, "crashed", DIM, 1000);
            assertThat(stored).doesNotHaveDuplicates();
            Set<String> storedSet = Set.copyOf(stored);
            model.forEach((id, fate) -> {
                if (fate == Fate.LIVE) {
                    assertThat(storedSet).as("acknowledged write %s", id).contains(id);
                } else if (fate == Fate.DELETED) {
                    assertThat(storedSet).as("acknowledged delete %s", id).doesNotContain(id);
                }
            });
            assertThat(storedSet).as("nothing that was never written").isSubsetOf(model.keySet());
            assertThat(usage(gateway, key)).as("usage after one reconciler pass").isEqualTo(stored.size());
            assertThat(model.values()).as("acknowledged writes and deletes; answers %s", answers).contains(Fate.LIVE, Fate.DELETED);
        } finally {
            gateway.close();
        }
    }

    private Void write(GatewayProcess g, String key, String prefix, Map<String, Fate> model, AtomicBoolean stop) {
        Random random = new Random(prefix.hashCode());
        for (int batch = 0; batch < 10 && !stop.get(); batch++) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ids.add(prefix + batch + "-" + i);
            }
            ids.forEach(id -> model.put(id, Fate.UNCERTAIN));
            GatewayProcess.Answer answer = g.call("PUT", "/v1/collections/crashed/vectors", key, GatewayClient.vectors(ids, DIM, random));
            answers.merge("upsert " + answer.status(), 1, Integer::sum);
            if (answer.status() == 200) {
                ids.forEach(id -> model.put(id, Fate.LIVE));
            } else if (answer.status() != -1 && answer.status() != 503) {
                throw new AssertionError("upsert answered " + answer.status() + ": " + answer.body());
            }
        }
        return null;
    }

    private Void deleteSome(GatewayProcess g, String key, Map<String, Fate> model, AtomicBoolean stop, Random random) {
        while (!stop.get()) {
            List<String> live = model.entrySet().stream().filter(e -> e.getValue() == Fate.LIVE).map(Map.Entry::getKey).sorted().toList();
            if (live.isEmpty()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return null;
                }
                continue;
            }
            String id = live.get(random.nextInt(live.size()));
            model.put(id, Fate.UNCERTAIN);
            GatewayProcess.Answer answer = g.call("POST", "/v1/collections/crashed/vectors/delete", key, "{\"ids\":[\"" + id + "\"]}");
            answers.merge("delete " + answer.status(), 1, Integer::sum);
            if (answer.status() == 200) {
                model.put(id, Fate.DELETED);
            } else if (answer.status() != -1 && answer.status() != 503) {
                throw new AssertionError("delete answered " + answer.status() + ": " + answer.body());
            }
        }
        return null;
    }
}
