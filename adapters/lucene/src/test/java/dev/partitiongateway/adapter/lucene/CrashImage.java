package dev.partitiongateway.adapter.lucene;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a process crash leaves on disk, taken from a live backend: its files as they are now, with
 * nothing flushed by a close. (The page cache survives a process crash, so this is what a restart
 * sees; what a power loss would also take, data not yet fsynced, it does not model.)
 */
final class CrashImage {

    /**
     * Defaults, but no background checkpoint: one could commit, and delete the commit before it, in the
     * middle of {@link #copy}, which a real crash never sees. Tests checkpoint when they mean to.
     */
    static final LuceneBackend.Options NO_BACKGROUND_CHECKPOINTS = new LuceneBackend.Options(16, 100, 100,
            LuceneBackend.Options.DEFAULT_MAX_OPEN_INDEXES, Duration.ofDays(1));

    private CrashImage() {
    }

    /** Copies what is there; a file that a background merge or checkpoint deletes meanwhile was not needed. */
    static void copy(Path from, Path to) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(from)) {
            paths = walk.toList();
        }
        for (Path source : paths) {
            Path target = to.resolve(from.relativize(source).toString());
            try {
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.getFileName().toString().equals("write.lock")) {
                    Files.copy(source, target);
                }
            } catch (NoSuchFileException vanished) {
                // deleted after the walk listed it
            }
        }
    }
}
