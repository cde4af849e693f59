package dev.partitiongateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of gateway keys: {@code pgw_<12-char prefix>_<43-char secret>}. The prefix is public
 * and finds the stored row; the 256-bit random secret makes a fast hash (SHA-256) sufficient, as
 * for other high-entropy tokens; a slow password hash would only cost latency on every request.
 */
public final class KeyMaterial {

    private static final Pattern FORMAT = Pattern.compile("pgw_([a-z0-9]{12})_([A-Za-z0-9_-]{43})");
    private static final String PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyMaterial() {
    }

    /** A new key as given to its owner once: the full secret text and its lookup prefix. */
    public record Generated(String key, String prefix) {
        @Override
        public String toString() {
            return "Generated[prefix=" + prefix + "]"; // never the key itself
        }
    }

    public static Generated generate() {
        StringBuilder prefix = new StringBuilder(12);
        for (int i = 0; i < 12; i++) {
            prefix.append(PREFIX_ALPHABET.charAt(RANDOM.nextInt(PREFIX_ALPHABET.length())));
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String key = "pgw_" + prefix + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Generated(key, prefix.toString());
    }

    /** The prefix of a well-formed key, or empty for anything else. */
    public static Optional<String> prefixOf(String key) {
        Matcher m = FORMAT.matcher(key);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of two hashes. */
    public static boolean sameHash(byte[] expectedHash, byte[] presentedHash) {
        return MessageDigest.isEqual(expectedHash, presentedHash);
    }
}
