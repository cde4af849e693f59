package dev.partitiongateway.archive;

import java.nio.file.Path;

/** An archive file written locally, with what the manifest says about it. */
record PartFile(Path path, long records, long bytes, String sha256, String contentChecksum) {
}
