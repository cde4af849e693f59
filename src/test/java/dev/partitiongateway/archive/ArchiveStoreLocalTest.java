package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The store contract on a local directory, and what only a directory can show. */
class ArchiveStoreLocalTest extends ArchiveStoreContract {

    Path root;

    @Override
    ArchiveStore newStore() {
        root = work.resolve("archives");
        return new LocalArchiveStore(root);
    }

    @Test
    void should_lay_archives_out_as_collection_placement_and_archive_folders() throws IOException {
        Manifest manifest = archive(ArchiveTestData.header("shared_3", null), ArchiveTestData.records(1_001, 2));

        Path folder = root.resolve("docs").resolve("shared_3").resolve(manifest.archiveId());
        assertThat(folder.resolve("manifest.json")).isRegularFile();
        assertThat(folder.resolve("part-00000.parquet")).isRegularFile();
        assertThat(folder.resolve("part-00001.parquet")).isRegularFile();
        try (var files = Files.list(folder)) {
            assertThat(files.count()).as("no temporary files left").isEqualTo(3);
        }
        assertThat(Files.readString(folder.resolve("manifest.json"))).contains("\"formatVersion\" : 1", "\"tenant\" : null");
    }

    @Test
    void should_not_list_a_temporary_file_of_an_interrupted_put() throws IOException {
        store.put("a/b", bytes("x"));
        Files.writeString(root.resolve("a").resolve(".b.tmp-123"), "half");

        assertThat(store.list("a/")).extracting(ArchiveStore.StoredObject::key).containsExactly("a/b");
    }

    @Test
    void should_remove_the_folders_of_a_deleted_archive() throws IOException {
        Manifest manifest = archive(ArchiveTestData.header("gone", null), ArchiveTestData.records(10, 2));

        archiver.delete(manifest.archiveKey());

        assertThat(root.resolve("docs").resolve("gone")).doesNotExist();
    }

    @Test
    void should_stop_at_a_failed_upload_and_resume_from_the_last_checkpoint() throws IOException {
        List<ArchivedRecord> records = ArchiveTestData.records(2_500, 47);
        AtomicInteger puts = new AtomicInteger();
        ArchiveStore disk = store;
        ArchiveStore flaky = new ArchiveStore() {
            @Override
            public void put(String key, Path file) throws IOException {
                if (puts.incrementAndGet() == 2) {
                    throw new IOException("connection reset");
                }
                disk.put(key, file);
            }

            @Override
            public void put(String key, byte[] content) throws IOException {
                disk.put(key, content);
            }

            @Override
            public java.io.InputStream open(String key) throws IOException {
                return disk.open(key);
            }

            @Override
            public List<StoredObject> list(String prefix) throws IOException {
                return disk.list(prefix);
            }

            @Override
            public void delete(String key) throws IOException {
                disk.delete(key);
            }

            @Override
            public boolean exists(String key) throws IOException {
                return disk.exists(key);
            }

            @Override
            public String location() {
                return disk.location();
            }
        };
        Archiver failing = new Archiver(flaky, ArchiveSettings.defaults().withRecordsPerFile(1000).withWorkDir(work.resolve("work")));
        ArchiveHeader header = ArchiveTestData.header("flaky", null);
        ArchiveCheckpoint checkpoint = null;
        try (ArchiveWriter writer = failing.begin(header)) {
            int i = 0;
            try {
                for (; i < records.size(); i++) {
                    writer.write(records.get(i).tenant(), records.get(i).record());
                    checkpoint = writer.checkpoint();
                }
            } catch (IOException e) {
                assertThat(e).hasMessage("connection reset");
            }
            assertThat(i).as("the second file's upload failed on its 1000th record").isEqualTo(1_999);
            assertThatThrownBy(() -> writer.write("acme", records.get(0).record())).isInstanceOf(IllegalStateException.class);
        }
        assertThat(checkpoint.records()).isEqualTo(1_000);

        Manifest manifest;
        try (ArchiveWriter resumed = failing.resume(header, checkpoint)) {
            for (ArchivedRecord r : records.subList(1_000, records.size())) {
                resumed.write(r.tenant(), r.record());
            }
            manifest = resumed.finish();
        }
        assertThat(archiver.verify(manifest).problems()).isEmpty();
        ArchiveTestData.assertSameRecords(readAll(manifest.archiveKey(), 700), records);
    }
}
