package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.spi.VectorRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log's format, read back as written, its torn tails, and its rolls into parts. */
class WriteAheadLogTest {

    @TempDir
    Path folder;

    /** Strings no text encoding round-trips without care: a lone surrogate each way, NUL, control characters, a pair. */
    private static final String HOSTILE = "a\uD800b\uDC00c\u0000d\u0001\u001f\u007f\uD83D\uDE00é";

    @Test
    void should_read_back_every_operation_exactly_as_written() throws IOException {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("s", HOSTILE);
        metadata.put("n", Map.of("big", 1.7976931348623157E308, "tiny", 4.9E-324, "neg", -0.0));
        metadata.put("list", List.of(1, "two", true));
        float[] values = {-0.0f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f, 1};
        IndexOperation.Upsert upsert = IndexOperation.Upsert.of(HOSTILE, List.of(
                new VectorRecord(HOSTILE, values, metadata, Instant.ofEpochSecond(-31_557_014_167_219_200L, 999_999_999)),
                new VectorRecord("x".repeat(512), new float[] {1, 2, 3, 4, 5, 6}, Map.of(), null),
                new VectorRecord("late", new float[] {1, 2, 3, 4, 5, 6}, Map.of(), Instant.parse("+1000000000-12-31T23:59:59.999999999Z"))));
        IndexOperation.Delete delete = new IndexOperation.Delete(HOSTILE, List.of(HOSTILE, "", "b"));

        try (WriteAheadLog log = WriteAheadLog.start(folder, 7)) {
            log.append(41, WriteAheadLog.prepare(upsert));
            log.append(42, WriteAheadLog.prepare(delete));
            log.sync();
        }

        List<WriteAheadLog.Entry> entries = WriteAheadLog.unapplied(WriteAheadLog.list(folder), 0, 0);
        assertThat(entries).extracting(WriteAheadLog.Entry::session).containsExactly(7L, 7L);
        assertThat(entries).extracting(WriteAheadLog.Entry::sequence).containsExactly(41L, 42L);
        IndexOperation.Upsert read = (IndexOperation.Upsert) entries.get(0).operation();
        assertThat(read.tenant()).isEqualTo(HOSTILE);
        assertThat(read.records()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            IndexOperation.LoggedRecord written = upsert.records().get(i);
            IndexOperation.LoggedRecord back = read.records().get(i);
            assertThat(back.id()).isEqualTo(written.id());
            assertThat(bits(back.values())).isEqualTo(bits(written.values()));
            assertThat(back.metadataJson()).isEqualTo(written.metadataJson());
            assertThat(back.timestamp()).isEqualTo(written.timestamp());
        }
        assertThat(entries.get(1).operation()).isEqualTo(delete);
    }

    @Test
    void should_stop_at_a_torn_last_record_wherever_the_crash_cut_it() throws IOException {
        Path file = writeThree();
        byte[] whole = Files.readAllBytes(file);
        int lastStart = startOfRecord(whole, 2);

        for (int cut = lastStart; cut < whole.length; cut++) {
            Files.write(file, Arrays.copyOf(whole, cut));
            assertThat(sequences()).as("cut at byte %d", cut).containsExactly(1L, 2L);
        }
        Files.write(file, whole);
        assertThat(sequences()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void should_stop_at_a_record_whose_checksum_fails_and_keep_those_before_it() throws IOException {
        Path file = writeThree();
        byte[] whole = Files.readAllBytes(file);
        int second = startOfRecord(whole, 1);

        for (int at = second; at < startOfRecord(whole, 2); at++) {
            byte[] damaged = whole.clone();
            damaged[at] ^= 0x20;
            Files.write(file, damaged);
            assertThat(sequences()).as("byte %d flipped", at).containsExactly(1L);
        }
    }

    @Test
    void should_skip_what_the_commit_holds_and_order_the_rest_by_session_then_sequence() throws IOException {
        try (WriteAheadLog older = WriteAheadLog.start(folder, 3)) {
            older.append(9, WriteAheadLog.prepare(delete("s3-9")));
            older.append(5, WriteAheadLog.prepare(delete("s3-5")));
            older.requestRoll();
            older.sync();
            older.append(8, WriteAheadLog.prepare(delete("s3-8")));
            older.append(4, WriteAheadLog.prepare(delete("s3-4")));
            older.sync();
        }
        try (WriteAheadLog newer = WriteAheadLog.start(folder, 4)) {
            newer.append(2, WriteAheadLog.prepare(delete("s4-2")));
            newer.append(1, WriteAheadLog.prepare(delete("s4-1")));
            newer.sync();
        }
        try (WriteAheadLog oldest = WriteAheadLog.start(folder, 2)) {
            oldest.append(100, WriteAheadLog.prepare(delete("s2-100")));
            oldest.sync();
        }

        List<WriteAheadLog.Part> parts = WriteAheadLog.list(folder);
        assertThat(parts).extracting(part -> part.session() + "-" + part.part()).containsExactly("2-0", "3-0", "3-1", "4-0");
        // A commit of session 3 up to sequence 5 holds all of session 2 and 3's changes up to 5.
        assertThat(ids(WriteAheadLog.unapplied(parts, 3, 5))).containsExactly("s3-8", "s3-9", "s4-1", "s4-2");
        assertThat(ids(WriteAheadLog.unapplied(parts, 0, 0)))
                .containsExactly("s2-100", "s3-4", "s3-5", "s3-8", "s3-9", "s4-1", "s4-2");
        assertThat(WriteAheadLog.unapplied(parts, 5, 0)).isEmpty();
    }

    @Test
    void should_seal_the_part_it_forced_when_a_roll_was_requested() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.start(folder, 1)) {
            log.append(1, WriteAheadLog.prepare(delete("before")));
            log.sync();
            assertThat(log.takeSealed()).isEmpty();

            log.append(2, WriteAheadLog.prepare(delete("in-the-sealed-part")));
            log.requestRoll();
            log.append(3, WriteAheadLog.prepare(delete("also-sealed: appended before the sync that rolls")));
            log.sync();
            log.append(4, WriteAheadLog.prepare(delete("after")));
            log.sync();

            List<WriteAheadLog.Part> sealed = log.takeSealed();
            assertThat(sealed).extracting(WriteAheadLog.Part::part).containsExactly(0);
            assertThat(ids(WriteAheadLog.read(sealed.get(0))))
                    .containsExactly("before", "in-the-sealed-part", "also-sealed: appended before the sync that rolls");
            assertThat(log.takeSealed()).isEmpty();
            assertThat(log.parts()).extracting(WriteAheadLog.Part::part).containsExactly(1);
            assertThat(ids(WriteAheadLog.read(log.parts().get(0)))).containsExactly("after");
            assertThat(log.appended()).isEqualTo(4);
        }
    }

    @Test
    void should_take_no_more_writes_once_an_append_failed_so_nothing_after_a_torn_record_is_acknowledged() throws IOException {
        WriteAheadLog log = WriteAheadLog.start(folder, 1);
        log.append(1, WriteAheadLog.prepare(delete("before")));
        log.sync();
        log.close(); // stands for a disk that refuses the next write halfway

        assertThatThrownBy(() -> log.append(2, WriteAheadLog.prepare(delete("refused")))).isInstanceOf(IOException.class);
        assertThatThrownBy(log::sync).isInstanceOf(IOException.class).hasMessageContaining("failed earlier");
        assertThatThrownBy(() -> log.append(3, WriteAheadLog.prepare(delete("later")))).isInstanceOf(IOException.class);
    }

    @Test
    void should_fail_the_sync_when_the_log_file_was_deleted_from_under_it() throws IOException {
        WriteAheadLog log = WriteAheadLog.start(folder, 1);
        log.append(1, WriteAheadLog.prepare(delete("a")));
        WriteAheadLog.delete(log.parts());

        // The fsync of the unlinked file succeeds; acknowledging on it would lose the write.
        assertThatThrownBy(log::sync).isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThatThrownBy(() -> log.append(2, WriteAheadLog.prepare(delete("b")))).isInstanceOf(IOException.class);
        log.close();
    }

    @Test
    void should_append_and_sync_for_an_interrupted_thread_and_leave_it_interrupted() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.start(folder, 1)) {
            Thread.currentThread().interrupt();
            try {
                log.append(1, WriteAheadLog.prepare(delete("a")));
                log.requestRoll();
                log.sync();
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
            log.append(2, WriteAheadLog.prepare(delete("b")));
            log.sync();
        }
        assertThat(sequences()).containsExactly(1L, 2L);
    }

    private Path writeThree() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.start(folder, 1)) {
            log.append(1, WriteAheadLog.prepare(delete("one")));
            log.append(2, WriteAheadLog.prepare(IndexOperation.Upsert.of("t", List.of(new VectorRecord("two", new float[] {1, 2}, Map.of("k", "v"))))));
            log.append(3, WriteAheadLog.prepare(delete("three")));
            log.sync();
        }
        List<WriteAheadLog.Part> parts = WriteAheadLog.list(folder);
        assertThat(parts).hasSize(1);
        return parts.get(0).file();
    }

    private List<Long> sequences() throws IOException {
        return WriteAheadLog.unapplied(WriteAheadLog.list(folder), 0, 0).stream().map(WriteAheadLog.Entry::sequence).toList();
    }

    /** Where record {@code n} (from 0) starts: each is a 4-byte length, a 4-byte checksum and that many bytes. */
    private static int startOfRecord(byte[] log, int n) {
        int at = 0;
        for (int i = 0; i < n; i++) {
            int length = ((log[at] & 0xff) << 24) | ((log[at + 1] & 0xff) << 16) | ((log[at + 2] & 0xff) << 8) | (log[at + 3] & 0xff);
            at += 8 + length;
        }
        return at;
    }

    private static IndexOperation.Delete delete(String id) {
        return new IndexOperation.Delete("t", List.of(id));
    }

    private static List<String> ids(List<WriteAheadLog.Entry> entries) {
        List<String> ids = new ArrayList<>();
        entries.forEach(entry -> ids.addAll(((IndexOperation.Delete) entry.operation()).ids()));
        return ids;
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
