package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorRecord;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The process {@link LuceneKillTest} kills: writers that upsert and delete their own ids on one
 * placement for ever, each printing a line before a call ({@code B}) and after it is acknowledged
 * ({@code A}): {@code <B|A> <id> <U|D> <version>}. Each id belongs to one writer, so its calls are
 * sequential and at most one of them is in flight when the process dies.
 *
 * <p>Arguments: data directory, writers, ids per writer, first version, checkpoint interval (ms).
 */
public final class CrashingWriter {

    static final CollectionSpec COLLECTION = new CollectionSpec("docs", 4, Metric.L2);
    static final Placement PLACEMENT = Placement.dedicated(COLLECTION, "p", "tenant");

    private CrashingWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int writers = Integer.parseInt(args[1]);
        int idsPerWriter = Integer.parseInt(args[2]);
        long firstVersion = Long.parseLong(args[3]);
        Duration checkpointInterval = Duration.ofMillis(Long.parseLong(args[4]));
        LuceneBackend backend = new LuceneBackend(dir, new LuceneBackend.Options(16, 100, 100, 100, checkpointInterval));
        backend.ensureCollection(COLLECTION);
        backend.ensurePartition(PLACEMENT);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        out.println("READY");
        out.flush();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread thread = new Thread(() -> {
                Random random = new Random(firstVersion * 31 + writer);
                long version = firstVersion + writer * 1_000_000L;
                while (true) {
                    String id = "w" + writer + "-" + random.nextInt(idsPerWriter);
                    boolean delete = random.nextInt(5) == 0;
                    version++;
                    line(out, "B " + id + (delete ? " D " : " U ") + version);
                    try {
                        if (delete) {
                            backend.delete(PLACEMENT, List.of(id));
                        } else {
                            backend.upsert(PLACEMENT, List.of(new VectorRecord(id, new float[] {version, writer, 1, 1},
                                    Map.of("version", version))));
                        }
                    } catch (RuntimeException e) {
                        line(out, "E " + e);
                        return;
                    }
                    line(out, "A " + id + (delete ? " D " : " U ") + version);
                }
            }, "writer-" + w);
            thread.start();
        }
        Thread.currentThread().join();
    }

    private static void line(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
