package dev.partitiongateway.archive;

import java.util.List;

/**
 * What of an archive in progress is durable: the files already uploaded. A job stores it (it is a
 * plain record, serialisable as JSON) and, after a crash, passes it to
 * {@link Archiver#resume(ArchiveHeader, ArchiveCheckpoint)}: the archive goes on with its next file.
 *
 * @param archiveId the archive being written
 * @param files     the uploaded files, in order
 */
public record ArchiveCheckpoint(String archiveId, List<Manifest.FileEntry> files) {
    public ArchiveCheckpoint {
        files = List.copyOf(files);
    }

    /** Records in the uploaded files: a resumed job feeds the writer what follows them. */
    public long records() {
        return files.stream().mapToLong(Manifest.FileEntry::records).sum();
    }
}
