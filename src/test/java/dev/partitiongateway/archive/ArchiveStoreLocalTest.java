package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
