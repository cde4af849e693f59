package dev.partitiongateway.adapter.milvus.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Binary;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Call;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Exists;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.FieldRef;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.IsNull;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Literal;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Range;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Template;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Term;
import dev.partitiongateway.adapter.milvus.fake.ExpressionParser.Unary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake parses what Plan.g4 parses, with the grammar's precedence, and refuses the rest with code 1100. */
class ExpressionParserTest {

    @Test
    void should_bind_and_tighter_than_or_and_comparisons_tighter_than_both() {
        Binary or = (Binary) ExpressionParser.parse("a == 1 or b == 2 and c != 3");

        assertThat(or.op()).isEqualTo("or");
        assertThat(((Binary) or.right()).op()).isEqualTo("and");
        assertThat(ExpressionParser.parse("a == 1 || b == 2 && c != 3")).isEqualTo(or);
    }

    @Test
    void should_bind_prefix_not_and_exists_tighter_than_comparisons() {
        assertThat(ExpressionParser.parse("not a == 1")).isInstanceOfSatisfying(Binary.class,
                b -> assertThat(b.left()).isEqualTo(new Unary("not", new FieldRef("a", List.of()))));
        assertThat(ExpressionParser.parse("exists m[\"k\"] and x == 1")).isInstanceOfSatisfying(Binary.class,
                b -> assertThat(b.left()).isEqualTo(new Exists(new FieldRef("m", List.of("k")))));
        assertThat(ExpressionParser.parse("!(a == 1)")).isInstanceOf(Unary.class);
    }

    @Test
    void should_read_json_paths_templates_terms_and_contains_calls() {
        assertThat(ExpressionParser.parse("m[\"a.b\"][0]['c'] in {vs}")).isEqualTo(
                new Term(new FieldRef("m", List.of("a.b", "0", "c")), new Template("vs"), false));
        assertThat(ExpressionParser.parse("k not in [1, 2.5, \"x\", true]")).isInstanceOfSatisfying(Term.class,
                t -> assertThat(t.negated()).isTrue());
        assertThat(ExpressionParser.parse("JSON_CONTAINS_ANY(m[\"t\"], {v})")).isEqualTo(
                new Call("json_contains_any", List.of(new FieldRef("m", List.of("t")), new Template("v"))));
        assertThat(ExpressionParser.parse("m[\"k\"] is not null")).isEqualTo(new IsNull(new FieldRef("m", List.of("k")), true));
    }

    @Test
    void should_read_a_chained_range_and_literals_in_every_notation() {
        assertThat(ExpressionParser.parse("1 < x <= 0x10")).isEqualTo(
                new Range(new Literal(1L), "<", new FieldRef("x", List.of()), "<=", new Literal(16L)));
        assertThat(ExpressionParser.parse("x == -1.5e3")).isInstanceOfSatisfying(Binary.class,
                b -> assertThat(b.right()).isEqualTo(new Literal(-1500.0)));
        assertThat(ExpressionParser.parse("s == 'it\\'s \\u00e9'")).isInstanceOfSatisfying(Binary.class,
                b -> assertThat(b.right()).isEqualTo(new Literal("it's é")));
    }

    @Test
    void should_refuse_syntax_errors_with_an_invalid_parameter_status() {
        for (String bad : List.of("a ==", "(a == 1", "a == \"open", "m[k] == 1", "a == 1 b", "{} == 1", "a = 1")) {
            assertThatThrownBy(() -> ExpressionParser.parse(bad)).as(bad)
                    .isInstanceOfSatisfying(MilvusStatusException.class, e -> assertThat(e.code()).isEqualTo(1100));
        }
    }
}
