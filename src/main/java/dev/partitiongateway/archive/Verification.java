package dev.partitiongateway.archive;

import java.util.List;

/**
 * The outcome of reading an archive back against its manifest.
 *
 * @param manifest        the manifest checked against
 * @param records         records read from the files
 * @param contentChecksum {@link ContentChecksum} of the records read
 * @param problems        what does not match, one sentence each; empty when the archive is intact
 */
public record Verification(Manifest manifest, long records, String contentChecksum, List<String> problems) {
    public Verification {
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /** This verification, when the archive is intact. */
    public Verification orThrow() throws ArchiveCorruptException {
        if (!ok()) {
            throw new ArchiveCorruptException("archive " + manifest.archiveKey() + " is damaged: " + String.join("; ", problems));
        }
        return this;
    }
}
