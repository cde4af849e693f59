package dev.partitiongateway.adapter.milvus;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.partitiongateway.spi.BackendException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The second JSON field of a record, built from its metadata so that every filter the gateway offers
 * is exact on Milvus whatever its version. The metadata itself is stored unchanged for reads;
 * filters only ever look here.
 *
 * <p>Layout, keyed by the dotted path of each metadata entry (so {@code author.name} is one key):
 * <pre>
 * "s":   {path: [strings]}       every string at the path, or in the array at the path
 * "n":   {path: [numbers]}       the same for numbers, all as doubles
 * "b":   {path: [booleans]}      the same for booleans
 * "max": {path: number}          the largest number at the path (the number itself for a scalar)
 * "min": {path: number}          the smallest
 * "p":   [paths]                 every path present, objects included
 * </pre>
 *
 * <p>Why: a filter on {@code metadata["k"]} directly depends on how Milvus treats missing keys, type
 * mismatches and arrays, which changed in 2.6 (PR #50702: they became UNKNOWN, and {@code not UNKNOWN}
 * stays UNKNOWN). Here a typed bucket key exists exactly when the record holds a value of that type
 * at the path, as a non-empty array, so every predicate the mapper writes is guarded by
 * {@code exists} on a key whose value it can read: it is always TRUE or FALSE, and negations are
 * exact. The buckets make equality type-strict and match arrays by element; max/min make a range
 * match when any element is in range.
 */
final class FilterableMetadata {

    static final String STRINGS = "s";
    static final String NUMBERS = "n";
    static final String BOOLEANS = "b";
    static final String MAX = "max";
    static final String MIN = "min";
    static final String PATHS = "p";

    /** The core's metadata key rule; other keys cannot be named by a filter, so they are not indexed. */
    static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");

    private FilterableMetadata() {
    }

    static JsonObject of(Map<String, Object> metadata) {
        Map<String, List<Object>> strings = new LinkedHashMap<>();
        Map<String, List<Object>> numbers = new LinkedHashMap<>();
        Map<String, List<Object>> booleans = new LinkedHashMap<>();
        Set<String> paths = new LinkedHashSet<>();
        walk("", metadata, strings, numbers, booleans, paths);

        JsonObject index = new JsonObject();
        index.add(STRINGS, lists(strings));
        index.add(NUMBERS, lists(numbers));
        index.add(BOOLEANS, lists(booleans));
        JsonObject max = new JsonObject();
        JsonObject min = new JsonObject();
        numbers.forEach((path, values) -> {
            max.addProperty(path, values.stream().mapToDouble(v -> (Double) v).max().orElseThrow());
            min.addProperty(path, values.stream().mapToDouble(v -> (Double) v).min().orElseThrow());
        });
        index.add(MAX, max);
        index.add(MIN, min);
        JsonArray present = new JsonArray();
        paths.forEach(present::add);
        index.add(PATHS, present);
        return index;
    }

    private static void walk(String prefix, Map<?, ?> object, Map<String, List<Object>> strings, Map<String, List<Object>> numbers,
                             Map<String, List<Object>> booleans, Set<String> paths) {
        for (Map.Entry<?, ?> entry : object.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (!SEGMENT.matcher(key).matches()) {
                continue;
            }
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            paths.add(path);
            Object value = entry.getValue();
            if (value instanceof Map<?, ?> nested) {
                walk(path, nested, strings, numbers, booleans, paths);
            } else if (value instanceof List<?> array) {
                // Objects and arrays inside arrays are kept in the metadata but cannot be named by a filter.
                array.forEach(element -> scalar(path, element, strings, numbers, booleans));
            } else {
                scalar(path, value, strings, numbers, booleans);
            }
        }
    }

    private static void scalar(String path, Object value, Map<String, List<Object>> strings, Map<String, List<Object>> numbers,
                               Map<String, List<Object>> booleans) {
        if (value instanceof String s) {
            strings.computeIfAbsent(path, p -> new ArrayList<>()).add(s);
        } else if (value instanceof Boolean b) {
            booleans.computeIfAbsent(path, p -> new ArrayList<>()).add(b);
        } else if (value instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new BackendException.Rejected("metadata " + path + " is not a finite number: " + n);
            }
            // Folds -0.0 into 0.0, which Milvus would compare equal anyway, so that max/min stay plain.
            numbers.computeIfAbsent(path, p -> new ArrayList<>()).add(d + 0.0);
        }
    }

    private static JsonObject lists(Map<String, List<Object>> byPath) {
        JsonObject out = new JsonObject();
        byPath.forEach((path, values) -> {
            JsonArray array = new JsonArray();
            for (Object value : values) {
                if (value instanceof String s) {
                    array.add(s);
                } else if (value instanceof Boolean b) {
                    array.add(b);
                } else {
                    array.add((Double) value);
                }
            }
            out.add(path, array);
        });
        return out;
    }
}
