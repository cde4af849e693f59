package dev.partitiongateway.adapter.qdrant.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A payload key as Qdrant parses it ({@code lib/segment/src/json_path/parse.rs}): a first key, then
 * {@code .key}, {@code ."quoted key"}, {@code [n]} or {@code []}. Unquoted keys are letters, digits,
 * {@code _} and {@code -}; quoted keys may hold anything but {@code "} and {@code \}.
 *
 * <p>Reading a path ({@link #values}) follows Qdrant's {@code value_get}: a key step only enters
 * objects, so {@code a.b} does not look inside an array of objects (that needs {@code a[].b}), and
 * the value at the end of the path is returned as it is, arrays included.
 */
final class PayloadPath {

    private final List<Step> steps;
    private final String text;

    private sealed interface Step permits Key, Index, Wildcard {
    }

    private record Key(String name) implements Step {
    }

    private record Index(int index) implements Step {
    }

    private record Wildcard() implements Step {
    }

    private PayloadPath(List<Step> steps, String text) {
        this.steps = steps;
        this.text = text;
    }

    /** The parsed path, or an INVALID_ARGUMENT "Invalid json path" as Qdrant answers. */
    static PayloadPath parse(String text) {
        List<Step> steps = new ArrayList<>();
        int[] at = {0};
        String first = key(text, at);
        if (first == null) {
            throw QdrantStatus.invalidArgument("Invalid json path: '" + text + "'");
        }
        steps.add(new Key(first));
        while (at[0] < text.length()) {
            char c = text.charAt(at[0]);
            if (c == '.') {
                at[0]++;
                String next = key(text, at);
                if (next == null) {
                    throw QdrantStatus.invalidArgument("Invalid json path: '" + text + "'");
                }
                steps.add(new Key(next));
            } else if (text.startsWith("[]", at[0])) {
                at[0] += 2;
                steps.add(new Wildcard());
            } else if (c == '[') {
                int close = text.indexOf(']', at[0]);
                String digits = close < 0 ? "" : text.substring(at[0] + 1, close);
                if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
                    throw QdrantStatus.invalidArgument("Invalid json path: '" + text + "'");
                }
                steps.add(new Index(Integer.parseInt(digits)));
                at[0] = close + 1;
            } else {
                throw QdrantStatus.invalidArgument("Invalid json path: '" + text + "'");
            }
        }
        return new PayloadPath(List.copyOf(steps), text);
    }

    private static String key(String text, int[] at) {
        int start = at[0];
        if (start < text.length() && text.charAt(start) == '"') {
            int end = start + 1;
            while (end < text.length() && text.charAt(end) != '"' && text.charAt(end) != '\\') {
                end++;
            }
            if (end >= text.length() || text.charAt(end) != '"') {
                return null;
            }
            at[0] = end + 1;
            return text.substring(start + 1, end);
        }
        int end = start;
        while (end < text.length() && isRawKeyChar(text.codePointAt(end))) {
            end += Character.charCount(text.codePointAt(end));
        }
        if (end == start) {
            return null;
        }
        at[0] = end;
        return text.substring(start, end);
    }

    private static boolean isRawKeyChar(int codePoint) {
        return Character.isLetterOrDigit(codePoint) || codePoint == '_' || codePoint == '-';
    }

    /** Every value the path reaches in {@code payload}; empty when it reaches nothing. */
    List<JsonNode> values(ObjectNode payload) {
        List<JsonNode> found = new ArrayList<>();
        collect(payload.get(((Key) steps.get(0)).name()), 1, found);
        return found;
    }

    private void collect(JsonNode value, int step, List<JsonNode> found) {
        if (value == null) {
            return;
        }
        if (step == steps.size()) {
            found.add(value);
            return;
        }
        Step next = steps.get(step);
        if (next instanceof Key key && value.isObject()) {
            collect(value.get(key.name()), step + 1, found);
        } else if (next instanceof Index index && value.isArray()) {
            collect(value.get(index.index()), step + 1, found);
        } else if (next instanceof Wildcard && value.isArray()) {
            for (JsonNode element : value) {
                collect(element, step + 1, found);
            }
        }
    }

    /** Whether the two paths name the same node or one lies under the other (Qdrant's include rule). */
    boolean compatibleWith(PayloadPath other) {
        int shared = Math.min(steps.size(), other.steps.size());
        for (int i = 0; i < shared; i++) {
            if (!steps.get(i).equals(other.steps.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code this} is {@code prefix} or lies under it (Qdrant's exclude rule). */
    boolean isAtOrUnder(PayloadPath prefix) {
        return steps.size() >= prefix.steps.size() && compatibleWith(prefix);
    }

    /** A copy of {@code payload} keeping only the nodes {@code keep} accepts, as Qdrant's {@code value_filter}. */
    static ObjectNode filter(ObjectNode payload, Predicate<PayloadPath> keep) {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = payload.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            List<Step> path = new ArrayList<>(List.of(new Key(field.getKey())));
            if (keep.test(new PayloadPath(List.copyOf(path), field.getKey()))) {
                result.set(field.getKey(), filterValue(path, field.getValue(), keep));
            }
        }
        return result;
    }

    private static JsonNode filterValue(List<Step> path, JsonNode value, Predicate<PayloadPath> keep) {
        if (value.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                path.add(new Key(field.getKey()));
                if (keep.test(new PayloadPath(List.copyOf(path), field.getKey()))) {
                    copy.set(field.getKey(), filterValue(path, field.getValue(), keep));
                }
                path.remove(path.size() - 1);
            }
            return copy;
        }
        if (value.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            path.add(new Wildcard());
            for (JsonNode element : value) {
                if (keep.test(new PayloadPath(List.copyOf(path), "[]"))) {
                    copy.add(filterValue(path, element, keep));
                }
            }
            path.remove(path.size() - 1);
            return copy;
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PayloadPath other && steps.equals(other.steps);
    }

    @Override
    public int hashCode() {
        return Objects.hash(steps);
    }

    @Override
    public String toString() {
        return text;
    }
}
