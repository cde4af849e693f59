package dev.partitiongateway.api;

import dev.partitiongateway.problem.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque paging cursors: the position after which the next page starts, not meant to be read by clients. */
final class Cursors {

    private static final String PREFIX = "after:";

    private Cursors() {
    }

    static String encode(long lastId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((PREFIX + lastId).getBytes(StandardCharsets.UTF_8));
    }

    /** The position a cursor names; {@code 0} (the start) when there is none; a 400 for one this gateway did not make. */
    static long decode(String cursor, String field) {
        if (cursor == null || cursor.isEmpty()) {
            return 0;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith(PREFIX)) {
                long position = Long.parseLong(text.substring(PREFIX.length()));
                if (position >= 0) {
                    return position;
                }
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw ApiException.invalid(field, "is not a cursor from a previous page's 'next'");
    }
}
