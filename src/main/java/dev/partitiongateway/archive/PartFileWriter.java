package dev.partitiongateway.archive;

import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;

/**
 * Writes one archive file on local disk. Parquet buffers one row group in memory (see
 * {@link ArchiveSettings#rowGroupBytes()}) and streams the rest to the file; the file's SHA-256 is
 * computed once it is closed, reading it back in a stream.
 */
final class PartFileWriter implements Closeable {

    private final Path file;
    private final int dimension;
    private final ParquetWriter<ArchivedRecord> writer;
    private final ContentChecksum checksum = new ContentChecksum();
    private boolean closed;

    PartFileWriter(Path file, int dimension, ArchiveSettings settings) throws IOException {
        this.file = file;
        this.dimension = dimension;
        this.writer = new Builder(new LocalOutputFile(file))
                // A plain configuration: no Hadoop Configuration (and none of its XML files) is ever loaded.
                .withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize(settings.rowGroupBytes())
                // Ids, vectors and metadata are (nearly) all distinct: a dictionary would only cost memory.
                .withDictionaryEncoding(false)
                .withDictionaryEncoding("tenant", true)
                .build();
    }

    void write(ArchivedRecord archived) throws IOException {
        float[] values = archived.record().values();
        if (values == null) {
            throw new IllegalArgumentException("record " + archived.record().id() + " has no values (scan with includeValues)");
        }
        if (values.length != dimension) {
            throw new IllegalArgumentException("record " + archived.record().id() + " has " + values.length
                    + " values; the collection's dimension is " + dimension);
        }
        if (archived.record().timestamp() != null) {
            ArchiveSchema.micros(archived.record().timestamp(), archived.record().id());
        }
        // Everything that can refuse a record runs before the file sees it (the checksum also fails on metadata
        // that is not JSON): a refused record leaves the file and the checksum as they were.
        checksum.add(archived);
        writer.write(archived);
    }

    long records() {
        return checksum.records();
    }

    /** Encoded bytes so far, including the row group still in memory. */
    long dataSize() {
        return writer.getDataSize();
    }

    /** Closes the file and describes it. */
    PartFile finish() throws IOException {
        closed = true;
        writer.close();
        String sha256 = MoreFiles.asByteSource(file).hash(Hashing.sha256()).toString();
        return new PartFile(file, checksum.records(), Files.size(file), sha256, checksum.value());
    }

    /** Abandons the file (when not finished) and deletes it. */
    @Override
    public void close() throws IOException {
        try {
            if (!closed) {
                closed = true;
                writer.close();
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static final class Builder extends ParquetWriter.Builder<ArchivedRecord, Builder> {
        Builder(OutputFile file) {
            super(file);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<ArchivedRecord> getWriteSupport(ParquetConfiguration configuration) {
            return new ArchiveSchema.RecordWriteSupport();
        }

        @Override
        protected WriteSupport<ArchivedRecord> getWriteSupport(Configuration configuration) {
            return new ArchiveSchema.RecordWriteSupport();
        }
    }
}
