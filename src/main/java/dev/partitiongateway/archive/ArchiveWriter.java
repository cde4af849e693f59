package dev.partitiongateway.archive;

import dev.partitiongateway.spi.VectorRecord;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Streams one partition's records into an archive. Records go to a local Parquet file; when the file
 * holds {@link ArchiveSettings#recordsPerFile()} records (or {@link ArchiveSettings#maxFileBytes()}
 * bytes) it is uploaded and deleted, and the next record starts a new file. {@link #finish()} uploads
 * the last file and then the manifest, which is what makes the archive exist.
 *
 * <p>Heap use is bounded by one Parquet row group, whatever the partition's size; local disk by one file.
 *
 * <p>Checkpoints: {@link #checkpoint()} names the files already uploaded; {@link #flush()} uploads the
 * current file first (for instance at the end of a tenant, or before a job records its progress).
 * After a crash, {@link Archiver#resume} continues from a checkpoint: records written after it were
 * only in the lost local file, and the job writes them again.
 *
 * <p>A failed upload ends the writer (its file's records are lost with it): resume from the last checkpoint.
 *
 * <p>Not thread-safe. Close it in every case: {@link #close()} removes the local file, and leaves
 * uploaded files for a resume; {@link #abort()} also deletes them.
 */
public final class ArchiveWriter implements Closeable {

    private final ArchiveStore store;
    private final ArchiveSettings settings;
    private final ArchiveHeader header;
    private final String archiveId;
    private final List<Manifest.FileEntry> files;
    private PartFileWriter current;
    private long records;
    private boolean done;

    ArchiveWriter(ArchiveStore store, ArchiveSettings settings, ArchiveHeader header, ArchiveCheckpoint from) {
        this.store = store;
        this.settings = settings;
        this.header = header;
        this.archiveId = from.archiveId();
        this.files = new ArrayList<>(from.files());
        this.records = from.records();
    }

    /** {@code <collection>/<placement>/<archiveId>}, relative to the store's root. */
    public String archiveKey() {
        return Archiver.archiveKey(header.collection().name(), header.placement(), archiveId);
    }

    public String archiveId() {
        return archiveId;
    }

    /**
     * Adds one record.
     *
     * @param tenant the record's owner; {@code null} only when the archive's header names the tenant
     * @throws IllegalArgumentException when the record has no values, values of another dimension, a
     *                                  timestamp finer than a microsecond or metadata that is not JSON
     */
    public void write(String tenant, VectorRecord record) throws IOException {
        if (done) {
            throw new IllegalStateException("archive " + archiveKey() + " is already finished or closed");
        }
        if (current == null) {
            Files.createDirectories(settings.workDir());
            Path file = Files.createTempFile(settings.workDir(), "archive-" + archiveId + "-", ".parquet");
            current = new PartFileWriter(file, header.collection().dimension(), settings);
        }
        current.write(new ArchivedRecord(tenant == null ? header.tenant() : tenant, record));
        records++;
        if (current.records() >= settings.recordsPerFile() || current.dataSize() >= settings.maxFileBytes()) {
            flush();
        }
    }

    /** Records written so far, durable or not. */
    public long records() {
        return records;
    }

    /** Uploads the current file, if it holds records, and returns the checkpoint that includes it. */
    public ArchiveCheckpoint flush() throws IOException {
        if (current != null && current.records() > 0) {
            PartFileWriter writer = current;
            current = null;
            try (writer) {
                PartFile part = writer.finish();
                Manifest.FileEntry entry = new Manifest.FileEntry(Archiver.partName(files.size()), part.records(), part.bytes(),
                        part.sha256(), part.contentChecksum());
                store.put(archiveKey() + "/" + entry.name(), part.path());
                files.add(entry);
            } catch (IOException | RuntimeException e) {
                // The file's records are gone with it: this writer cannot go on, a resume from the last checkpoint can.
                done = true;
                throw e;
            }
        }
        return checkpoint();
    }

    /** The uploaded files. */
    public ArchiveCheckpoint checkpoint() {
        return new ArchiveCheckpoint(archiveId, files);
    }

    /**
     * Uploads the last file, removes files that a crashed earlier attempt left beyond the checkpoint it
     * resumed from, and writes the manifest.
     */
    public Manifest finish() throws IOException {
        flush();
        done = true;
        String contentChecksum = files.stream().map(Manifest.FileEntry::contentChecksum)
                .reduce(ContentChecksum.empty(), ContentChecksum::plus);
        Manifest manifest = new Manifest(ArchiveSchema.FORMAT_VERSION, archiveId,
                new Manifest.Collection(header.collection().name(), header.collection().dimension(), header.collection().metric()),
                new Manifest.Partition(header.partitionId(), header.placement(), header.tenant(), header.strategy()),
                header.sourceBackend(), records, contentChecksum, List.copyOf(files), Instant.now());
        Set<String> keep = new HashSet<>();
        files.forEach(f -> keep.add(manifest.keyOf(f)));
        for (ArchiveStore.StoredObject object : store.list(archiveKey() + "/")) {
            if (!keep.contains(object.key())) {
                store.delete(object.key());
            }
        }
        store.put(archiveKey() + "/" + Manifest.FILE_NAME, manifest.toJson());
        return manifest;
    }

    /** Gives the archive up: deletes the local file and everything uploaded. */
    public void abort() throws IOException {
        close();
        for (ArchiveStore.StoredObject object : store.list(archiveKey() + "/")) {
            store.delete(object.key());
        }
    }

    @Override
    public void close() throws IOException {
        done = true;
        if (current != null) {
            PartFileWriter writer = current;
            current = null;
            writer.close();
        }
    }
}
