package dev.partitiongateway.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.partitiongateway.problem.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the maintenance pass does to a collection's partitions on its own: split those over
 * {@code splitAboveVectors} into {@code splitInto}, archive those neither queried nor written for
 * {@code archiveAfterIdleDays}, delete archives older than {@code deleteArchivesAfterDays}, and
 * whether touching an archived partition restores it ({@code restoreOnAccess}). {@code null}: never.
 */
public record LifecyclePolicy(Long splitAboveVectors, Integer splitInto, Integer archiveAfterIdleDays, Integer deleteArchivesAfterDays,
                              boolean restoreOnAccess) {

    public static final LifecyclePolicy NONE = new LifecyclePolicy(null, null, null, null, false);
    public static final int DEFAULT_SPLIT_INTO = 2;
    public static final int MAX_SPLIT_INTO = 16;
    private static final Set<String> FIELDS = Set.of("splitAboveVectors", "splitInto", "archiveAfterIdleDays", "deleteArchivesAfterDays",
            "restoreOnAccess");

    /** How many parts an automatic split makes. */
    public int splitIntoOrDefault() {
        return splitInto == null ? DEFAULT_SPLIT_INTO : splitInto;
    }

    /** As stored and shown: only the fields that are set. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        if (splitAboveVectors != null) {
            json.put("splitAboveVectors", splitAboveVectors);
        }
        if (splitInto != null) {
            json.put("splitInto", splitInto);
        }
        if (archiveAfterIdleDays != null) {
            json.put("archiveAfterIdleDays", archiveAfterIdleDays);
        }
        if (deleteArchivesAfterDays != null) {
            json.put("deleteArchivesAfterDays", deleteArchivesAfterDays);
        }
        json.put("restoreOnAccess", restoreOnAccess);
        return json;
    }

    /** The stored policy ({@code null} or empty: none). */
    public static LifecyclePolicy fromStored(Map<String, Object> stored) {
        if (stored == null || stored.isEmpty()) {
            return NONE;
        }
        return new LifecyclePolicy(stored.get("splitAboveVectors") == null ? null : ((Number) stored.get("splitAboveVectors")).longValue(),
                stored.get("splitInto") == null ? null : ((Number) stored.get("splitInto")).intValue(),
                stored.get("archiveAfterIdleDays") == null ? null : ((Number) stored.get("archiveAfterIdleDays")).intValue(),
                stored.get("deleteArchivesAfterDays") == null ? null : ((Number) stored.get("deleteArchivesAfterDays")).intValue(),
                Boolean.TRUE.equals(stored.get("restoreOnAccess")));
    }

    /**
     * This policy with the fields of a PATCH applied: a field given replaces it ({@code null} turns it
     * off), a field absent keeps it. A 400 naming the field for anything else.
     */
    public LifecyclePolicy patch(JsonNode change) {
        if (change == null || !change.isObject()) {
            throw ApiException.invalid("lifecycle", "must be an object such as {\"splitAboveVectors\":1000000,\"archiveAfterIdleDays\":30}");
        }
        change.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw ApiException.invalid("lifecycle." + f, "is not a lifecycle setting; known: " + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        });
        Long split = change.has("splitAboveVectors") ? longIn(change, "splitAboveVectors", 1, 1_000_000_000_000L) : splitAboveVectors;
        Integer into = change.has("splitInto") ? intIn(change, "splitInto", 2, MAX_SPLIT_INTO) : splitInto;
        Integer idle = change.has("archiveAfterIdleDays") ? intIn(change, "archiveAfterIdleDays", 1, 36_500) : archiveAfterIdleDays;
        Integer delete = change.has("deleteArchivesAfterDays") ? intIn(change, "deleteArchivesAfterDays", 1, 36_500) : deleteArchivesAfterDays;
        boolean restore = restoreOnAccess;
        if (change.has("restoreOnAccess")) {
            JsonNode value = change.get("restoreOnAccess");
            if (!value.isBoolean()) {
                throw ApiException.invalid("lifecycle.restoreOnAccess", "must be true or false");
            }
            restore = value.booleanValue();
        }
        return new LifecyclePolicy(split, into, idle, delete, restore);
    }

    private static Long longIn(JsonNode change, String field, long min, long max) {
        JsonNode value = change.get(field);
        if (value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw ApiException.invalid("lifecycle." + field, "must be a whole number from " + min + " to " + max + ", or null for never");
        }
        return value.longValue();
    }

    private static Integer intIn(JsonNode change, String field, int min, int max) {
        Long value = longIn(change, field, min, max);
        return value == null ? null : value.intValue();
    }
}
