package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.spi.VectorRecord;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The details of the archive format that docs/archive-format.md promises. */
class ArchiveFormatTest {

    @TempDir
    Path dir;

    @Test
    void should_compute_the_content_checksum_as_documented() throws Exception {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("b", 1L);
        metadata.put("a", "é");
        VectorRecord record = new VectorRecord("id-1", new float[] {1.5f, Float.intBitsToFloat(0x7fc00001)}, metadata,
                Instant.parse("2024-05-01T12:00:00.123Z"));

        // The encoding spelt out by hand, as another tool would compute it.
        byte[] tenant = "acme".getBytes(StandardCharsets.UTF_8);
        byte[] id = "id-1".getBytes(StandardCharsets.UTF_8);
        byte[] json = "{\"a\":\"é\",\"b\":1}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer encoding = ByteBuffer.allocate(200)
                .putInt(tenant.length).put(tenant).putInt(id.length).put(id)
                .putInt(2).putInt(Float.floatToIntBits(1.5f)).putInt(0x7fc00000)
                .putInt(json.length).put(json)
                .put((byte) 1).putLong(Instant.parse("2024-05-01T12:00:00.123Z").getEpochSecond()).putInt(123_000_000);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(encoding.array(), 0, encoding.position());
        BigInteger one = new BigInteger(1, sha256.digest());

        ContentChecksum checksum = new ContentChecksum();
        checksum.add("acme", record);
        assertThat(checksum.value()).isEqualTo(String.format("%064x", one));

        checksum.add("acme", record);
        assertThat(checksum.value()).as("a duplicate changes the sum").isEqualTo(String.format("%064x", one.shiftLeft(1).mod(BigInteger.ONE.shiftLeft(256))));
    }

    @Test
    void should_not_depend_on_the_key_order_of_metadata_or_the_order_of_records() {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("a", List.of(1L, Map.of("y", 2L, "x", 3L)));
        ab.put("b", "text");
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("b", "text");
        ba.put("a", List.of(1L, Map.of("x", 3L, "y", 2L)));
        VectorRecord first = new VectorRecord("1", new float[] {1f}, ab);
        VectorRecord second = new VectorRecord("2", new float[] {2f}, ba);

        ContentChecksum one = new ContentChecksum();
        one.add("t", first);
        one.add("t", second);
        ContentChecksum other = new ContentChecksum();
        other.add("t", new VectorRecord("2", new float[] {2f}, ab));
        other.add("t", new VectorRecord("1", new float[] {1f}, ba));

        assertThat(other.value()).isEqualTo(one.value());
        ContentChecksum firstOnly = new ContentChecksum();
        firstOnly.add("t", first);
        ContentChecksum secondOnly = new ContentChecksum();
        secondOnly.add("t", second);
        assertThat(ContentChecksum.plus(firstOnly.value(), secondOnly.value())).isEqualTo(one.value());
    }

    @Test
    void should_tell_records_apart_by_tenant_value_metadata_type_and_timestamp() {
        VectorRecord base = new VectorRecord("id", new float[] {1f, 2f}, Map.of("n", 1L), Instant.EPOCH);
        List<String> checksums = List.of(
                checksum("t", base),
                checksum(null, base),
                checksum("u", base),
                checksum("t", new VectorRecord("id", new float[] {1f, 2.0000002f}, Map.of("n", 1L), Instant.EPOCH)),
                checksum("t", new VectorRecord("id", new float[] {1f, 2f}, Map.of("n", 1.0d), Instant.EPOCH)),
                checksum("t", new VectorRecord("id", new float[] {1f, 2f}, Map.of("n", 1L), null)),
                checksum("t", new VectorRecord("id", new float[] {1f, 2f}, Map.of("n", 1L), Instant.EPOCH.plusMillis(1))));
        assertThat(checksums).doesNotHaveDuplicates();
    }

    @Test
    void should_read_metadata_back_with_the_types_the_gateway_uses() {
        Map<String, Object> read = MetadataJson.read("{\"small\":1,\"big\":12345678901,\"huge\":123456789012345678901234567890,"
                + "\"real\":1.0,\"list\":[1,2.5,\"x\",null,{\"k\":[3]}]}");

        assertThat(read.get("small")).isEqualTo(1L);
        assertThat(read.get("big")).isEqualTo(12345678901L);
        assertThat(read.get("huge")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(read.get("real")).isEqualTo(1.0d);
        assertThat(read.get("list")).isEqualTo(java.util.Arrays.asList(1L, 2.5d, "x", null, Map.of("k", List.of(3L))));
        assertThat(read).isInstanceOf(LinkedHashMap.class);
        assertThat(read.keySet()).containsExactly("small", "big", "huge", "real", "list");
    }

    @Test
    void should_refuse_rather_than_round_a_timestamp_finer_than_a_microsecond() throws IOException {
        Archiver archiver = new Archiver(new LocalArchiveStore(dir.resolve("store")), ArchiveSettings.defaults().withWorkDir(dir.resolve("work")));
        try (ArchiveWriter writer = archiver.begin(ArchiveTestData.header("p", "acme"))) {
            VectorRecord nanos = new VectorRecord("n", new float[ArchiveTestData.DIMENSION], Map.of(), Instant.parse("2024-01-01T00:00:00.000000001Z"));
            assertThatThrownBy(() -> writer.write("acme", nanos)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("finer than a microsecond");
            writer.write("acme", new VectorRecord("m", new float[ArchiveTestData.DIMENSION], Map.of(), Instant.parse("2024-01-01T00:00:00.000001Z")));
            Manifest manifest = writer.finish();

            assertThat(manifest.records()).as("the refused record left the archive as it was").isEqualTo(1);
            assertThat(archiver.verify(manifest).problems()).isEmpty();
        }
    }

    @Test
    void should_refuse_metadata_that_is_not_json() throws IOException {
        Archiver archiver = new Archiver(new LocalArchiveStore(dir.resolve("store")), ArchiveSettings.defaults().withWorkDir(dir.resolve("work")));
        try (ArchiveWriter writer = archiver.begin(ArchiveTestData.header("p", "acme"))) {
            VectorRecord odd = new VectorRecord("n", new float[ArchiveTestData.DIMENSION], Map.of("when", new Object()));
            assertThatThrownBy(() -> writer.write("acme", odd)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not JSON");
            writer.write("acme", new VectorRecord("ok", new float[ArchiveTestData.DIMENSION], Map.of("when", "now")));

            assertThat(archiver.verify(writer.finish()).records()).isEqualTo(1);
        }
    }

    @Test
    void should_give_archive_ids_that_sort_by_creation_time() throws InterruptedException {
        String first = Archiver.newArchiveId();
        Thread.sleep(2);
        String second = Archiver.newArchiveId();

        assertThat(first).matches("\\d{8}T\\d{9}Z-[0-9a-f]{8}");
        assertThat(second).isGreaterThan(first);
    }

    private static String checksum(String tenant, VectorRecord record) {
        ContentChecksum checksum = new ContentChecksum();
        checksum.add(tenant, record);
        return checksum.value();
    }
}
