package dev.partitiongateway.adapter.milvus.fake;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses the part of Milvus's boolean expression grammar ({@code internal/parser/planparserv2/Plan.g4})
 * that a client can reasonably send: literals, fields, JSON paths {@code f["a"][0]}, {@code {templates}},
 * arrays, comparisons, {@code in}/{@code not in}, {@code like}, {@code exists}, {@code is [not] null},
 * {@code json_contains[_all|_any]}/{@code array_contains*}, chained ranges and {@code and/or/not}.
 *
 * <p>Precedence follows the grammar's ANTLR rule order (earlier alternative binds tighter). In
 * particular the prefix {@code not} and {@code exists} bind tighter than every comparison, so
 * {@code not a == 1} is {@code (not a) == 1}, exactly as in Milvus: a client must parenthesise.
 * Arithmetic and bit operators are recognised and refused, so nothing is silently misread.
 */
public final class ExpressionParser {

    /** A parsed expression, before binding to a schema and template values. */
    public sealed interface Node permits Literal, Template, FieldRef, ArrayLiteral, Unary, Binary, Term, Exists,
            IsNull, Call, Range {
    }

    /** {@code value} is a Long, Double, Boolean or String. */
    public record Literal(Object value) implements Node {
    }

    public record Template(String name) implements Node {
    }

    /** A schema field, with a JSON path below it ({@code path} empty for the field itself). */
    public record FieldRef(String field, List<String> path) implements Node {
        public FieldRef {
            path = List.copyOf(path);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(field);
            path.forEach(p -> s.append("[\"").append(p).append("\"]"));
            return s.toString();
        }
    }

    public record ArrayLiteral(List<Node> elements) implements Node {
    }

    /** {@code op} is one of {@code not - + ~}. */
    public record Unary(String op, Node operand) implements Node {
    }

    /** {@code op} is a comparison, {@code like}, {@code and}, {@code or}, or an arithmetic/bit operator. */
    public record Binary(String op, Node left, Node right) implements Node {
    }

    public record Term(Node field, Node values, boolean negated) implements Node {
    }

    public record Exists(Node operand) implements Node {
    }

    public record IsNull(FieldRef field, boolean negated) implements Node {
    }

    /** {@code function} lower-cased: json_contains, json_contains_all, json_contains_any, array_contains... */
    public record Call(String function, List<Node> arguments) implements Node {
    }

    /** {@code lower op1 field op2 upper}, e.g. {@code 1 < x <= 5}; ops are both {@code <,<=} or both {@code >,>=}. */
    public record Range(Node lower, String op1, FieldRef field, String op2, Node upper) implements Node {
    }

    private static final Set<String> CONTAINS_FUNCTIONS = Set.of("json_contains", "json_contains_all", "json_contains_any",
            "array_contains", "array_contains_all", "array_contains_any");

    // ------------------------------------------------------------------ lexer

    private enum Kind { IDENT, JSON_IDENT, INT, FLOAT, STRING, BOOL, PUNCT, EOF }

    private record Token(Kind kind, String text, Object value, int position) {
    }

    private final String source;
    private final List<Token> tokens;
    private int next;

    private ExpressionParser(String source) {
        this.source = source;
        this.tokens = lex(source);
    }

    /** The parse tree of {@code expression}; a syntax error is a {@link MilvusStatusException} with code 1100. */
    public static Node parse(String expression) {
        ExpressionParser parser = new ExpressionParser(expression);
        Node node = parser.expression(0);
        if (parser.peek().kind != Kind.EOF) {
            throw parser.error("unexpected '" + parser.peek().text + "'");
        }
        return node;
    }

    private static List<Token> lex(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
                continue;
            }
            int start = i;
            if (Character.isLetter(c) || c == '_' || c == '$') {
                int j = i + 1;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                String word = s.substring(i, j);
                // Raw strings r"..." are not used by clients of this fake; refuse rather than misread.
                if ((word.equals("r") || word.equals("R")) && j < s.length() && (s.charAt(j) == '"' || s.charAt(j) == '\'')) {
                    throw syntaxError(s, start, "raw string literals are not supported by this fake");
                }
                // "is null" / "is not null" are single tokens in the grammar.
                String lower = word.toLowerCase(Locale.ROOT);
                if (lower.equals("is")) {
                    String rest = s.substring(j);
                    String trimmed = rest.stripLeading();
                    String restLower = trimmed.toLowerCase(Locale.ROOT);
                    if (restLower.startsWith("null") && boundary(trimmed, 4)) {
                        out.add(new Token(Kind.PUNCT, "is null", null, start));
                        i = j + (rest.length() - trimmed.length()) + 4;
                        continue;
                    }
                    if (restLower.startsWith("not") && boundary(trimmed, 3)) {
                        String afterNot = trimmed.substring(3);
                        String afterNotTrimmed = afterNot.stripLeading();
                        if (afterNotTrimmed.toLowerCase(Locale.ROOT).startsWith("null") && boundary(afterNotTrimmed, 4)) {
                            out.add(new Token(Kind.PUNCT, "is not null", null, start));
                            i = j + (rest.length() - trimmed.length()) + 3 + (afterNot.length() - afterNotTrimmed.length()) + 4;
                            continue;
                        }
                    }
                }
                if (Set.of("true", "True", "TRUE", "false", "False", "FALSE").contains(word)) {
                    out.add(new Token(Kind.BOOL, word, lower.equals("true"), start));
                    i = j;
                    continue;
                }
                if (j < s.length() && s.charAt(j) == '[') {
                    // JSONIdentifier: Identifier ('[' (StringLiteral | DecimalConstant) ']')+, lexed as one token.
                    List<String> path = new ArrayList<>();
                    int k = j;
                    while (k < s.length() && s.charAt(k) == '[') {
                        k++;
                        if (k < s.length() && (s.charAt(k) == '"' || s.charAt(k) == '\'')) {
                            int[] end = new int[1];
                            path.add(readString(s, k, end));
                            k = end[0];
                        } else {
                            int d = k;
                            while (d < s.length() && Character.isDigit(s.charAt(d))) {
                                d++;
                            }
                            if (d == k) {
                                throw syntaxError(s, k, "a JSON path key must be a string or an integer");
                            }
                            path.add(s.substring(k, d));
                            k = d;
                        }
                        if (k >= s.length() || s.charAt(k) != ']') {
                            throw syntaxError(s, k, "missing ']' in JSON path");
                        }
                        k++;
                    }
                    out.add(new Token(Kind.JSON_IDENT, s.substring(i, k), new FieldRef(word, path), start));
                    i = k;
                    continue;
                }
                out.add(new Token(Kind.IDENT, word, null, start));
                i = j;
                continue;
            }
            if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int[] end = new int[1];
                Token number = readNumber(s, i, end);
                out.add(number);
                i = end[0];
                continue;
            }
            if (c == '"' || c == '\'') {
                int[] end = new int[1];
                String value = readString(s, i, end);
                out.add(new Token(Kind.STRING, s.substring(i, end[0]), value, start));
                i = end[0];
                continue;
            }
            String[] puncts = {"**", "<=", ">=", "==", "!=", "&&", "||", "<<", ">>", "=~", "!~",
                    "<", ">", "(", ")", "[", "]", "{", "}", ",", "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "="};
            String matched = null;
            for (String p : puncts) {
                if (s.startsWith(p, i)) {
                    matched = p;
                    break;
                }
            }
            if (matched == null) {
                throw syntaxError(s, i, "unexpected character '" + c + "'");
            }
            out.add(new Token(Kind.PUNCT, matched, null, start));
            i += matched.length();
        }
        out.add(new Token(Kind.EOF, "<EOF>", null, s.length()));
        return out;
    }

    private static boolean boundary(String s, int index) {
        return index >= s.length() || !(Character.isLetterOrDigit(s.charAt(index)) || s.charAt(index) == '_');
    }

    private static Token readNumber(String s, int i, int[] end) {
        int start = i;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            int j = i + 2;
            while (j < s.length() && Character.digit(s.charAt(j), 16) >= 0) {
                j++;
            }
            end[0] = j;
            return new Token(Kind.INT, s.substring(start, j), new BigInteger(s.substring(i + 2, j), 16).longValue(), start);
        }
        if (s.startsWith("0b", i) || s.startsWith("0B", i)) {
            int j = i + 2;
            while (j < s.length() && (s.charAt(j) == '0' || s.charAt(j) == '1')) {
                j++;
            }
            end[0] = j;
            return new Token(Kind.INT, s.substring(start, j), new BigInteger(s.substring(i + 2, j), 2).longValue(), start);
        }
        int j = i;
        boolean floating = false;
        while (j < s.length() && Character.isDigit(s.charAt(j))) {
            j++;
        }
        if (j < s.length() && s.charAt(j) == '.') {
            floating = true;
            j++;
            while (j < s.length() && Character.isDigit(s.charAt(j))) {
                j++;
            }
        }
        if (j < s.length() && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
            int k = j + 1;
            if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                k++;
            }
            if (k < s.length() && Character.isDigit(s.charAt(k))) {
                floating = true;
                j = k;
                while (j < s.length() && Character.isDigit(s.charAt(j))) {
                    j++;
                }
            }
        }
        end[0] = j;
        String text = s.substring(start, j);
        if (floating) {
            return new Token(Kind.FLOAT, text, Double.parseDouble(text), start);
        }
        if (text.length() > 1 && text.startsWith("0")) {
            return new Token(Kind.INT, text, Long.parseLong(text, 8), start);
        }
        try {
            return new Token(Kind.INT, text, Long.parseLong(text), start);
        } catch (NumberFormatException e) {
            throw syntaxError(s, start, "integer out of the int64 range: " + text);
        }
    }

    /** Reads a quoted string at {@code i} with C-style escapes (the grammar's EscapeSequence). */
    private static String readString(String s, int i, int[] end) {
        char quote = s.charAt(i);
        StringBuilder out = new StringBuilder();
        int j = i + 1;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (c == quote) {
                end[0] = j + 1;
                return out.toString();
            }
            if (c == '\r' || c == '\n') {
                throw syntaxError(s, j, "line break inside a string literal");
            }
            if (c == '\\') {
                if (j + 1 >= s.length()) {
                    break;
                }
                char e = s.charAt(j + 1);
                switch (e) {
                    case 'n' -> { out.append('\n'); j += 2; }
                    case 't' -> { out.append('\t'); j += 2; }
                    case 'r' -> { out.append('\r'); j += 2; }
                    case 'b' -> { out.append('\b'); j += 2; }
                    case 'f' -> { out.append('\f'); j += 2; }
                    case 'v' -> { out.append('\u000b'); j += 2; }
                    case 'a' -> { out.append('\u0007'); j += 2; }
                    case 'u' -> {
                        if (j + 6 > s.length()) {
                            throw syntaxError(s, j, "bad \\u escape");
                        }
                        out.append((char) Integer.parseInt(s.substring(j + 2, j + 6), 16));
                        j += 6;
                    }
                    default -> { out.append(e); j += 2; }
                }
                continue;
            }
            out.append(c);
            j++;
        }
        throw syntaxError(s, i, "unterminated string literal");
    }

    // ------------------------------------------------------------------ parser

    // Binding powers, higher binds tighter, in the grammar's alternative order.
    private static final int OR = 10;
    private static final int AND = 20;
    private static final int BIT_OR = 30;
    private static final int BIT_XOR = 40;
    private static final int BIT_AND = 50;
    private static final int EQUALITY = 60;
    private static final int RELATIONAL = 70;
    private static final int TERM = 80;
    private static final int SHIFT = 90;
    private static final int ADD = 100;
    private static final int MUL = 110;
    private static final int UNARY = 120;
    private static final int POWER = 130;
    private static final int LIKE = 140;

    private Token peek() {
        return tokens.get(next);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(next + ahead, tokens.size() - 1));
    }

    private Token advance() {
        return tokens.get(next++);
    }

    private boolean isWord(Token t, String word) {
        return t.kind == Kind.IDENT && t.text.equalsIgnoreCase(word) && (t.text.equals(word) || t.text.equals(word.toUpperCase(Locale.ROOT)));
    }

    private boolean isPunct(Token t, String p) {
        return t.kind == Kind.PUNCT && t.text.equals(p);
    }

    private void expect(String p) {
        Token t = advance();
        if (!isPunct(t, p)) {
            throw error("expected '" + p + "' but found '" + t.text + "'", t);
        }
    }

    /** Binary operator at the current token and its binding power, or null. */
    private String binaryOperator() {
        Token t = peek();
        if (t.kind == Kind.PUNCT) {
            return switch (t.text) {
                case "||" -> "or";
                case "&&" -> "and";
                case "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "**", "<<", ">>", "&", "|", "^", "=~", "!~" -> t.text;
                default -> null;
            };
        }
        if (isWord(t, "or")) {
            return "or";
        }
        if (isWord(t, "and")) {
            return "and";
        }
        if (isWord(t, "like")) {
            return "like";
        }
        if (isWord(t, "in")) {
            return "in";
        }
        if ((isWord(t, "not")) && isWord(peek(1), "in")) {
            return "not in";
        }
        return null;
    }

    private static int power(String op) {
        return switch (op) {
            case "or" -> OR;
            case "and" -> AND;
            case "|" -> BIT_OR;
            case "^" -> BIT_XOR;
            case "&" -> BIT_AND;
            case "==", "!=" -> EQUALITY;
            case "<", "<=", ">", ">=" -> RELATIONAL;
            case "in", "not in" -> TERM;
            case "<<", ">>" -> SHIFT;
            case "+", "-" -> ADD;
            case "*", "/", "%" -> MUL;
            case "**" -> POWER;
            case "like", "=~", "!~" -> LIKE;
            default -> throw new IllegalStateException(op);
        };
    }

    private Node expression(int minPower) {
        Node left = prefix();
        for (;;) {
            String op = binaryOperator();
            if (op == null) {
                return left;
            }
            int p = power(op);
            if (p <= minPower) {
                return left;
            }
            Token opToken = advance();
            if (op.equals("not in")) {
                advance();
            }
            Node right = expression(p);
            if (op.equals("in") || op.equals("not in")) {
                left = new Term(left, right, op.equals("not in"));
            } else if ((op.equals("<") || op.equals("<=") || op.equals(">") || op.equals(">="))
                    && right instanceof FieldRef field && chainsWith(op)) {
                // Range: lower op1 field op2 upper, both operators pointing the same way.
                String op2 = advance().text;
                Node upper = expression(RELATIONAL);
                left = new Range(left, op, field, op2, upper);
            } else {
                left = new Binary(op, left, right);
            }
            if (opToken == null) {
                throw new IllegalStateException();
            }
        }
    }

    private boolean chainsWith(String op1) {
        Token t = peek();
        if (t.kind != Kind.PUNCT) {
            return false;
        }
        boolean less = op1.startsWith("<");
        return less ? (t.text.equals("<") || t.text.equals("<=")) : (t.text.equals(">") || t.text.equals(">="));
    }

    private Node prefix() {
        Token t = advance();
        switch (t.kind) {
            case INT, FLOAT, STRING, BOOL -> {
                return new Literal(t.value);
            }
            case JSON_IDENT -> {
                return postfixNull((FieldRef) t.value);
            }
            case IDENT -> {
                String lower = t.text.toLowerCase(Locale.ROOT);
                if (isWord(t, "not")) {
                    return new Unary("not", expression(UNARY));
                }
                if (isWord(t, "exists")) {
                    // The operand binds tighter than every binary operator: exists a == 1 is (exists a) == 1.
                    return new Exists(expression(POWER + 100));
                }
                if (CONTAINS_FUNCTIONS.contains(lower) && isPunct(peek(), "(")) {
                    advance();
                    Node first = expression(0);
                    expect(",");
                    Node second = expression(0);
                    expect(")");
                    return new Call(lower.replace("array_", "json_"), List.of(first, second));
                }
                if (isPunct(peek(), "(")) {
                    throw error("function '" + t.text + "' is not supported by this fake", t);
                }
                if (Set.of("and", "or", "in", "like").contains(lower)) {
                    throw error("unexpected keyword '" + t.text + "'", t);
                }
                return postfixNull(new FieldRef(t.text, List.of()));
            }
            case PUNCT -> {
                switch (t.text) {
                    case "(" -> {
                        Node inner = expression(0);
                        expect(")");
                        return inner;
                    }
                    case "[" -> {
                        List<Node> elements = new ArrayList<>();
                        if (!isPunct(peek(), "]")) {
                            do {
                                if (isPunct(peek(), "]")) {
                                    break;
                                }
                                elements.add(expression(0));
                            } while (isPunct(peek(), ",") && advance() != null);
                        }
                        expect("]");
                        return new ArrayLiteral(elements);
                    }
                    case "{" -> {
                        Token name = advance();
                        if (name.kind != Kind.IDENT) {
                            throw error("a template variable needs a name", name);
                        }
                        expect("}");
                        return new Template(name.text);
                    }
                    case "!" -> {
                        return new Unary("not", expression(UNARY));
                    }
                    case "-", "+", "~" -> {
                        Node operand = expression(UNARY);
                        if (t.text.equals("-") && operand instanceof Literal literal && literal.value() instanceof Long l) {
                            return new Literal(-l);
                        }
                        if (t.text.equals("-") && operand instanceof Literal literal && literal.value() instanceof Double d) {
                            return new Literal(-d);
                        }
                        if (t.text.equals("+") && operand instanceof Literal literal && literal.value() instanceof Number) {
                            return literal;
                        }
                        return new Unary(t.text, operand);
                    }
                    default -> throw error("unexpected '" + t.text + "'", t);
                }
            }
            default -> throw error("unexpected end of expression", t);
        }
    }

    private Node postfixNull(FieldRef field) {
        if (isPunct(peek(), "is null")) {
            advance();
            return new IsNull(field, false);
        }
        if (isPunct(peek(), "is not null")) {
            advance();
            return new IsNull(field, true);
        }
        return field;
    }

    private MilvusStatusException error(String message) {
        return error(message, peek());
    }

    private MilvusStatusException error(String message, Token at) {
        return syntaxError(source, at.position, message);
    }

    static MilvusStatusException syntaxError(String source, int position, String message) {
        return MilvusStatusException.invalid("failed to create query plan: cannot parse expression: " + source
                + ", error: line 1:" + position + " " + message);
    }
}
