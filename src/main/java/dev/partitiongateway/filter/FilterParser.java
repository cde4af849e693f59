package dev.partitiongateway.filter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import dev.partitiongateway.validation.Text;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parses the portable Mongo-style JSON filter into a {@link Filter} tree, once, at the edge.
 * Anything it does not understand is an {@link InvalidFilterException}: an operator is never ignored.
 *
 * <pre>{"genre": "news", "year": {"$gte": 2020}, "$or": [{"lang": {"$in": ["en", "de"]}}, {"draft": {"$exists": false}}]}</pre>
 */
public final class FilterParser {

    public static final int MAX_DEPTH = 16;
    public static final int MAX_NODES = 1024;
    private static final Pattern FIELD = Pattern.compile("[A-Za-z0-9_\\-]{1,64}(\\.[A-Za-z0-9_\\-]{1,64}){0,7}");
    private static final Map<String, FilterOperator> BY_TOKEN = Arrays.stream(FilterOperator.values())
            .collect(Collectors.toMap(FilterOperator::token, Function.identity()));

    private int nodes;

    private FilterParser() {
    }

    /** The filter tree, or {@code null} for an absent, JSON-null or empty filter (no restriction). */
    public static Filter parse(JsonNode json) {
        if (json == null || json.isNull() || json.isMissingNode() || (json.isObject() && json.isEmpty())) {
            return null;
        }
        return new FilterParser().object(json, "filter", 0);
    }

    private Filter object(JsonNode node, String path, int depth) {
        if (!node.isObject() || node.isEmpty()) {
            throw invalid(path, "must be a non-empty JSON object");
        }
        if (depth > MAX_DEPTH) {
            throw invalid(path, "is nested deeper than " + MAX_DEPTH + " levels");
        }
        List<Filter> clauses = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String at = path + "." + key;
            count(at);
            if (key.startsWith("$")) {
                clauses.add(logical(key, e.getValue(), at, depth));
            } else {
                clauses.add(field(key, e.getValue(), at, depth));
            }
        }
        return clauses.size() == 1 ? clauses.get(0) : new Filter.And(clauses);
    }

    private Filter logical(String key, JsonNode value, String path, int depth) {
        FilterOperator op = BY_TOKEN.get(key);
        if (op == FilterOperator.AND || op == FilterOperator.OR) {
            if (!value.isArray() || value.isEmpty()) {
                throw invalid(path, "takes a non-empty array of filters");
            }
            List<Filter> operands = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                operands.add(object(value.get(i), path + "[" + i + "]", depth + 1));
            }
            return op == FilterOperator.AND ? new Filter.And(operands) : new Filter.Or(operands);
        }
        if (op == FilterOperator.NOT) {
            return new Filter.Not(object(value, path, depth + 1));
        }
        throw invalid(path, op == null ? "is not a known operator" : "is a field operator; use {\"<field>\": {\"" + key + "\": ...}}");
    }

    private Filter field(String field, JsonNode value, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw invalid(path, "is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (!FIELD.matcher(field).matches()) {
            throw invalid(path, "is not a valid field path (letters, digits, '_', '-', dotted, at most 8 levels)");
        }
        if (!value.isObject()) {
            return new Filter.Compare(field, FilterOperator.EQ, scalar(value, path));
        }
        if (value.isEmpty()) {
            throw invalid(path, "must hold at least one operator");
        }
        List<Filter> clauses = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = path + "." + e.getKey();
            count(at);
            clauses.add(operator(field, e.getKey(), e.getValue(), at, depth));
        }
        return clauses.size() == 1 ? clauses.get(0) : new Filter.And(clauses);
    }

    private Filter operator(String field, String token, JsonNode operand, String path, int depth) {
        FilterOperator op = BY_TOKEN.get(token);
        if (op == null) {
            throw invalid(path, "is not a known operator");
        }
        switch (op) {
            case EQ:
            case NE:
                return new Filter.Compare(field, op, scalar(operand, path));
            case GT:
            case GTE:
            case LT:
            case LTE:
                if (!operand.isNumber()) {
                    throw invalid(path, "takes a number");
                }
                return new Filter.Compare(field, op, finite(operand, path));
            case IN:
            case NIN:
                if (!operand.isArray() || operand.isEmpty()) {
                    throw invalid(path, "takes a non-empty array of strings, numbers or booleans");
                }
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < operand.size(); i++) {
                    values.add(scalar(operand.get(i), path + "[" + i + "]"));
                }
                return new Filter.In(field, values, op == FilterOperator.NIN);
            case EXISTS:
                if (!operand.isBoolean()) {
                    throw invalid(path, "takes true or false");
                }
                return new Filter.Exists(field, operand.booleanValue());
            case NOT:
                if (!operand.isObject() || operand.isEmpty()) {
                    throw invalid(path, "takes an object of operators");
                }
                return new Filter.Not(field(field, operand, path, depth + 1));
            default:
                throw invalid(path, "is a logical operator; use it at the top of a filter object");
        }
    }

    private static Object scalar(JsonNode node, String path) {
        if (node.isTextual()) {
            Text.freeTextProblem(node.textValue()).ifPresent(problem -> {
                throw invalid(path, problem);
            });
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return finite(node, path);
        }
        throw invalid(path, "must be a string, a number or a boolean");
    }

    private static Double finite(JsonNode node, String path) {
        double d = node.doubleValue();
        if (!Double.isFinite(d)) {
            throw invalid(path, "must be a finite number");
        }
        return d;
    }

    private void count(String path) {
        if (++nodes > MAX_NODES) {
            throw invalid(path, "makes the filter larger than " + MAX_NODES + " clauses");
        }
    }

    private static InvalidFilterException invalid(String path, String problem) {
        return new InvalidFilterException(path + " " + problem);
    }
}
