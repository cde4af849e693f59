package dev.partitiongateway.archive;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;

/** Reads one local archive file in batches; Parquet decodes one row group at a time. */
final class PartFileReader implements Closeable {

    private final ParquetReader<ArchivedRecord> reader;

    PartFileReader(Path file) throws IOException {
        this.reader = new Builder(new LocalInputFile(file)).build();
    }

    /** Up to {@code max} records; an empty list at the end of the file. */
    List<ArchivedRecord> next(int max) throws IOException {
        List<ArchivedRecord> batch = new ArrayList<>(Math.min(max, 1024));
        ArchivedRecord record;
        while (batch.size() < max && (record = reader.read()) != null) {
            batch.add(record);
        }
        return batch;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    private static final class Builder extends ParquetReader.Builder<ArchivedRecord> {
        Builder(InputFile file) {
            super(file, new PlainParquetConfiguration());
        }

        @Override
        protected ReadSupport<ArchivedRecord> getReadSupport() {
            return new ArchiveSchema.RecordReadSupport();
        }
    }
}
