package dev.partitiongateway.validation;

import java.util.Optional;

/**
 * Rules for text that clients send. A lone UTF-16 surrogate (what {@code "\ud800"} in JSON decodes
 * to) cannot be encoded as UTF-8: PostgreSQL and most backends silently turn it into {@code ?}, so
 * {@code "sur\ud800"} and {@code "sur?"} would become the same id. Control characters break logs,
 * paths and PostgreSQL ({@code NUL} is refused by it). Such text is refused, never repaired.
 */
public final class Text {

    private Text() {
    }

    /** What is wrong with an identifier or a name (lone surrogates, any control character), or empty. */
    public static Optional<String> identifierProblem(String text) {
        return problem(text, true);
    }

    /** What is wrong with free text such as a metadata value (lone surrogates, NUL), or empty. Tabs and newlines are fine. */
    public static Optional<String> freeTextProblem(String text) {
        return problem(text, false);
    }

    private static Optional<String> problem(String text, boolean noControls) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return Optional.of("contains a lone UTF-16 surrogate at position " + i + " (not valid Unicode)");
            }
            if (Character.isLowSurrogate(c)) {
                return Optional.of("contains a lone UTF-16 surrogate at position " + i + " (not valid Unicode)");
            }
            if (c == '\u0000') {
                return Optional.of("contains a NUL character at position " + i);
            }
            if (noControls && Character.getType(c) == Character.CONTROL) {
                return Optional.of(String.format("contains the control character U+%04X at position %d", (int) c, i));
            }
        }
        return Optional.empty();
    }
}
