package dev.partitiongateway.api;

import dev.partitiongateway.problem.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Paging for every list: a {@code limit} and an opaque {@code cursor}, the position after which the
 * next page starts. Clients pass back the {@code next} of the previous page and never read it; each
 * listing's cursors carry their own kind, so a cursor from one listing is refused by another.
 */
final class Cursors {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private static final String AFTER_ID = "after:";
    /** Kinds of name cursors: a tenants cursor is refused by a collections listing and the other way round. */
    static final String TENANTS = "tenant:";
    static final String COLLECTIONS = "collection:";
    private static final String AFTER_KEY = "key:";
    private static final String BELOW_JOB = "job:";
    private static final String SORTED = "sorted:";
    /** Kinds of id cursors. */
    static final String HOT = "hot:";
    static final String AUDIT = "audit:";
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,9}");

    private Cursors() {
    }

    /**
     * The page size a client asked for: {@link #DEFAULT_LIMIT} when absent, else a whole number in
     * 1..{@link #MAX_LIMIT}. Taken as text so that {@code limit=abc} is a 400 naming the field, not a 404.
     */
    static int limit(String limit) {
        if (limit == null || limit.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        if (DIGITS.matcher(limit).matches()) {
            int size = Integer.parseInt(limit);
            if (size >= 1 && size <= MAX_LIMIT) {
                return size;
            }
        }
        throw ApiException.invalid("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** A cursor after a partition id in one collection's partitions listing. */
    static String encode(String collection, long lastId) {
        return wrap(AFTER_ID + collection + ":" + lastId);
    }

    /** The position a cursor names; {@code 0} (the start) when there is none; a 400 for one of another listing. */
    static long decode(String collection, String cursor, String field) {
        String text = unwrap(cursor, AFTER_ID + collection + ":", field);
        if (text == null) {
            return 0;
        }
        try {
            long position = Long.parseLong(text);
            if (position >= 0) {
                return position;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw refused(field);
    }

    /** A cursor below a job id in the jobs listing (newest first). */
    static String encodeJob(long lastId) {
        return wrap(BELOW_JOB + lastId);
    }

    /** The job id a cursor from {@link #encodeJob} holds; {@code null} (the newest) when there is none. */
    static Long decodeJob(String cursor, String field) {
        String text = unwrap(cursor, BELOW_JOB, field);
        if (text == null) {
            return null;
        }
        if (text.length() <= 18 && text.chars().allMatch(Character::isDigit) && !text.isEmpty()) {
            return Long.parseLong(text);
        }
        throw refused(field);
    }

    /** A cursor after a name (tenant id, collection name) in a listing of that {@code kind} ordered by name. */
    static String encodeName(String kind, String lastName) {
        return wrap(kind + lastName);
    }

    /** The name a cursor from {@link #encodeName} holds; {@code null} (the start) when there is none. */
    static String decodeName(String kind, String cursor, Pattern names, String field) {
        String name = unwrap(cursor, kind, field);
        if (name == null) {
            return null;
        }
        if (!names.matcher(name).matches()) {
            throw refused(field);
        }
        return name;
    }

    /**
     * A position in one collection's partitions listing sorted by something other than id ascending:
     * the sort, its direction, and the (sort key, id) of the last partition shown. A cursor of another
     * collection, sort or direction is refused.
     */
    record SortedPosition(double key, long id) {
    }

    static String encodeSorted(String collection, String sort, boolean descending, double key, long lastId) {
        return wrap(SORTED + collection + ":" + sort + ":" + (descending ? "desc" : "asc") + ":" + key + ":" + lastId);
    }

    static SortedPosition decodeSorted(String collection, String sort, boolean descending, String cursor, String field) {
        String text = unwrap(cursor, SORTED + collection + ":" + sort + ":" + (descending ? "desc" : "asc") + ":", field);
        if (text == null) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        try {
            if (colon > 0) {
                double key = Double.parseDouble(text.substring(0, colon));
                long id = Long.parseLong(text.substring(colon + 1));
                if (Double.isFinite(key) && id >= 0) {
                    return new SortedPosition(key, id);
                }
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw refused(field);
    }

    /** A cursor after an id in a listing of that {@code kind} (hot partitions by id, audit entries newest first). */
    static String encodeId(String kind, long lastId) {
        return wrap(kind + lastId);
    }

    /** The id a cursor from {@link #encodeId} holds; {@code null} (the start) when there is none. */
    static Long decodeId(String kind, String cursor, String field) {
        String text = unwrap(cursor, kind, field);
        if (text == null) {
            return null;
        }
        if (text.matches("[0-9]{1,18}")) {
            return Long.parseLong(text);
        }
        throw refused(field);
    }

    /** A position in a listing ordered by creation time, then id. */
    record After(Instant createdAt, UUID id) {
    }

    static String encode(After after) {
        return wrap(AFTER_KEY + after.createdAt().getEpochSecond() + "." + after.createdAt().getNano() + "." + after.id());
    }

    static After decodeAfter(String cursor, String field) {
        String text = unwrap(cursor, AFTER_KEY, field);
        if (text == null) {
            return null;
        }
        String[] parts = text.split("\\.", 3);
        try {
            if (parts.length == 3) {
                long seconds = Long.parseLong(parts[0]);
                int nanos = Integer.parseInt(parts[1]);
                // Years 1970..9999: beyond them PostgreSQL could not compare the instant.
                if (seconds >= 0 && seconds <= 253_402_300_799L && nanos >= 0 && nanos < 1_000_000_000) {
                    return new After(Instant.ofEpochSecond(seconds, nanos), UUID.fromString(parts[2]));
                }
            }
        } catch (RuntimeException e) {
            // refused below
        }
        throw refused(field);
    }

    private static String wrap(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    /** The position after the kind's prefix; {@code null} for no cursor. */
    private static String unwrap(String cursor, String kind, String field) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        if (cursor.length() <= 400) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                if (text.startsWith(kind)) {
                    return text.substring(kind.length());
                }
            } catch (IllegalArgumentException e) {
                // refused below
            }
        }
        throw refused(field);
    }

    private static ApiException refused(String field) {
        return ApiException.invalid(field, "is not a cursor from a previous page's 'next' of this listing");
    }
}
