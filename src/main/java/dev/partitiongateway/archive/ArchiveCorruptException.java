package dev.partitiongateway.archive;

import java.io.IOException;

/** An archive does not match its manifest: a file is missing, altered or holds other records than it should. */
public class ArchiveCorruptException extends IOException {
    public ArchiveCorruptException(String message) {
        super(message);
    }

    public ArchiveCorruptException(String message, Throwable cause) {
        super(message, cause);
    }
}
