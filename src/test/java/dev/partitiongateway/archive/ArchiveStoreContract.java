package dev.partitiongateway.archive;

import static dev.partitiongateway.archive.ArchiveTestData.assertSameRecords;
import static dev.partitiongateway.archive.ArchiveTestData.header;
import static dev.partitiongateway.archive.ArchiveTestData.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.spi.VectorRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ArchiveStore} must do, and the archives built on it: each store runs this suite
 * by supplying itself ({@link #newStore()}). The archive tests go through the store's own API only,
 * so a corruption test alters the stored objects the way a faulty disk or bucket would.
 */
abstract class ArchiveStoreContract {

    @TempDir
    Path work;

    ArchiveStore store;
    Archiver archiver;

    /** A new, empty store. */
    abstract ArchiveStore newStore() throws Exception;

    @BeforeAll
    static void quietParquet() {
        ArchiveTestData.quietParquetLogging();
    }

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
        archiver = new Archiver(store, ArchiveSettings.defaults().withRecordsPerFile(1000).withWorkDir(work.resolve("work")));
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    // --- the store ------------------------------------------------------------------------------

    @Test
    void should_return_what_was_put() throws IOException {
        store.put("a/b/file.bin", bytes("hello"));
        Path file = Files.writeString(work.resolve("local.txt"), "from a file ✓");
        store.put("a/b/other.txt", file);

        assertThat(read("a/b/file.bin")).isEqualTo("hello");
        assertThat(read("a/b/other.txt")).isEqualTo("from a file ✓");
        Path copy = work.resolve("copy.txt");
        store.get("a/b/other.txt", copy);
        assertThat(Files.readString(copy)).isEqualTo("from a file ✓");
        assertThat(Files.readString(file)).as("the source file is left alone").isEqualTo("from a file ✓");
    }

    @Test
    void should_replace_an_object_put_again() throws IOException {
        store.put("k/v", bytes("first"));
        store.put("k/v", bytes("second, longer"));

        assertThat(read("k/v")).isEqualTo("second, longer");
        assertThat(store.list("k/")).extracting(ArchiveStore.StoredObject::key).containsExactly("k/v");
    }

    @Test
    void should_list_by_string_prefix_in_key_order_with_sizes() throws IOException {
        store.put("c1/p1/b", bytes("12"));
        store.put("c1/p1/a", bytes("1"));
        store.put("c1/p10/x", bytes("123"));
        store.put("c2/p1/a", bytes("1234"));

        assertThat(store.list("c1/p1/")).containsExactly(new ArchiveStore.StoredObject("c1/p1/a", 1), new ArchiveStore.StoredObject("c1/p1/b", 2));
        assertThat(store.list("c1/p1")).extracting(ArchiveStore.StoredObject::key).containsExactly("c1/p1/a", "c1/p1/b", "c1/p10/x");
        assertThat(store.list("")).hasSize(4);
        assertThat(store.list("nothing/")).isEmpty();
    }

    @Test
    void should_report_a_missing_key_as_no_such_file() throws IOException {
        assertThat(store.exists("missing/key")).isFalse();
        assertThatThrownBy(() -> store.open("missing/key")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.get("missing/key", work.resolve("x"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void should_delete_and_ignore_deleting_what_is_not_there() throws IOException {
        store.put("d/e/f", bytes("x"));
        assertThat(store.exists("d/e/f")).isTrue();

        store.delete("d/e/f");
        store.delete("d/e/f");

        assertThat(store.exists("d/e/f")).isFalse();
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void should_refuse_keys_that_escape_the_root() {
        for (String key : List.of("../x", "a/../../x", "/abs", "a//b", "a/./b", "", "a\\b")) {
            assertThatThrownBy(() -> store.put(key, bytes("x"))).as(key).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void should_store_a_file_larger_than_a_multipart_part() throws IOException {
        Path big = work.resolve("big.bin");
        byte[] chunk = new byte[1024 * 1024];
        new Random(1).nextBytes(chunk);
        try (var out = Files.newOutputStream(big)) {
            for (int i = 0; i < 12; i++) {
                chunk[0] = (byte) i;
                out.write(chunk);
            }
        }
        store.put("big/file", big);

        Path back = work.resolve("back.bin");
        store.get("big/file", back);
        assertThat(Files.size(back)).isEqualTo(Files.size(big));
        assertThat(Files.mismatch(back, big)).isEqualTo(-1L);
    }

    // --- archives on the store ---------------------------------------------------------------------

    @Test
    void should_round_trip_every_id_value_and_metadata_of_thousands_of_records() throws IOException {
        List<ArchivedRecord> records = records(5_500, 7);

        Manifest manifest = archive(header("shared_7", null), records);

        assertThat(manifest.records()).isEqualTo(5_500);
        assertThat(manifest.files()).extracting(Manifest.FileEntry::name)
                .containsExactly("part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "part-00003.parquet",
                        "part-00004.parquet", "part-00005.parquet");
        assertThat(manifest.files()).extracting(Manifest.FileEntry::records).containsExactly(1000L, 1000L, 1000L, 1000L, 1000L, 500L);
        assertThat(manifest.collection()).isEqualTo(new Manifest.Collection("docs", 128, ArchiveTestData.COLLECTION.metric()));
        assertThat(manifest.partition().placement()).isEqualTo("shared_7");
        assertThat(manifest.partition().strategy()).containsEntry("bucket", 7L);
        assertThat(manifest.sourceBackend()).isEqualTo("lucene");
        assertSameRecords(readAll(manifest.archiveKey(), 333), records);
        assertThat(archiver.verify(manifest).problems()).isEmpty();
        assertThat(archiver.verify(manifest.archiveKey()).records()).isEqualTo(5_500);
    }

    @Test
    void should_give_the_same_content_checksum_for_the_same_records_in_another_order() throws IOException {
        List<ArchivedRecord> records = records(1_500, 3);
        List<ArchivedRecord> shuffled = new ArrayList<>(records);
        Collections.shuffle(shuffled, new Random(5));

        Manifest first = archive(header("p_one", null), records);
        Manifest second = archive(header("p_two", null), shuffled);
        ContentChecksum scanned = new ContentChecksum();
        shuffled.forEach(scanned::add);

        assertThat(second.contentChecksum()).isEqualTo(first.contentChecksum()).isEqualTo(scanned.value());
        assertThat(second.files().get(0).sha256()).isNotEqualTo(first.files().get(0).sha256());
    }

    @Test
    void should_name_the_tenant_of_a_dedicated_partition_on_every_record() throws IOException {
        ArchiveHeader header = header("tenant_a", "acme");
        List<VectorRecord> written = new ArrayList<>();
        try (ArchiveWriter writer = archiver.begin(header)) {
            for (ArchivedRecord r : records(10, 1)) {
                writer.write(null, r.record());
                written.add(r.record());
            }
            writer.finish();
        }
        List<ArchivedRecord> back = readAll(archiver.list("docs").get(0).archiveKey(), 100);

        assertThat(back).extracting(ArchivedRecord::tenant).containsOnly("acme");
        assertThat(back).extracting(r -> r.record().id()).containsExactlyElementsOf(written.stream().map(VectorRecord::id).toList());
    }

    @Test
    void should_archive_an_empty_partition() throws IOException {
        Manifest manifest = archive(header("empty", "acme"), List.of());

        assertThat(manifest.records()).isZero();
        assertThat(manifest.files()).isEmpty();
        assertThat(readAll(manifest.archiveKey(), 10)).isEmpty();
        assertThat(archiver.verify(manifest).ok()).isTrue();
    }

    @Test
    void should_refuse_a_record_of_another_dimension_or_without_values() throws IOException {
        try (ArchiveWriter writer = archiver.begin(header("p", "acme"))) {
            assertThatThrownBy(() -> writer.write("acme", new VectorRecord("short", new float[3], null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension");
            assertThatThrownBy(() -> writer.write("acme", new VectorRecord("none", null, null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no values");
        }
    }

    @Test
    void should_find_a_flipped_byte_in_a_file() throws IOException {
        Manifest manifest = archive(header("flip", null), records(2_500, 11));
        String key = manifest.keyOf(manifest.files().get(1));
        byte[] content = readBytes(key);
        content[content.length / 2] ^= 0x01;
        store.put(key, content);

        Verification verification = archiver.verify(manifest.archiveKey());

        assertThat(verification.ok()).isFalse();
        assertThat(verification.problems()).singleElement().asString().contains("part-00001.parquet", "SHA-256");
        assertThatThrownBy(verification::orThrow).isInstanceOf(ArchiveCorruptException.class);
        assertThatThrownBy(() -> readAll(manifest.archiveKey(), 500)).isInstanceOf(ArchiveCorruptException.class)
                .hasMessageContaining("part-00001.parquet");
    }

    @Test
    void should_find_a_missing_file() throws IOException {
        Manifest manifest = archive(header("missing", null), records(2_500, 13));
        store.delete(manifest.keyOf(manifest.files().get(2)));

        Verification verification = archiver.verify(manifest);

        assertThat(verification.problems()).containsExactly("part-00002.parquet is missing");
        assertThat(verification.records()).isEqualTo(2_000);
    }

    @Test
    void should_find_a_manifest_whose_count_differs() throws IOException {
        Manifest manifest = archive(header("count", null), records(1_200, 17));
        String manifestKey = manifest.archiveKey() + "/manifest.json";
        String json = read(manifestKey).replace("\"records\" : 1200", "\"records\" : 1201");
        store.put(manifestKey, bytes(json));

        Verification verification = archiver.verify(manifest.archiveKey());

        assertThat(verification.problems()).containsExactly("the manifest counts 1201 records, its files 1200");
        assertThat(archiver.verify(manifest).problems()).containsExactly("the stored manifest differs from the expected one");
        assertThatThrownBy(() -> readAll(manifest.archiveKey(), 500)).isInstanceOf(ArchiveCorruptException.class)
                .hasMessageContaining("1200 records; its manifest says 1201");
    }

    @Test
    void should_find_a_file_that_holds_other_records_than_its_manifest_entry() throws IOException {
        Manifest one = archive(header("one", null), records(1_000, 19));
        Manifest other = archive(header("other", null), records(1_000, 23));
        // A whole, valid file swapped in, with the manifest's hash "fixed" to match: only the content checksum can tell.
        String key = one.keyOf(one.files().get(0));
        store.put(key, readBytes(other.keyOf(other.files().get(0))));
        Manifest tampered = new Manifest(one.formatVersion(), one.archiveId(), one.collection(), one.partition(), one.sourceBackend(),
                one.records(), one.contentChecksum(), List.of(new Manifest.FileEntry("part-00000.parquet", 1000,
                other.files().get(0).bytes(), other.files().get(0).sha256(), one.files().get(0).contentChecksum())), one.createdAt());
        store.put(one.archiveKey() + "/manifest.json", tampered.toJson());

        assertThat(archiver.verify(one.archiveKey()).problems())
                .containsExactly("part-00000.parquet: the records' content checksum differs from the manifest's");
    }

    @Test
    void should_resume_from_a_checkpoint_after_a_crash_and_drop_what_the_crashed_attempt_left() throws IOException {
        List<ArchivedRecord> records = records(3_500, 29);
        ArchiveHeader header = header("resumed", null);
        ArchiveCheckpoint checkpoint;
        try (ArchiveWriter crashed = archiver.begin(header)) {
            for (ArchivedRecord r : records.subList(0, 2_700)) {
                crashed.write(r.tenant(), r.record());
            }
            checkpoint = crashed.checkpoint();
            // Uploaded after the job stored its checkpoint, then the process died: a stray file the resume overwrites or drops.
            crashed.flush();
        }
        assertThat(checkpoint.records()).isEqualTo(2_000);
        assertThat(checkpoint.files()).hasSize(2);

        Manifest manifest;
        try (ArchiveWriter resumed = archiver.resume(header, checkpoint)) {
            // The last file of this attempt is bigger, and the job ends with a flush at a tenant boundary.
            for (ArchivedRecord r : records.subList((int) checkpoint.records(), records.size())) {
                resumed.write(r.tenant(), r.record());
            }
            manifest = resumed.finish();
        }

        assertThat(manifest.archiveId()).isEqualTo(checkpoint.archiveId());
        assertThat(manifest.records()).isEqualTo(3_500);
        assertSameRecords(readAll(manifest.archiveKey(), 1000), records);
        assertThat(archiver.verify(manifest).ok()).isTrue();
        assertThat(store.list(manifest.archiveKey() + "/")).extracting(ArchiveStore.StoredObject::key)
                .containsExactly(manifest.archiveKey() + "/manifest.json", manifest.archiveKey() + "/part-00000.parquet",
                        manifest.archiveKey() + "/part-00001.parquet", manifest.archiveKey() + "/part-00002.parquet",
                        manifest.archiveKey() + "/part-00003.parquet");
    }

    @Test
    void should_leave_no_trace_of_an_aborted_archive() throws IOException {
        try (ArchiveWriter writer = archiver.begin(header("aborted", null))) {
            for (ArchivedRecord r : records(1_500, 31)) {
                writer.write(r.tenant(), r.record());
            }
            writer.abort();
        }
        assertThat(store.list("")).isEmpty();
        assertThat(archiver.list()).isEmpty();
        assertThat(work.resolve("work")).isEmptyDirectory();
    }

    @Test
    void should_list_complete_archives_only_and_delete_one() throws IOException {
        Manifest first = archive(header("p_a", null), records(10, 37));
        Manifest second = archive(ArchiveTestData.header("p_b", "acme"), records(10, 41).stream()
                .map(r -> new ArchivedRecord("acme", r.record())).toList());
        try (ArchiveWriter incomplete = archiver.begin(header("p_c", null))) {
            for (ArchivedRecord r : records(1_001, 43)) {
                incomplete.write(r.tenant(), r.record());
            }
        }

        assertThat(archiver.list()).extracting(Manifest::archiveKey).containsExactlyInAnyOrder(first.archiveKey(), second.archiveKey());
        assertThat(archiver.list("docs")).hasSize(2);
        assertThat(archiver.list("other")).isEmpty();

        archiver.delete(first.archiveKey());

        assertThat(archiver.list()).extracting(Manifest::archiveKey).containsExactly(second.archiveKey());
        assertThat(store.list(first.archiveKey())).isEmpty();
        assertThatThrownBy(() -> archiver.manifest(first.archiveKey())).isInstanceOf(NoSuchFileException.class);
        assertThat(work.resolve("work")).isEmptyDirectory();
    }

    // --- helpers --------------------------------------------------------------------------------

    Manifest archive(ArchiveHeader header, List<ArchivedRecord> records) throws IOException {
        try (ArchiveWriter writer = archiver.begin(header)) {
            for (ArchivedRecord r : records) {
                writer.write(r.tenant(), r.record());
            }
            return writer.finish();
        }
    }

    List<ArchivedRecord> readAll(String archiveKey, int batchSize) throws IOException {
        List<ArchivedRecord> all = new ArrayList<>();
        try (ArchiveReader reader = archiver.read(archiveKey, batchSize)) {
            for (List<ArchivedRecord> batch; !(batch = reader.next()).isEmpty(); ) {
                assertThat(batch.size()).isBetween(1, batchSize);
                all.addAll(batch);
            }
        }
        return all;
    }

    String read(String key) throws IOException {
        return new String(readBytes(key), StandardCharsets.UTF_8);
    }

    byte[] readBytes(String key) throws IOException {
        try (InputStream in = store.open(key)) {
            return in.readAllBytes();
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
