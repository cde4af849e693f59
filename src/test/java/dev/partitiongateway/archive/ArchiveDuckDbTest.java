package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.spi.VectorRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Other tools read archives: DuckDB (its own Parquet reader, in C++) reads the files of an archive
 * with plain SQL, and finds every id, tenant, vector, metadata text and timestamp that was archived.
 * The query is the one docs/archive-format.md gives.
 */
class ArchiveDuckDbTest {

    @TempDir
    static Path dir;

    static Manifest manifest;
    static List<ArchivedRecord> records;
    static String files;

    @BeforeAll
    static void archive() throws IOException {
        ArchiveTestData.quietParquetLogging();
        records = ArchiveTestData.records(2_500, 53);
        Archiver archiver = new Archiver(new LocalArchiveStore(dir.resolve("archives")),
                ArchiveSettings.defaults().withRecordsPerFile(1_000).withWorkDir(dir.resolve("work")));
        try (ArchiveWriter writer = archiver.begin(ArchiveTestData.header("shared_7", null))) {
            for (ArchivedRecord r : records) {
                writer.write(r.tenant(), r.record());
            }
            manifest = writer.finish();
        }
        files = dir.resolve("archives").resolve(manifest.archiveKey()).resolve("part-*.parquet").toString();
    }

    @Test
    void should_count_records_and_tenants_as_the_manifest_does() throws SQLException {
        try (Connection duckdb = duckdb(); Statement sql = duckdb.createStatement();
             ResultSet row = sql.executeQuery("SELECT count(*), count(DISTINCT tenant), min(len(\"values\")), max(len(\"values\"))"
                     + " FROM read_parquet('" + files + "')")) {
            row.next();
            assertThat(row.getLong(1)).isEqualTo(manifest.records()).isEqualTo(2_500);
            assertThat(row.getLong(2)).isEqualTo(3);
            assertThat(row.getInt(3)).isEqualTo(128);
            assertThat(row.getInt(4)).isEqualTo(128);
        }
    }

    @Test
    void should_read_every_id_vector_metadata_and_timestamp_as_archived() throws SQLException {
        List<ArchivedRecord> read = new ArrayList<>();
        try (Connection duckdb = duckdb(); Statement sql = duckdb.createStatement();
             ResultSet row = sql.executeQuery("SELECT id, tenant, \"values\", metadata, \"timestamp\" FROM read_parquet('" + files
                     + "', file_row_number = true) ORDER BY filename, file_row_number")) {
            while (row.next()) {
                Array values = row.getArray(3);
                Object[] boxed = (Object[]) values.getArray();
                float[] floats = new float[boxed.length];
                for (int i = 0; i < boxed.length; i++) {
                    floats[i] = (Float) boxed[i];
                }
                OffsetDateTime timestamp = row.getObject(5, OffsetDateTime.class);
                Map<String, Object> metadata = MetadataJson.read(row.getString(4));
                read.add(new ArchivedRecord(row.getString(2),
                        new VectorRecord(row.getString(1), floats, metadata, timestamp == null ? null : timestamp.toInstant())));
            }
        }
        ArchiveTestData.assertSameRecords(read, records);
    }

    @Test
    void should_see_the_standard_parquet_types() throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection duckdb = duckdb(); Statement sql = duckdb.createStatement();
             ResultSet row = sql.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + files + "')")) {
            while (row.next()) {
                columns.add(row.getString("column_name") + " " + row.getString("column_type"));
            }
        }
        assertThat(columns).containsExactly("id VARCHAR", "tenant VARCHAR", "values FLOAT[]", "metadata VARCHAR",
                "timestamp TIMESTAMP WITH TIME ZONE");
    }

    /**
     * An in-memory DuckDB, through its driver directly: DriverManager may have been initialised by another
     * test's class loader and then not offer a driver this class can see.
     */
    private static Connection duckdb() throws java.sql.SQLException {
        return new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new java.util.Properties());
    }
}
