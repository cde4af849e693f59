package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.spi.VectorRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a process writing through the Lucene adapter, at a random moment (background checkpoints
 * every 20 ms, so many kills land in one), then a restart on the same files: every id must hold what
 * its last acknowledged call left, or what the one call in flight on it would have left.
 */
class LuceneKillTest {

    private static final int ROUNDS = 4;
    private static final int WRITERS = 6;
    private static final int IDS_PER_WRITER = 15;

    @TempDir
    Path dir;

    /** An upsert (a version) or a delete ({@code null}) of one id. */
    private record Call(String id, Long version) {
    }

    @Test
    void should_keep_every_acknowledged_write_when_the_process_is_killed_at_any_moment() throws Exception {
        Random random = new Random(20261122);
        Map<String, Long> state = new HashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            // The child's lines go to a file, not a pipe: after a kill, a JDK reader of the pipe can be cut off
            // ("Stream closed", when the process reaper drains and closes it) and lose the last lines.
            Path output = Files.createTempFile("kill-round-" + round, ".log");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), CrashingWriter.class.getName(),
                    dir.toString(), Integer.toString(WRITERS), Integer.toString(IDS_PER_WRITER),
                    Long.toString((round + 1) * 10_000_000L), "20")
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(output.toFile())
                    .start();
            int acknowledgedBeforeKill = 150 + random.nextInt(250);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged(completeLines(output)) < acknowledgedBeforeKill && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(60));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            List<String> log = completeLines(output);
            Files.delete(output);
            assertThat(log).as("round %d: the writers failed", round).noneMatch(line -> line.startsWith("E "));
            assertThat(acknowledged(log)).as("round %d: acknowledged calls", round).isGreaterThanOrEqualTo(acknowledgedBeforeKill);

            // The model: what the acknowledged calls left, and the call in flight on each writer.
            Map<String, Long> expected = new HashMap<>(state);
            Map<String, Call> inFlight = new HashMap<>();
            for (String line : log) {
                String[] parts = line.split(" ");
                if (parts.length != 4 || !(parts[0].equals("B") || parts[0].equals("A"))) {
                    continue;
                }
                Call call = new Call(parts[1], parts[2].equals("U") ? Long.valueOf(parts[3]) : null);
                String writer = parts[1].substring(0, parts[1].indexOf('-'));
                if (parts[0].equals("B")) {
                    inFlight.put(writer, call);
                } else {
                    inFlight.remove(writer);
                    if (call.version() == null) {
                        expected.remove(call.id());
                    } else {
                        expected.put(call.id(), call.version());
                    }
                }
            }

            Map<String, Long> recovered = new HashMap<>();
            try (LuceneBackend restarted = new LuceneBackend(dir, CrashImage.NO_BACKGROUND_CHECKPOINTS)) {
                List<String> ids = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    for (int k = 0; k < IDS_PER_WRITER; k++) {
                        ids.add("w" + w + "-" + k);
                    }
                }
                for (VectorRecord record : restarted.fetch(CrashingWriter.PLACEMENT, ids)) {
                    recovered.put(record.id(), ((Number) record.metadata().get("version")).longValue());
                }
                assertThat(restarted.count(CrashingWriter.PLACEMENT, null)).isEqualTo(recovered.size());
            }
            Set<String> touched = new HashSet<>(expected.keySet());
            touched.addAll(recovered.keySet());
            inFlight.values().forEach(call -> touched.add(call.id()));
            for (String id : touched) {
                Set<Long> allowed = new HashSet<>();
                allowed.add(expected.get(id));
                inFlight.values().stream().filter(call -> call.id().equals(id)).forEach(call -> allowed.add(call.version()));
                assertThat(allowed).as("round %d, id %s: recovered %s", round, id, recovered.get(id))
                        .anyMatch(version -> Objects.equals(version, recovered.get(id)));
            }
            state = recovered;
        }
    }

    private static long acknowledged(List<String> lines) {
        return lines.stream().filter(line -> line.startsWith("A ")).count();
    }

    /** The lines the child wrote in full (each with one write call, flushed before and after its backend call). */
    private static List<String> completeLines(Path output) throws java.io.IOException {
        String text = Files.readString(output, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }
}
