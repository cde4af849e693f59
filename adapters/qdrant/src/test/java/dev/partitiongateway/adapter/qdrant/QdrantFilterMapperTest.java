package dev.partitiongateway.adapter.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.FieldCondition;
import io.qdrant.client.grpc.Common.Range;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The translation of the SPI filter tree into Qdrant conditions, node by node. */
class QdrantFilterMapperTest {

    @Test
    void should_match_strings_as_keywords_on_the_string_copy() {
        QdrantFilterMapper.Translation t = translate(new Filter.Compare("genre", FilterOperator.EQ, "news"));

        FieldCondition field = t.condition().getField();
        assertThat(field.getKey()).isEqualTo("m_str.genre");
        assertThat(field.getMatch().getKeyword()).isEqualTo("news");
        assertThat(t.indexes()).isEqualTo(Map.of("m_str.genre", PayloadSchemaType.Keyword));
    }

    @Test
    void should_match_numbers_with_a_closed_range_on_the_number_copy_so_that_1_finds_1_0() {
        QdrantFilterMapper.Translation t = translate(new Filter.Compare("year", FilterOperator.EQ, 2020.0));

        FieldCondition field = t.condition().getField();
        assertThat(field.getKey()).isEqualTo("m_num.year");
        assertThat(field.hasMatch()).isFalse();
        assertThat(field.getRange()).isEqualTo(Range.newBuilder().setGte(2020.0).setLte(2020.0).build());
        assertThat(t.indexes()).isEqualTo(Map.of("m_num.year", PayloadSchemaType.Float));
    }

    @Test
    void should_fold_negative_zero_into_zero() {
        FieldCondition field = translate(new Filter.Compare("x", FilterOperator.EQ, -0.0)).condition().getField();

        assertThat(Double.doubleToRawLongBits(field.getRange().getGte())).isEqualTo(Double.doubleToRawLongBits(0.0));
    }

    @Test
    void should_match_booleans_on_the_boolean_copy() {
        QdrantFilterMapper.Translation t = translate(new Filter.Compare("draft", FilterOperator.EQ, true));

        assertThat(t.condition().getField().getKey()).isEqualTo("m_bool.draft");
        assertThat(t.condition().getField().getMatch().getBoolean()).isTrue();
        assertThat(t.indexes()).isEqualTo(Map.of("m_bool.draft", PayloadSchemaType.Bool));
    }

    @Test
    void should_translate_range_operators_with_their_own_bounds() {
        assertThat(range(FilterOperator.GT)).isEqualTo(Range.newBuilder().setGt(5).build());
        assertThat(range(FilterOperator.GTE)).isEqualTo(Range.newBuilder().setGte(5).build());
        assertThat(range(FilterOperator.LT)).isEqualTo(Range.newBuilder().setLt(5).build());
        assertThat(range(FilterOperator.LTE)).isEqualTo(Range.newBuilder().setLte(5).build());
    }

    @Test
    void should_negate_not_equal_with_must_not_so_that_missing_fields_match() {
        Condition ne = translate(new Filter.Compare("genre", FilterOperator.NE, "news")).condition();

        assertThat(ne.getFilter().getMustList()).isEmpty();
        assertThat(ne.getFilter().getMustNotList()).singleElement()
                .satisfies(c -> assertThat(c.getField().getMatch().getKeyword()).isEqualTo("news"));
    }

    @Test
    void should_spread_in_over_the_typed_copies_with_one_match_any_for_strings() {
        Condition in = translate(new Filter.In("code", List.of("a", "b", 1.0, true), false)).condition();

        List<Condition> any = in.getFilter().getShouldList();
        assertThat(any).hasSize(3);
        assertThat(any.get(0).getField().getKey()).isEqualTo("m_str.code");
        assertThat(any.get(0).getField().getMatch().getKeywords().getStringsList()).containsExactly("a", "b");
        assertThat(any.get(1).getField().getKey()).isEqualTo("m_num.code");
        assertThat(any.get(1).getField().getRange()).isEqualTo(Range.newBuilder().setGte(1).setLte(1).build());
        assertThat(any.get(2).getField().getKey()).isEqualTo("m_bool.code");
    }

    @Test
    void should_use_a_plain_keyword_match_for_a_single_string_in() {
        Condition in = translate(new Filter.In("code", List.of("a"), false)).condition();

        assertThat(in.getField().getMatch().getKeyword()).isEqualTo("a");
    }

    @Test
    void should_negate_not_in_with_must_not_rather_than_qdrants_except() {
        Condition nin = translate(new Filter.In("tags", List.of("x", "y"), true)).condition();

        assertThat(nin.getFilter().getMustNotList()).singleElement()
                .satisfies(c -> assertThat(c.getField().getMatch().getKeywords().getStringsList()).containsExactly("x", "y"));
        assertThat(nin.toString()).doesNotContain("except");
    }

    @Test
    void should_test_existence_on_the_list_of_paths() {
        QdrantFilterMapper.Translation present = translate(new Filter.Exists("author.age", true));
        Condition absent = translate(new Filter.Exists("author.age", false)).condition();

        assertThat(present.condition().getField().getKey()).isEqualTo("m_keys");
        assertThat(present.condition().getField().getMatch().getKeyword()).isEqualTo("author.age");
        assertThat(present.indexes()).isEqualTo(Map.of("m_keys", PayloadSchemaType.Keyword));
        assertThat(absent.getFilter().getMustNotList()).singleElement()
                .satisfies(c -> assertThat(c.getField().getKey()).isEqualTo("m_keys"));
    }

    @Test
    void should_nest_and_or_and_not_as_must_should_and_must_not() {
        Filter tree = new Filter.And(List.of(
                new Filter.Or(List.of(new Filter.Compare("a", FilterOperator.EQ, "x"), new Filter.Compare("b", FilterOperator.EQ, true))),
                new Filter.Not(new Filter.Compare("c", FilterOperator.GT, 1.0))));

        QdrantFilterMapper.Translation t = translate(tree);

        List<Condition> must = t.condition().getFilter().getMustList();
        assertThat(must).hasSize(2);
        assertThat(must.get(0).getFilter().getShouldList()).extracting(c -> c.getField().getKey()).containsExactly("m_str.a", "m_bool.b");
        assertThat(must.get(1).getFilter().getMustNotList()).extracting(c -> c.getField().getKey()).containsExactly("m_num.c");
        assertThat(t.indexes()).containsOnlyKeys("m_str.a", "m_bool.b", "m_num.c");
    }

    @Test
    void should_translate_the_record_time_range_to_a_half_open_range_on_the_timestamp() {
        Instant from = Instant.parse("2024-02-28T00:00:00Z");
        Instant to = Instant.parse("2024-02-29T00:00:00Z");

        QdrantFilterMapper.Translation t = translate(new Filter.TimeRange(from, to));
        QdrantFilterMapper.Translation open = translate(new Filter.TimeRange(null, to));

        assertThat(t.condition().getField().getKey()).isEqualTo("timestamp");
        assertThat(t.condition().getField().getRange())
                .isEqualTo(Range.newBuilder().setGte(from.toEpochMilli()).setLt(to.toEpochMilli()).build());
        assertThat(open.condition().getField().getRange()).isEqualTo(Range.newBuilder().setLt(to.toEpochMilli()).build());
        assertThat(t.indexes()).isEqualTo(Map.of("timestamp", PayloadSchemaType.Integer));
    }

    @Test
    void should_follow_dotted_paths_and_quote_segments_qdrant_would_misread() {
        assertThat(QdrantFilterMapper.typedKey("m_str", "author.name")).isEqualTo("m_str.author.name");
        assertThat(QdrantFilterMapper.typedKey("m_str", "first-name")).isEqualTo("m_str.first-name");
        assertThat(QdrantFilterMapper.typedKey("m_str", "a b.c[0]")).isEqualTo("m_str.\"a b\".\"c[0]\"");
    }

    @Test
    void should_refuse_paths_qdrant_cannot_address() {
        assertThatThrownBy(() -> QdrantFilterMapper.typedKey("m_str", "a..b")).isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> QdrantFilterMapper.typedKey("m_str", "say\"hi")).isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> QdrantFilterMapper.typedKey("m_str", "back\\slash")).isInstanceOf(BackendException.Rejected.class);
    }

    private static Range range(FilterOperator op) {
        FieldCondition field = translate(new Filter.Compare("n", op, 5.0)).condition().getField();
        assertThat(field.getKey()).isEqualTo("m_num.n");
        return field.getRange();
    }

    @Test
    void should_turn_conditions_on_a_field_no_record_holds_into_no_match_and_need_no_index_for_it() {
        Filter filter = new Filter.And(List.of(new Filter.Compare("genre", FilterOperator.EQ, "news"),
                new Filter.Compare("colour", FilterOperator.NE, "red"), new Filter.In("colour", List.of("red", 1.0, true), false)));

        QdrantFilterMapper.Translation t = translate(filter).without(java.util.Set.of("colour"));

        List<Condition> must = t.condition().getFilter().getMustList();
        assertThat(must.get(0).getField().getKey()).isEqualTo("m_str.genre");
        assertThat(must.get(1).getFilter().getMustNot(0)).isEqualTo(QdrantFilterMapper.NOTHING);
        assertThat(must.get(2).getFilter().getShouldList()).containsOnly(QdrantFilterMapper.NOTHING);
        assertThat(t.indexes()).isEqualTo(Map.of("m_str.genre", PayloadSchemaType.Keyword));
        assertThat(QdrantFilterMapper.NOTHING.getHasId().getHasIdCount()).isZero();
    }

    @Test
    void should_name_the_field_of_every_metadata_key_it_needs_an_index_on() {
        QdrantFilterMapper.Translation t = translate(new Filter.Or(List.of(new Filter.Compare("a.b", FilterOperator.EQ, 1.0),
                new Filter.Compare("c", FilterOperator.EQ, true), new Filter.Exists("d", true))));

        assertThat(t.fields()).isEqualTo(Map.of("m_num.a.b", "a.b", "m_bool.c", "c"));
        assertThat(t.indexes()).containsKey("m_keys");
    }

    private static QdrantFilterMapper.Translation translate(Filter filter) {
        return QdrantFilterMapper.translate(filter);
    }
}
