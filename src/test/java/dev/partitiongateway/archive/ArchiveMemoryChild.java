package dev.partitiongateway.archive;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.VectorRecord;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Run by {@link ArchiveMemoryTest} in a JVM with a small heap: archives {@code records} vectors of
 * {@code dimension} floats into a local store, then reads the archive back through and verifies it.
 * Arguments: store directory, records, dimension, records per file. Exits 0 on success.
 */
public final class ArchiveMemoryChild {

    private ArchiveMemoryChild() {
    }

    public static void main(String[] args) throws Exception {
        ArchiveTestData.quietParquetLogging();
        Path dir = Path.of(args[0]);
        int records = Integer.parseInt(args[1]);
        int dimension = Integer.parseInt(args[2]);
        int perFile = Integer.parseInt(args[3]);
        long start = System.nanoTime();
        try (ArchiveStore store = new LocalArchiveStore(dir.resolve("store"))) {
            Archiver archiver = new Archiver(store, ArchiveSettings.defaults().withRecordsPerFile(perFile).withWorkDir(dir.resolve("work")));
            ArchiveHeader header = new ArchiveHeader(new CollectionSpec("big", dimension, Metric.L2), 1L, "big_partition", Map.of(), null, "lucene");
            SplittableRandom random = new SplittableRandom(1);
            Manifest manifest;
            try (ArchiveWriter writer = archiver.begin(header)) {
                for (int i = 0; i < records; i++) {
                    float[] values = new float[dimension];
                    for (int d = 0; d < dimension; d++) {
                        values[d] = (float) random.nextDouble();
                    }
                    Map<String, Object> metadata = new LinkedHashMap<>();
                    metadata.put("n", (long) i);
                    metadata.put("tags", List.of("a", "b"));
                    writer.write("tenant-" + (i % 10), new VectorRecord("id-" + i, values, metadata));
                }
                manifest = writer.finish();
            }
            long written = System.nanoTime();
            long bytes = manifest.files().stream().mapToLong(Manifest.FileEntry::bytes).sum();
            long read = 0;
            try (ArchiveReader reader = archiver.read(manifest.archiveKey(), 500)) {
                for (List<ArchivedRecord> batch; !(batch = reader.next()).isEmpty(); ) {
                    read += batch.size();
                }
            }
            long done = System.nanoTime();
            System.out.printf("archived %d records (%d MB of floats) into %d files of %d MB in %.1f s; read back and checked %d in %.1f s;"
                            + " max heap %d MB, peak heap used %d MB%n",
                    manifest.records(), (long) records * dimension * 4 / (1024 * 1024), manifest.files().size(), bytes / (1024 * 1024),
                    (written - start) / 1e9, read, (done - written) / 1e9, Runtime.getRuntime().maxMemory() / (1024 * 1024), peakHeapMb());
            if (read != records || manifest.records() != records) {
                System.exit(2);
            }
        }
    }

    private static long peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / (1024 * 1024);
    }
}
