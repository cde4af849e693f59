package dev.partitiongateway.adapter.pinecone;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The Pinecone record id of a gateway record: the tenant's key, then the external id.
 *
 * <p>Both layouts scope ids by tenant. In a shared bucket that keeps tenants apart; in a dedicated
 * namespace it means a call that names another tenant (which must never change the owner's records)
 * writes beside the owner's record instead of over it. It also gives every tenant a contiguous id
 * range, so that {@code list} with a prefix walks exactly one tenant's records.
 *
 * <p>Forms, unambiguous because the tenant key never contains {@code /} or {@code #}:
 * <ul>
 *   <li>{@code <tenantKey>/<id>} when that fits Pinecone's 512-byte limit (UTF-8);</li>
 *   <li>{@code <tenantKey>#<base64url(sha256(id))>} otherwise (the gateway allows 512-character ids,
 *       up to 2 KB of UTF-8). The external id is then read back from the record's metadata.</li>
 * </ul>
 * The tenant key is the tenant with {@code % / # ~} percent-escaped, or {@code ~<base64url(sha256(tenant))>}
 * for a tenant longer than 128 bytes (gateway tenants have at most 64 ASCII characters).
 */
final class StoredIds {

    static final int MAX_STORED_ID_BYTES = 512;
    private static final int MAX_PLAIN_TENANT_BYTES = 128;

    private StoredIds() {
    }

    static String storedId(String tenant, String id) {
        String key = tenantKey(tenant);
        String plain = key + "/" + id;
        if (utf8Length(plain) <= MAX_STORED_ID_BYTES) {
            return plain;
        }
        return key + "#" + sha256(id);
    }

    /** Every plain stored id of the tenant starts with this. */
    static String plainPrefix(String tenant) {
        return tenantKey(tenant) + "/";
    }

    /** Every hashed stored id of the tenant starts with this. */
    static String hashedPrefix(String tenant) {
        return tenantKey(tenant) + "#";
    }

    /** The external id encoded in a plain stored id of the tenant, or {@code null} for a hashed one (or another tenant's). */
    static String externalId(String tenant, String storedId) {
        String prefix = plainPrefix(tenant);
        return storedId.startsWith(prefix) ? storedId.substring(prefix.length()) : null;
    }

    /** Whether the stored id belongs to the tenant's id range (either form). */
    static boolean belongsTo(String tenant, String storedId) {
        return storedId.startsWith(plainPrefix(tenant)) || storedId.startsWith(hashedPrefix(tenant));
    }

    static String tenantKey(String tenant) {
        StringBuilder escaped = new StringBuilder(tenant.length());
        for (int i = 0; i < tenant.length(); i++) {
            char c = tenant.charAt(i);
            switch (c) {
                case '%' -> escaped.append("%25");
                case '/' -> escaped.append("%2F");
                case '#' -> escaped.append("%23");
                case '~' -> escaped.append("%7E");
                default -> escaped.append(c);
            }
        }
        String key = escaped.toString();
        return utf8Length(key) <= MAX_PLAIN_TENANT_BYTES ? key : "~" + sha256(tenant);
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String sha256(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
