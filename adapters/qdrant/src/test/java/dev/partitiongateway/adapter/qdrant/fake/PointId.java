package dev.partitiongateway.adapter.qdrant.fake;

import io.qdrant.client.grpc.Common;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A point id as Qdrant keeps it: an unsigned 64-bit number or a UUID, nothing else. Ids order as
 * Qdrant's {@code ExtendedPointId} derives it (every number before every UUID, numbers unsigned,
 * UUIDs by their 128 bits), which is the order scroll pages follow.
 */
record PointId(Long number, UUID uuid) implements Comparable<PointId> {

    private static final Pattern HEX32 = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern HYPHENATED = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** The id, or INVALID_ARGUMENT worded as Qdrant's conversion of a {@code PointId}. */
    static PointId of(Common.PointId id) {
        return switch (id.getPointIdOptionsCase()) {
            case NUM -> new PointId(id.getNum(), null);
            case UUID -> new PointId(null, parseUuid(id.getUuid()));
            case POINTIDOPTIONS_NOT_SET -> throw QdrantStatus.invalidArgument("No ID options provided");
        };
    }

    /** The spellings the Rust {@code uuid} crate parses: simple, hyphenated, braced and URN. */
    private static UUID parseUuid(String text) {
        String s = text;
        if (s.regionMatches(true, 0, "urn:uuid:", 0, 9)) {
            s = s.substring(9);
        } else if (s.startsWith("{") && s.endsWith("}")) {
            s = s.substring(1, s.length() - 1);
        }
        if (HEX32.matcher(s).matches()) {
            s = s.substring(0, 8) + "-" + s.substring(8, 12) + "-" + s.substring(12, 16) + "-" + s.substring(16, 20) + "-" + s.substring(20);
        }
        if (!HYPHENATED.matcher(s).matches()) {
            throw QdrantStatus.invalidArgument("Unable to parse UUID: " + text);
        }
        return UUID.fromString(s.toLowerCase(Locale.ROOT));
    }

    /** As Qdrant sends ids back: numbers as numbers, UUIDs lower-case and hyphenated. */
    Common.PointId toProto() {
        return number != null
                ? Common.PointId.newBuilder().setNum(number).build()
                : Common.PointId.newBuilder().setUuid(uuid.toString()).build();
    }

    @Override
    public int compareTo(PointId other) {
        if (number != null && other.number != null) {
            return Long.compareUnsigned(number, other.number);
        }
        if (number != null || other.number != null) {
            return number != null ? -1 : 1;
        }
        int high = Long.compareUnsigned(uuid.getMostSignificantBits(), other.uuid.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(uuid.getLeastSignificantBits(), other.uuid.getLeastSignificantBits());
    }

    @Override
    public String toString() {
        return number != null ? Long.toUnsignedString(number) : uuid.toString();
    }
}
