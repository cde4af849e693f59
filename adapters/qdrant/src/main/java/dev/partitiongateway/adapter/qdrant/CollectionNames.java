package dev.partitiongateway.adapter.qdrant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Qdrant collection names of the gateway's collections and placements.
 *
 * <p>A gateway collection {@code c} is the Qdrant collection {@code <prefix>c}; a dedicated placement
 * {@code p} of it in collection mode is {@code <prefix>c-p}. Gateway names are lower-case letters,
 * digits and '_' only, so the '-' makes the two kinds unambiguous and lets a collection find all of its
 * placements by prefix. Qdrant allows 255 characters; a longer name keeps the start of the placement
 * and ends with a digest of it, which has a second '-' and so cannot equal an unshortened name.
 */
final class CollectionNames {

    static final int MAX_LENGTH = 255;
    private static final int DIGEST_CHARS = 16;

    private final String prefix;

    CollectionNames(String prefix) {
        this.prefix = prefix;
    }

    String base(String collection) {
        return prefix + collection;
    }

    String dedicated(String collection, String placement) {
        String name = base(collection) + "-" + placement;
        if (name.length() <= MAX_LENGTH) {
            return name;
        }
        String digest = sha256Hex(placement).substring(0, DIGEST_CHARS);
        int keep = MAX_LENGTH - base(collection).length() - 2 - DIGEST_CHARS;
        return base(collection) + "-" + placement.substring(0, keep) + "-" + digest;
    }

    /** Whether {@code qdrantName} is a placement collection of {@code collection}. */
    boolean isPlacementOf(String qdrantName, String collection) {
        return qdrantName.startsWith(base(collection) + "-");
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
