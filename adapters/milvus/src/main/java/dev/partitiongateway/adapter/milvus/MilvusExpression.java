package dev.partitiongateway.adapter.milvus;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Milvus boolean expression and the values of its {@code {name}} placeholders. Every value that
 * came from a request travels in {@link #values()} (the SDK's {@code filterTemplateValues}), so the
 * text holds only field names the adapter chose or validated, operators and placeholders.
 */
public record MilvusExpression(String text, Map<String, Object> values) {

    public MilvusExpression {
        values = Map.copyOf(values);
    }

    /** Builds an expression with generated placeholder names ({@code v0}, {@code v1}, ...). */
    static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        /** A placeholder for {@code value}: a String, Double, Long, Boolean, or a homogeneous List of those. */
        String bind(Object value) {
            String name = "v" + values.size();
            values.put(name, value);
            return "{" + name + "}";
        }

        MilvusExpression build(String text) {
            return new MilvusExpression(text, values);
        }
    }
}
