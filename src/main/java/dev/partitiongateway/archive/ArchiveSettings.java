package dev.partitiongateway.archive;

import dev.partitiongateway.config.GatewayConfig;
import java.nio.file.Path;

/**
 * How archives are cut and buffered.
 *
 * @param recordsPerFile a file is closed and uploaded when it holds this many records
 * @param maxFileBytes   ... or when its encoded size reaches this
 * @param rowGroupBytes  Parquet row group size: what a writer buffers and a reader decodes at once
 * @param workDir        where files are written before upload and downloaded before reading
 */
public record ArchiveSettings(int recordsPerFile, long maxFileBytes, long rowGroupBytes, Path workDir) {
    public ArchiveSettings {
        if (recordsPerFile < 1) {
            throw new IllegalArgumentException("gateway.archive.records-per-file must be at least 1");
        }
        if (maxFileBytes < 1024 * 1024) {
            throw new IllegalArgumentException("gateway.archive.max-file-size must be at least 1M");
        }
        if (rowGroupBytes < 64 * 1024) {
            throw new IllegalArgumentException("gateway.archive.row-group-size must be at least 64K");
        }
    }

    /** 100,000 records or 512 MB per file, 8 MB row groups, in the JVM's temp directory. */
    public static ArchiveSettings defaults() {
        return new ArchiveSettings(100_000, 512L * 1024 * 1024, 8L * 1024 * 1024, Path.of(System.getProperty("java.io.tmpdir")));
    }

    public static ArchiveSettings of(GatewayConfig.Archive config) {
        return new ArchiveSettings(config.recordsPerFile(), config.maxFileSize().asLongValue(), config.rowGroupSize().asLongValue(),
                Path.of(config.workDir().orElse(System.getProperty("java.io.tmpdir"))));
    }

    public ArchiveSettings withRecordsPerFile(int records) {
        return new ArchiveSettings(records, maxFileBytes, rowGroupBytes, workDir);
    }

    public ArchiveSettings withWorkDir(Path dir) {
        return new ArchiveSettings(recordsPerFile, maxFileBytes, rowGroupBytes, dir);
    }
}
