package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives never hold a partition in memory: a JVM whose heap is a third of the partition's size
 * archives it and reads it back. 100,000 vectors of 768 floats (about 300 MB of floats) through a
 * 96 MB heap; a writer or reader that kept records (or a whole file) in memory dies of OutOfMemoryError.
 * What archiving does keep is a few row groups (8 MB each by default: the one being filled, its
 * compressed pages, the page being encoded), about 25 MB live; with G1's 1 MB regions a 64 MB heap
 * passed on an idle machine and ran out on a CI machine, so the heap leaves room for the collector.
 */
class ArchiveMemoryTest {

    @TempDir
    Path dir;

    @Test
    void should_archive_and_read_back_300_mb_of_vectors_with_a_96_mb_heap() throws IOException, InterruptedException {
        Path log = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx96m", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", System.getProperty("java.class.path"),
                ArchiveMemoryChild.class.getName(), dir.toString(), "100000", "768", "25000")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // About 30 s on two idle cores; the limit leaves room for a machine busy with other builds.
        boolean exited = child.waitFor(240, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output);

        assertThat(exited).as("the child finished within 240 s:\n" + output).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("archived 100000 records", "read back and checked 100000");
        assertThat(List.of(dir.resolve("work").toFile().list())).as("no local files left").isEmpty();
    }
}
