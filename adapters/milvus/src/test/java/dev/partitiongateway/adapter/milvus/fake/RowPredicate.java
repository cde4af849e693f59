package dev.partitiongateway.adapter.milvus.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.ArrayLiteral;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Binary;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Call;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Exists;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.FieldRef;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.IsNull;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Literal;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Node;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Range;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Template;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Term;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Unary;
import io.milvus.grpc.DataType;
import io.milvus.grpc.TemplateArrayValue;
import io.milvus.grpc.TemplateValue;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A Milvus filter bound to a schema and to its template values, evaluated row by row the way the
 * query node's brute-force path does (see {@code internal/core/src/exec/expression/UnaryExpr.cpp},
 * {@code TermExpr.cpp}, {@code JsonContainsExpr.cpp}, {@code ExistsExpr.cpp} and
 * {@code JsonNumberComparison.h}):
 * <ul>
 *   <li>JSON numbers compare by exact numeric value: an integer constant matches {@code 1} and
 *       {@code 1.0}; a string never equals a number and a boolean never equals a string;</li>
 *   <li>comparisons on a JSON path see one scalar: an array at the path is a type mismatch for
 *       {@code ==}, {@code <} and {@code in} (element matching is {@code json_contains*});</li>
 *   <li>{@code exists} is false for a missing key, JSON null and (recursively) empty objects and arrays;</li>
 *   <li>what a missing key or a type mismatch yields depends on {@link MissingKeySemantics}.</li>
 * </ul>
 */
public abstract class RowPredicate {

    /** The fields of one row: String, Long, Double, Boolean, float[] or a Jackson JsonNode (JSON fields). */
    public interface Row {
        Object get(String field);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public abstract Truth test(Row row, MissingKeySemantics semantics);

    /** Whether the row is selected: only TRUE selects, UNKNOWN rejects like FALSE. */
    public final boolean matches(Row row, MissingKeySemantics semantics) {
        return test(row, semantics) == Truth.TRUE;
    }

    /** Parses and binds {@code expression}; every refusal is a {@link MilvusStatusException} with code 1100. */
    public static RowPredicate compile(String expression, Function<String, DataType> schema, Map<String, TemplateValue> templates) {
        Node node = ExpressionParser.parse(expression);
        return new Compiler(expression, schema, templates).predicate(node);
    }

    /** The primary keys a {@code pk in [...]} or {@code pk == x} expression names, or null if it is anything else. */
    public static List<Object> simplePrimaryKeys(String expression, String primaryKey, Map<String, TemplateValue> templates) {
        Node node;
        try {
            node = ExpressionParser.parse(expression);
        } catch (MilvusStatusException e) {
            return null;
        }
        Compiler compiler = new Compiler(expression, f -> null, templates);
        if (node instanceof Term term && !term.negated() && term.field() instanceof FieldRef f && f.path().isEmpty()
                && f.field().equals(primaryKey)) {
            return compiler.constantList(term.values(), "term");
        }
        if (node instanceof Binary binary && binary.op().equals("==") && binary.left() instanceof FieldRef f
                && f.path().isEmpty() && f.field().equals(primaryKey)) {
            return List.of(compiler.constant(binary.right()));
        }
        return null;
    }

    // ================================================================ compiler

    private static final class Compiler {
        private final String source;
        private final Function<String, DataType> schema;
        private final Map<String, TemplateValue> templates;

        Compiler(String source, Function<String, DataType> schema, Map<String, TemplateValue> templates) {
            this.source = source;
            this.schema = schema;
            this.templates = templates;
        }

        RowPredicate predicate(Node node) {
            if (node instanceof Binary b && (b.op().equals("and") || b.op().equals("or"))) {
                RowPredicate left = predicate(b.left());
                RowPredicate right = predicate(b.right());
                return b.op().equals("and") ? new And(left, right) : new Or(left, right);
            }
            if (node instanceof Unary u && u.op().equals("not")) {
                return new Not(predicate(u.operand()));
            }
            if (node instanceof Binary b && isComparison(b.op())) {
                return comparison(b);
            }
            if (node instanceof Binary b && b.op().equals("like")) {
                FieldRef field = field(b.left());
                Object pattern = constant(b.right());
                if (!(pattern instanceof String p)) {
                    throw error("like needs a string pattern");
                }
                requireStringLike(field);
                return new Like(field, likePattern(p));
            }
            if (node instanceof Term term) {
                FieldRef field = field(term.field());
                List<Object> values = constantList(term.values(), "term");
                checkScalarConstants(field, values, "in");
                RowPredicate in = new In(field, values);
                return term.negated() ? new Not(in) : in;
            }
            if (node instanceof Exists exists) {
                FieldRef field = field(exists.operand());
                if (typeOf(field) != DataType.JSON) {
                    throw error("exists operations are only supported on json field");
                }
                return new ExistsPredicate(field);
            }
            if (node instanceof IsNull isNull) {
                FieldRef field = field(isNull.field());
                RowPredicate isNullPredicate = new IsNullPredicate(field);
                return isNull.negated() ? new Not(isNullPredicate) : isNullPredicate;
            }
            if (node instanceof Call call) {
                return contains(call);
            }
            if (node instanceof Range range) {
                FieldRef field = field(range.field());
                Object lower = constant(range.lower());
                Object upper = constant(range.upper());
                checkScalarConstants(field, List.of(lower, upper), "range");
                String lowerOp = flip(range.op1());
                return new And(new Compare(field, lowerOp, lower), new Compare(field, range.op2(), upper));
            }
            if (node instanceof FieldRef f && f.path().isEmpty() && typeOf(f) == DataType.Bool) {
                return new Compare(f, "==", Boolean.TRUE);
            }
            if (node instanceof Literal literal && literal.value() instanceof Boolean b) {
                return new Constant(b);
            }
            if (node instanceof Binary b) {
                throw error("operator '" + b.op() + "' is not supported by this fake");
            }
            throw error("the expression is not a boolean expression: " + describe(node));
        }

        private RowPredicate comparison(Binary b) {
            Node left = b.left();
            Node right = b.right();
            String op = b.op();
            if (!(left instanceof FieldRef) && right instanceof FieldRef) {
                Node swap = left;
                left = right;
                right = swap;
                op = flip(op);
            }
            if (right instanceof FieldRef) {
                throw error("comparing two fields is not supported by this fake");
            }
            FieldRef field = field(left);
            Object value = constant(right);
            if (value instanceof List<?> && !(op.equals("==") || op.equals("!="))) {
                throw error("can not comparisons array directly");
            }
            checkScalarConstants(field, List.of(value), op);
            if (value instanceof Boolean && !(op.equals("==") || op.equals("!="))) {
                throw error("comparison operations cannot be applied to bool: " + op);
            }
            return new Compare(field, op, value);
        }

        private RowPredicate contains(Call call) {
            FieldRef field = field(call.arguments().get(0));
            DataType type = typeOf(field);
            if (type != DataType.JSON && type != DataType.Array) {
                throw error(call.function() + " operation are only supported on json or array fields");
            }
            Node argument = call.arguments().get(1);
            if (call.function().equals("json_contains")) {
                return new Contains(field, List.of(constant(argument)), Contains.Mode.ONE);
            }
            if (argument instanceof Template template && !(templateValue(template.name()) instanceof List)) {
                throw error("the value of " + call.function() + " expression template variable {" + template.name() + "} is not array");
            }
            List<Object> values = constantList(argument, call.function());
            return new Contains(field, values, call.function().endsWith("_all") ? Contains.Mode.ALL : Contains.Mode.ANY);
        }

        FieldRef field(Node node) {
            if (!(node instanceof FieldRef field)) {
                throw error("expected a field, found " + describe(node));
            }
            DataType type = schema.apply(field.field());
            if (type == null) {
                throw error("field " + field.field() + " not exist");
            }
            if (!field.path().isEmpty() && type != DataType.JSON && type != DataType.Array) {
                throw error("field " + field.field() + " is not a json field, it cannot be accessed by a path");
            }
            if (type == DataType.FloatVector) {
                throw error("vector field " + field.field() + " cannot be used in a filter");
            }
            return field;
        }

        private DataType typeOf(FieldRef field) {
            return schema.apply(field.field());
        }

        private void requireStringLike(FieldRef field) {
            DataType type = typeOf(field);
            if (!(type == DataType.VarChar || type == DataType.String || (type == DataType.JSON && !field.path().isEmpty()))) {
                throw error("like operation on non-string field is unsupported");
            }
        }

        /** Scalar columns are typed: Milvus refuses at plan time what JSON paths decide row by row. */
        private void checkScalarConstants(FieldRef field, List<Object> values, String op) {
            DataType type = typeOf(field);
            if (type == DataType.JSON) {
                if (field.path().isEmpty()) {
                    throw error("a json field must be accessed by a path to be compared");
                }
                return;
            }
            for (Object value : values) {
                boolean ok = switch (type) {
                    case VarChar, String -> value instanceof String;
                    case Int8, Int16, Int32, Int64, Float, Double -> value instanceof Long || value instanceof Double;
                    case Bool -> value instanceof Boolean;
                    default -> false;
                };
                if (!ok) {
                    throw error("cannot apply '" + op + "' to field " + field.field() + " of type " + type + " with value " + value);
                }
            }
        }

        Object constant(Node node) {
            if (node instanceof Literal literal) {
                return literal.value();
            }
            if (node instanceof Template template) {
                return templateValue(template.name());
            }
            if (node instanceof ArrayLiteral array) {
                List<Object> values = new ArrayList<>();
                array.elements().forEach(e -> values.add(constant(e)));
                return values;
            }
            if (node instanceof Unary u && u.op().equals("-")) {
                Object value = constant(u.operand());
                if (value instanceof Long l) {
                    return -l;
                }
                if (value instanceof Double d) {
                    return -d;
                }
            }
            throw error("expected a value, found " + describe(node));
        }

        List<Object> constantList(Node node, String what) {
            if (node instanceof Template template) {
                Object value = templateValue(template.name());
                if (!(value instanceof List<?> list)) {
                    throw error("the value of " + what + " expression template variable {" + template.name() + "} is not array");
                }
                return new ArrayList<>(list);
            }
            Object value = constant(node);
            if (!(value instanceof List<?> list)) {
                throw error(what + " needs an array of values");
            }
            return new ArrayList<>(list);
        }

        private Object templateValue(String name) {
            TemplateValue value = templates.get(name);
            if (value == null) {
                throw MilvusStatusException.invalid("the value of expression template variable name {" + name + "} is not found");
            }
            return fromTemplate(value);
        }

        private MilvusStatusException error(String message) {
            return MilvusStatusException.invalid("failed to create query plan: cannot parse expression: " + source + ", error: " + message);
        }
    }

    private static boolean isComparison(String op) {
        return switch (op) {
            case "==", "!=", "<", "<=", ">", ">=" -> true;
            default -> false;
        };
    }

    private static String flip(String op) {
        return switch (op) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> op;
        };
    }

    private static String describe(Node node) {
        return node.getClass().getSimpleName().toLowerCase();
    }

    /** Template values as the fake's Java constants: Boolean, Long, Double, String, List. */
    static Object fromTemplate(TemplateValue value) {
        return switch (value.getValCase()) {
            case BOOL_VAL -> value.getBoolVal();
            case INT64_VAL -> value.getInt64Val();
            case FLOAT_VAL -> value.getFloatVal();
            case STRING_VAL -> value.getStringVal();
            case ARRAY_VAL -> fromTemplateArray(value.getArrayVal());
            default -> throw MilvusStatusException.invalid("unsupported template value " + value.getValCase());
        };
    }

    private static List<Object> fromTemplateArray(TemplateArrayValue array) {
        List<Object> out = new ArrayList<>();
        switch (array.getDataCase()) {
            case BOOL_DATA -> out.addAll(array.getBoolData().getDataList());
            case LONG_DATA -> out.addAll(array.getLongData().getDataList());
            case DOUBLE_DATA -> out.addAll(array.getDoubleData().getDataList());
            case STRING_DATA -> out.addAll(array.getStringData().getDataList());
            case ARRAY_DATA -> array.getArrayData().getDataList().forEach(a -> out.add(fromTemplateArray(a)));
            case JSON_DATA -> array.getJsonData().getDataList().forEach(bytes -> out.add(jsonConstant(bytes.toStringUtf8())));
            default -> {
                // an empty array
            }
        }
        return out;
    }

    private static Object jsonConstant(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return node.isTextual() ? node.textValue() : node.isBoolean() ? node.booleanValue()
                    : node.isIntegralNumber() ? node.longValue() : node.isNumber() ? node.doubleValue() : node;
        } catch (IOException e) {
            throw MilvusStatusException.invalid("template value is not JSON: " + json);
        }
    }

    // ================================================================ evaluation

    /** What reading one field path of a row gave. */
    private record Extracted(boolean present, Object value) {
        static final Extracted ABSENT = new Extracted(false, null);
    }

    private static Extracted extract(Row row, FieldRef field) {
        Object value = row.get(field.field());
        if (value == null) {
            return Extracted.ABSENT;
        }
        if (field.path().isEmpty()) {
            if (value instanceof JsonNode node && node.isNull()) {
                return Extracted.ABSENT;
            }
            return new Extracted(true, value);
        }
        if (!(value instanceof JsonNode node)) {
            return Extracted.ABSENT;
        }
        for (String key : field.path()) {
            if (node.isObject()) {
                node = node.get(key);
            } else if (node.isArray() && key.chars().allMatch(Character::isDigit)) {
                node = node.get(Integer.parseInt(key));
            } else {
                node = null;
            }
            if (node == null || node.isNull()) {
                return Extracted.ABSENT;
            }
        }
        return new Extracted(true, node);
    }

    /** Outcome of comparing one extracted value. */
    private enum Outcome { MATCH, NO_MATCH, INCOMPATIBLE, MISSING }

    private static Truth positive(Outcome outcome, MissingKeySemantics semantics) {
        return switch (outcome) {
            case MATCH -> Truth.TRUE;
            case NO_MATCH -> Truth.FALSE;
            case INCOMPATIBLE, MISSING -> semantics == MissingKeySemantics.THREE_VALUED ? Truth.UNKNOWN : Truth.FALSE;
        };
    }

    /**
     * Milvus's scalar JSON {@code !=} before PR #50702 answered TRUE when the path could not be read
     * as the constant's type (UnaryRangeJSONCompareNotEqual); after it, UNKNOWN.
     */
    private static Truth notEqual(Outcome equality, MissingKeySemantics semantics) {
        return switch (equality) {
            case MATCH -> Truth.FALSE;
            case NO_MATCH -> Truth.TRUE;
            case INCOMPATIBLE, MISSING -> semantics == MissingKeySemantics.THREE_VALUED ? Truth.UNKNOWN : Truth.TRUE;
        };
    }

    /** Type-strict equality of a stored value and a constant; null when their types cannot be compared. */
    private static Boolean typedEquals(Object stored, Object constant) {
        Integer c = typedCompare(stored, constant);
        if (c != null) {
            return c == 0;
        }
        if (constant instanceof Boolean b) {
            Boolean s = asBoolean(stored);
            return s == null ? null : s.equals(b);
        }
        if (constant instanceof List<?> list) {
            if (!(stored instanceof JsonNode node) || !node.isArray()) {
                return null;
            }
            if (node.size() != list.size()) {
                return false;
            }
            for (int i = 0; i < list.size(); i++) {
                Boolean e = typedEquals(node.get(i), list.get(i));
                if (e == null || !e) {
                    return false;
                }
            }
            return true;
        }
        return null;
    }

    /** Ordering of a stored value against a number or string constant; null on a type mismatch. */
    private static Integer typedCompare(Object stored, Object constant) {
        if (constant instanceof Long || constant instanceof Double) {
            BigDecimal s = asNumber(stored);
            return s == null ? null : s.compareTo(decimal((Number) constant));
        }
        if (constant instanceof String c) {
            String s = asString(stored);
            return s == null ? null : compareUtf8(s, c);
        }
        return null;
    }

    private static BigDecimal asNumber(Object stored) {
        if (stored instanceof JsonNode node) {
            if (node.isIntegralNumber()) {
                return new BigDecimal(node.bigIntegerValue());
            }
            return node.isNumber() ? BigDecimal.valueOf(node.doubleValue()) : null;
        }
        if (stored instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (stored instanceof Double d) {
            return BigDecimal.valueOf(d);
        }
        return null;
    }

    private static BigDecimal decimal(Number n) {
        return n instanceof Long l ? BigDecimal.valueOf(l) : BigDecimal.valueOf(n.doubleValue());
    }

    private static String asString(Object stored) {
        if (stored instanceof JsonNode node) {
            return node.isTextual() ? node.textValue() : null;
        }
        return stored instanceof String s ? s : null;
    }

    private static Boolean asBoolean(Object stored) {
        if (stored instanceof JsonNode node) {
            return node.isBoolean() ? node.booleanValue() : null;
        }
        return stored instanceof Boolean b ? b : null;
    }

    /** Milvus compares strings as C++/Go do: by unsigned UTF-8 bytes (Java's compareTo orders UTF-16 units). */
    static int compareUtf8(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            int d = (x[i] & 0xff) - (y[i] & 0xff);
            if (d != 0) {
                return d;
            }
        }
        return x.length - y.length;
    }

    /** Json::exist(): null and recursively empty objects/arrays count as absent. */
    private static boolean recursivelyEmpty(JsonNode node) {
        if (node == null || node.isNull()) {
            return true;
        }
        if (node.isArray()) {
            return node.isEmpty();
        }
        if (node.isObject()) {
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                if (!recursivelyEmpty(it.next())) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static Pattern likePattern(String like) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < like.length(); i++) {
            char c = like.charAt(i);
            if (c == '\\' && i + 1 < like.length()) {
                regex.append(Pattern.quote(String.valueOf(like.charAt(++i))));
            } else if (c == '%') {
                regex.append(".*");
            } else if (c == '_') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    // ================================================================ predicates

    private static final class And extends RowPredicate {
        private final RowPredicate left;
        private final RowPredicate right;

        And(RowPredicate left, RowPredicate right) {
            this.left = left;
            this.right = right;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            Truth l = left.test(row, semantics);
            return l == Truth.FALSE ? Truth.FALSE : l.and(right.test(row, semantics));
        }
    }

    private static final class Or extends RowPredicate {
        private final RowPredicate left;
        private final RowPredicate right;

        Or(RowPredicate left, RowPredicate right) {
            this.left = left;
            this.right = right;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            Truth l = left.test(row, semantics);
            return l == Truth.TRUE ? Truth.TRUE : l.or(right.test(row, semantics));
        }
    }

    private static final class Not extends RowPredicate {
        private final RowPredicate operand;

        Not(RowPredicate operand) {
            this.operand = operand;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            return operand.test(row, semantics).not();
        }
    }

    private static final class Constant extends RowPredicate {
        private final boolean value;

        Constant(boolean value) {
            this.value = value;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            return Truth.of(value);
        }
    }

    private static final class Compare extends RowPredicate {
        private final FieldRef field;
        private final String op;
        private final Object value;

        Compare(FieldRef field, String op, Object value) {
            this.field = field;
            this.op = op;
            this.value = value;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            Extracted e = extract(row, field);
            if (op.equals("==") || op.equals("!=")) {
                Outcome equality;
                if (!e.present()) {
                    equality = Outcome.MISSING;
                } else {
                    Boolean equal = typedEquals(e.value(), value);
                    equality = equal == null ? Outcome.INCOMPATIBLE : equal ? Outcome.MATCH : Outcome.NO_MATCH;
                }
                return op.equals("==") ? positive(equality, semantics) : notEqual(equality, semantics);
            }
            if (!e.present()) {
                return positive(Outcome.MISSING, semantics);
            }
            Integer c = typedCompare(e.value(), value);
            if (c == null) {
                return positive(Outcome.INCOMPATIBLE, semantics);
            }
            boolean result = switch (op) {
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                case ">=" -> c >= 0;
                default -> throw new IllegalStateException(op);
            };
            return Truth.of(result);
        }
    }

    private static final class In extends RowPredicate {
        private final FieldRef field;
        private final List<Object> values;

        In(FieldRef field, List<Object> values) {
            this.field = field;
            this.values = values;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            Extracted e = extract(row, field);
            if (!e.present()) {
                return positive(Outcome.MISSING, semantics);
            }
            boolean comparable = false;
            for (Object value : values) {
                Boolean equal = typedEquals(e.value(), value);
                if (equal != null) {
                    comparable = true;
                    if (equal) {
                        return Truth.TRUE;
                    }
                }
            }
            return positive(comparable ? Outcome.NO_MATCH : Outcome.INCOMPATIBLE, semantics);
        }
    }

    private static final class Contains extends RowPredicate {
        enum Mode { ONE, ANY, ALL }

        private final FieldRef field;
        private final List<Object> values;
        private final Mode mode;

        Contains(FieldRef field, List<Object> values, Mode mode) {
            this.field = field;
            this.values = values;
            this.mode = mode;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            Extracted e = extract(row, field);
            if (!e.present()) {
                return positive(Outcome.MISSING, semantics);
            }
            if (!(e.value() instanceof JsonNode array) || !array.isArray()) {
                return positive(Outcome.INCOMPATIBLE, semantics);
            }
            if (mode == Mode.ALL) {
                for (Object value : values) {
                    if (!containsElement(array, value)) {
                        return Truth.FALSE;
                    }
                }
                return Truth.TRUE;
            }
            for (Object value : values) {
                if (containsElement(array, value)) {
                    return Truth.TRUE;
                }
            }
            return Truth.FALSE;
        }

        private static boolean containsElement(JsonNode array, Object value) {
            for (JsonNode element : array) {
                if (Boolean.TRUE.equals(typedEquals(element, value))) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class ExistsPredicate extends RowPredicate {
        private final FieldRef field;

        ExistsPredicate(FieldRef field) {
            this.field = field;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            Extracted e = extract(row, field);
            return Truth.of(e.present() && !(e.value() instanceof JsonNode node && recursivelyEmpty(node)));
        }
    }

    private static final class IsNullPredicate extends RowPredicate {
        private final FieldRef field;

        IsNullPredicate(FieldRef field) {
            this.field = field;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            return Truth.of(!extract(row, field).present());
        }
    }

    private static final class Like extends RowPredicate {
        private final FieldRef field;
        private final Pattern pattern;

        Like(FieldRef field, Pattern pattern) {
            this.field = field;
            this.pattern = pattern;
        }

        @Override
        public Truth test(Row row, MissingKeySemantics semantics) {
            Extracted e = extract(row, field);
            if (!e.present()) {
                return positive(Outcome.MISSING, semantics);
            }
            String s = asString(e.value());
            if (s == null) {
                return positive(Outcome.INCOMPATIBLE, semantics);
            }
            return Truth.of(pattern.matcher(s).matches());
        }
    }
}
