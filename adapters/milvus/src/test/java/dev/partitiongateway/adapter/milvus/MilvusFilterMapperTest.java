package dev.partitiongateway.adapter.milvus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.partitiongateway.adapter.milvus.fake.MilvusStatusException;
import dev.partitiongateway.adapter.milvus.fake.MissingKeySemantics;
import dev.partitiongateway.adapter.milvus.fake.RowPredicate;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.milvus.grpc.DataType;
import io.milvus.grpc.TemplateValue;
import io.milvus.v2.utils.VectorUtils;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The translation of SPI filters into Milvus expressions: its shape, that request data only ever
 * travels as template values, and that its meaning does not depend on Milvus's missing-key
 * behaviour (checked with the fake's evaluator, which parses the text as Milvus's grammar does).
 */
class MilvusFilterMapperTest {

    @Test
    void should_write_equality_as_a_guarded_json_contains_on_the_typed_bucket() {
        MilvusExpression e = MilvusFilterMapper.map(new Filter.Compare("author.name", FilterOperator.EQ, "ann"));

        assertThat(e.text()).isEqualTo("(exists filterable[\"s\"][\"author.name\"] and json_contains(filterable[\"s\"][\"author.name\"], {v0}))");
        assertThat(e.values()).isEqualTo(Map.of("v0", "ann"));
    }

    @Test
    void should_pick_the_bucket_by_the_type_of_the_value() {
        assertThat(MilvusFilterMapper.map(new Filter.Compare("k", FilterOperator.EQ, 1.0)).text()).contains("filterable[\"n\"][\"k\"]");
        assertThat(MilvusFilterMapper.map(new Filter.Compare("k", FilterOperator.EQ, true)).text()).contains("filterable[\"b\"][\"k\"]");
    }

    @Test
    void should_negate_with_parentheses_because_milvus_binds_not_tighter_than_comparisons() {
        assertThat(MilvusFilterMapper.map(new Filter.Compare("k", FilterOperator.NE, "v")).text()).startsWith("not (exists ");
        assertThat(MilvusFilterMapper.map(new Filter.Not(new Filter.Exists("k", true))).text()).startsWith("not ((exists ");
        assertThat(MilvusFilterMapper.map(new Filter.In("k", List.of("a"), true)).text()).startsWith("not ((exists ");
    }

    @Test
    void should_compare_ranges_against_the_largest_or_smallest_number_at_the_path() {
        assertThat(MilvusFilterMapper.map(new Filter.Compare("k", FilterOperator.GT, 3.0)).text())
                .isEqualTo("(exists filterable[\"max\"][\"k\"] and filterable[\"max\"][\"k\"] > {v0})");
        assertThat(MilvusFilterMapper.map(new Filter.Compare("k", FilterOperator.LTE, 3.0)).text())
                .isEqualTo("(exists filterable[\"min\"][\"k\"] and filterable[\"min\"][\"k\"] <= {v0})");
    }

    @Test
    void should_split_in_by_value_type_because_template_lists_are_homogeneous() {
        MilvusExpression e = MilvusFilterMapper.map(new Filter.In("k", List.of("a", 2.0, "b", true), false));

        assertThat(e.text()).isEqualTo("((exists filterable[\"s\"][\"k\"] and json_contains_any(filterable[\"s\"][\"k\"], {v0}))"
                + " or (exists filterable[\"n\"][\"k\"] and json_contains_any(filterable[\"n\"][\"k\"], {v1}))"
                + " or (exists filterable[\"b\"][\"k\"] and json_contains_any(filterable[\"b\"][\"k\"], {v2})))");
        assertThat(e.values()).isEqualTo(Map.of("v0", List.of("a", "b"), "v1", List.of(2.0), "v2", List.of(true)));
    }

    @Test
    void should_test_presence_against_the_list_of_paths_with_the_path_as_a_value() {
        MilvusExpression e = MilvusFilterMapper.map(new Filter.Exists("a.b", false));

        assertThat(e.text()).isEqualTo("not (exists filterable[\"p\"] and json_contains(filterable[\"p\"], {v0}))");
        assertThat(e.values()).isEqualTo(Map.of("v0", "a.b"));
    }

    @Test
    void should_require_timed_records_for_a_time_range_with_epoch_millisecond_bounds() {
        Instant from = Instant.parse("2024-01-01T00:00:00.123456Z");
        MilvusExpression e = MilvusFilterMapper.map(new Filter.TimeRange(from, null));

        assertThat(e.text()).isEqualTo("(timed == true and ts >= {v0})");
        assertThat(e.values()).isEqualTo(Map.of("v0", from.toEpochMilli()));
    }

    @Test
    void should_put_the_tenant_first_and_the_filter_in_parentheses() {
        MilvusExpression dedicated = MilvusFilterMapper.scoped("tenant_a", null, new Filter.Compare("k", FilterOperator.EQ, "v"));
        MilvusExpression shared = MilvusFilterMapper.scoped("tenant_a", List.of("b1", "b2"), null);
        MilvusExpression sharedOne = MilvusFilterMapper.scoped("tenant_a", List.of("b1"), null,
                MilvusFilterMapper.KeyRestriction.after("k/1:x/y"));

        assertThat(dedicated.text()).startsWith("tenant == {v0} and (");
        assertThat(dedicated.values()).containsEntry("v0", "tenant_a");
        assertThat(shared.text()).isEqualTo("tenant == {v0} and placement in {v1}");
        assertThat(shared.values()).isEqualTo(Map.of("v0", "tenant_a", "v1", List.of("b1", "b2")));
        assertThat(sharedOne.text()).isEqualTo("tenant == {v0} and placement == {v1} and pk > {v2}");
    }

    @Test
    void should_never_scope_to_no_tenant() {
        assertThatThrownBy(() -> MilvusFilterMapper.scoped("", null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MilvusFilterMapper.scoped("t", List.of(), null)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\"] or tenant != \"", "a]", "a\\", "", "a..b", "a b", "{v0}", "a.b.c.d.e.f.g.h.i", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void should_refuse_field_names_that_could_leave_their_string_literal(String field) {
        assertThatThrownBy(() -> MilvusFilterMapper.map(new Filter.Compare(field, FilterOperator.EQ, "v")))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> MilvusFilterMapper.map(new Filter.Exists(field, true))).isInstanceOf(BackendException.Rejected.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"v\") or (tenant != \"", "{tenant}", "x\\\"", "' or 1 == 1 or '", "ann\n"})
    void should_carry_injection_strings_as_template_values_only(String value) {
        MilvusExpression e = MilvusFilterMapper.scoped("tenant_a", null, new Filter.Or(List.of(
                new Filter.Compare("name", FilterOperator.EQ, value), new Filter.In("tags", List.of(value), true))));

        assertThat(e.text()).doesNotContain(value);
        assertThat(e.values()).containsValues(value, List.of(value));
        // The real server parses the text alone; the value never reaches the grammar.
        RowPredicate.compile(e.text(), MilvusFilterMapperTest::type, templates(e));
    }

    /**
     * The mapper's output, parsed and evaluated by the fake's implementation of Milvus's expression
     * semantics, gives the gateway's answer for records with and without the field, of other types
     * and with arrays, whatever the missing-key behaviour.
     */
    @ParameterizedTest
    @EnumSource(MissingKeySemantics.class)
    void should_mean_the_same_under_both_missing_key_semantics(MissingKeySemantics semantics) {
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        rows.put("string", Map.of("k", "v"));
        rows.put("other", Map.of("k", "w"));
        rows.put("number", Map.of("k", 7));
        rows.put("array", Map.of("k", List.of("v", 3)));
        rows.put("object", Map.of("k", Map.of("v", 1)));
        rows.put("missing", Map.of());

        assertThat(matching(rows, new Filter.Compare("k", FilterOperator.NE, "v"), semantics))
                .containsExactlyInAnyOrder("other", "number", "object", "missing");
        assertThat(matching(rows, new Filter.Not(new Filter.Compare("k", FilterOperator.EQ, "v")), semantics))
                .containsExactlyInAnyOrder("other", "number", "object", "missing");
        assertThat(matching(rows, new Filter.In("k", List.of("v", 7.0), true), semantics)).containsExactlyInAnyOrder("other", "object", "missing");
        assertThat(matching(rows, new Filter.Compare("k", FilterOperator.GT, 5.0), semantics)).containsExactly("number");
        assertThat(matching(rows, new Filter.Compare("k", FilterOperator.LT, 5.0), semantics)).containsExactly("array");
        assertThat(matching(rows, new Filter.Not(new Filter.Compare("k", FilterOperator.GT, 5.0)), semantics))
                .containsExactlyInAnyOrder("string", "other", "array", "object", "missing");
        assertThat(matching(rows, new Filter.Exists("k", false), semantics)).containsExactly("missing");
        assertThat(matching(rows, new Filter.Exists("k.v", true), semantics)).containsExactly("object");
    }

    private static List<String> matching(Map<String, Map<String, Object>> rows, Filter filter, MissingKeySemantics semantics) {
        MilvusExpression e = MilvusFilterMapper.scoped("t", null, filter);
        RowPredicate predicate = RowPredicate.compile(e.text(), MilvusFilterMapperTest::type, templates(e));
        return rows.entrySet().stream().filter(row -> {
            Map<String, Object> values = new HashMap<>();
            values.put("tenant", "t");
            values.put("timed", false);
            values.put("ts", 0L);
            values.put("filterable", jackson(FilterableMetadata.of(row.getValue()).toString()));
            return predicate.matches(values::get, semantics);
        }).map(Map.Entry::getKey).toList();
    }

    private static Object jackson(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(JsonParser.parseString(json).toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static DataType type(String field) {
        return switch (field) {
            case "pk", "id", "tenant", "placement" -> DataType.VarChar;
            case "metadata", "filterable" -> DataType.JSON;
            case "ts", "ts_nanos" -> DataType.Int64;
            case "timed" -> DataType.Bool;
            case "vector" -> DataType.FloatVector;
            default -> null;
        };
    }

    /** The template values exactly as MilvusClientV2 puts them on the wire. */
    private static Map<String, TemplateValue> templates(MilvusExpression e) {
        Map<String, TemplateValue> out = new HashMap<>();
        e.values().forEach((name, value) -> out.put(name, VectorUtils.deduceAndCreateTemplateValue(value)));
        return out;
    }

    @Test
    void should_refuse_a_malformed_expression_the_way_the_server_would() {
        // A guard that the helper above really parses: the fake refuses what Milvus refuses.
        assertThatThrownBy(() -> RowPredicate.compile("not filterable[\"s\"][\"k\"] == 1", MilvusFilterMapperTest::type, Map.of()))
                .isInstanceOf(MilvusStatusException.class);
    }
}
