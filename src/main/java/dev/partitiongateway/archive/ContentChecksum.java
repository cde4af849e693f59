package dev.partitiongateway.archive;

import dev.partitiongateway.spi.VectorRecord;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A checksum over a set of records that does not depend on their order: the sum, modulo 2^256, of
 * the SHA-256 of each record's canonical encoding. A restore that scans the records back from
 * another backend, in another order, computes the same value, and so does any tool that follows
 * docs/archive-format.md. Unlike an XOR, a sum also catches a record that appears twice.
 *
 * <p>Canonical encoding of one record, every length and count a big-endian int32, strings UTF-8:
 * tenant (length, or -1 when null, then bytes), id (length, bytes), values (count, then each float's
 * IEEE 754 bits as int32, NaNs collapsed to 0x7fc00000), metadata as JSON with the keys of every
 * object sorted (length, bytes), timestamp (int8 0 when null, else 1, int64 epoch second, int32 nanos).
 *
 * <p>Not thread-safe. Sums combine: the checksum of a union of files is the {@link #plus} of theirs.
 */
public final class ContentChecksum {

    private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(256);

    private final MessageDigest sha256 = newSha256();
    private ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * 1024);
    private BigInteger sum = BigInteger.ZERO;
    private long records;

    public void add(String tenant, VectorRecord record) {
        sum = sum.add(new BigInteger(1, digest(tenant, record)));
        if (sum.bitLength() > 256) {
            sum = sum.mod(MODULUS);
        }
        records++;
    }

    public void add(ArchivedRecord archived) {
        add(archived.tenant(), archived.record());
    }

    /** Records added so far. */
    public long records() {
        return records;
    }

    /** The checksum as 64 lower-case hex digits. */
    public String value() {
        return hex(sum);
    }

    /** The checksum of both sets of records, from the checksums of each. */
    public static String plus(String a, String b) {
        return hex(new BigInteger(a, 16).add(new BigInteger(b, 16)));
    }

    /** The checksum of no records. */
    public static String empty() {
        return hex(BigInteger.ZERO);
    }

    private static String hex(BigInteger value) {
        String digits = value.mod(MODULUS).toString(16);
        return "0".repeat(64 - digits.length()) + digits;
    }

    private byte[] digest(String tenant, VectorRecord record) {
        sha256.reset();
        putString(tenant);
        putString(record.id());
        float[] values = record.values();
        if (values == null) {
            throw new IllegalArgumentException("record " + record.id() + " has no values");
        }
        if (buffer.capacity() < 4 + 4 * values.length) {
            buffer = ByteBuffer.allocate(4 + 4 * values.length);
        }
        buffer.clear();
        buffer.putInt(values.length);
        // A bulk copy of the raw bits (big-endian, like every number here), then NaNs made canonical.
        buffer.asFloatBuffer().put(values);
        for (int i = 0; i < values.length; i++) {
            if (Float.isNaN(values[i])) {
                buffer.putInt(4 + 4 * i, Float.floatToIntBits(values[i]));
            }
        }
        sha256.update(buffer.array(), 0, 4 + 4 * values.length);
        putString(MetadataJson.canonical(record.metadata()));
        Instant timestamp = record.timestamp();
        if (timestamp == null) {
            sha256.update((byte) 0);
        } else {
            sha256.update((byte) 1);
            sha256.update(ByteBuffer.allocate(12).putLong(timestamp.getEpochSecond()).putInt(timestamp.getNano()).array());
        }
        return sha256.digest();
    }

    private void putString(String value) {
        if (value == null) {
            sha256.update(ByteBuffer.allocate(4).putInt(-1).array());
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        sha256.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        sha256.update(bytes);
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
