package dev.partitiongateway.archive;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads an archive back in batches, file after file, like a backend's record cursor. Each file is
 * downloaded to the work directory and its SHA-256 checked before any of its records is returned;
 * its record count and content checksum are checked when it is read through, and the archive's
 * totals at the end: a damaged archive fails with {@link ArchiveCorruptException} instead of
 * restoring something else than what was archived.
 *
 * <p>Heap use is bounded by one Parquet row group and one batch; local disk by one file. Not
 * thread-safe; close it in every case (it deletes the downloaded file).
 */
public final class ArchiveReader implements Closeable {

    private final ArchiveStore store;
    private final Manifest manifest;
    private final ArchiveSettings settings;
    private final int batchSize;
    private int fileIndex = -1;
    private Path file;
    private PartFileReader reader;
    private ContentChecksum fileChecksum;
    private long total;
    private String totalChecksum = ContentChecksum.empty();
    private boolean done;

    ArchiveReader(ArchiveStore store, Manifest manifest, ArchiveSettings settings, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        this.store = store;
        this.manifest = manifest;
        this.settings = settings;
        this.batchSize = batchSize;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** The next batch of at most {@code batchSize} records; an empty list when the archive is read through and intact. */
    public List<ArchivedRecord> next() throws IOException {
        while (!done) {
            if (reader == null && !openNextFile()) {
                checkTotals();
                done = true;
                break;
            }
            List<ArchivedRecord> batch = reader.next(batchSize);
            if (!batch.isEmpty()) {
                batch.forEach(fileChecksum::add);
                return batch;
            }
            finishFile();
        }
        return List.of();
    }

    private boolean openNextFile() throws IOException {
        if (fileIndex + 1 >= manifest.files().size()) {
            return false;
        }
        fileIndex++;
        Manifest.FileEntry entry = manifest.files().get(fileIndex);
        Files.createDirectories(settings.workDir());
        file = Files.createTempFile(settings.workDir(), "restore-" + manifest.archiveId() + "-", ".parquet");
        Archiver.Download download = Archiver.download(store, manifest.keyOf(entry), file);
        String problem = download.problemWith(entry);
        if (problem != null) {
            throw new ArchiveCorruptException(manifest.keyOf(entry) + ": " + problem);
        }
        reader = new PartFileReader(file);
        fileChecksum = new ContentChecksum();
        return true;
    }

    private void finishFile() throws IOException {
        Manifest.FileEntry entry = manifest.files().get(fileIndex);
        closeFile();
        if (fileChecksum.records() != entry.records()) {
            throw new ArchiveCorruptException(manifest.keyOf(entry) + " holds " + fileChecksum.records() + " records; the manifest says " + entry.records());
        }
        if (!fileChecksum.value().equals(entry.contentChecksum())) {
            throw new ArchiveCorruptException(manifest.keyOf(entry) + ": the records' content checksum differs from the manifest's");
        }
        total += fileChecksum.records();
        totalChecksum = ContentChecksum.plus(totalChecksum, fileChecksum.value());
    }

    private void checkTotals() throws ArchiveCorruptException {
        if (total != manifest.records()) {
            throw new ArchiveCorruptException("archive " + manifest.archiveKey() + " holds " + total + " records; its manifest says " + manifest.records());
        }
        if (!totalChecksum.equals(manifest.contentChecksum())) {
            throw new ArchiveCorruptException("archive " + manifest.archiveKey() + ": the content checksum differs from the manifest's");
        }
    }

    private void closeFile() throws IOException {
        try {
            if (reader != null) {
                reader.close();
            }
        } finally {
            reader = null;
            if (file != null) {
                Files.deleteIfExists(file);
                file = null;
            }
        }
    }

    @Override
    public void close() throws IOException {
        done = true;
        closeFile();
    }
}
