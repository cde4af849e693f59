package dev.partitiongateway.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FilterParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Filter parse(String json) {
        try {
            return FilterParser.parse(JSON.readTree(json.replace('\'', '"')));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void should_read_a_bare_value_as_eq_and_keep_types() {
        assertThat(parse("{'genre':'news'}")).isEqualTo(new Filter.Compare("genre", FilterOperator.EQ, "news"));
        assertThat(parse("{'year':2020}")).isEqualTo(new Filter.Compare("year", FilterOperator.EQ, 2020.0));
        assertThat(parse("{'draft':false}")).isEqualTo(new Filter.Compare("draft", FilterOperator.EQ, false));
    }

    @Test
    void should_and_several_keys_and_several_operators_on_one_field() {
        assertThat(parse("{'genre':'news','year':{'$gte':2020,'$lt':2024}}")).isEqualTo(new Filter.And(List.of(
                new Filter.Compare("genre", FilterOperator.EQ, "news"),
                new Filter.And(List.of(
                        new Filter.Compare("year", FilterOperator.GTE, 2020.0),
                        new Filter.Compare("year", FilterOperator.LT, 2024.0))))));
    }

    @Test
    void should_parse_every_operator() {
        Filter f = parse("{'$or':[{'a':{'$in':['x',1,true]}},{'b':{'$nin':['y']}},{'c':{'$exists':false}}],"
                + "'$and':[{'d':{'$ne':'z'}},{'e':{'$gt':1}},{'f':{'$lte':2,'$lt':3}}],'$not':{'g':{'$eq':'w'}},"
                + "'h.i':{'$not':{'$gte':3}}}");
        assertThat(f.operators()).isEqualTo(EnumSet.allOf(FilterOperator.class));
        assertThat(parse("{'a':{'$in':['x',1,true]}}")).isEqualTo(new Filter.In("a", List.of("x", 1.0, true), false));
        assertThat(parse("{'h.i':{'$not':{'$gte':3}}}"))
                .isEqualTo(new Filter.Not(new Filter.Compare("h.i", FilterOperator.GTE, 3.0)));
    }

    @Test
    void should_treat_absent_null_and_empty_filters_as_no_filter() {
        assertThat(FilterParser.parse(null)).isNull();
        assertThat(parse("{}")).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'a':{'$regex':'x'}}                 | filter.a.$regex is not a known operator",
            "{'$nor':[{'a':1}]}                   | filter.$nor is not a known operator",
            "{'$eq':1}                            | filter.$eq is a field operator",
            "{'a':{'$gt':'1'}}                    | filter.a.$gt takes a number",
            "{'a':{'$in':[]}}                     | filter.a.$in takes a non-empty array",
            "{'a':{'$in':[{'b':1}]}}              | filter.a.$in[0] must be a string, a number or a boolean",
            "{'a':[1,2]}                          | filter.a must be a string, a number or a boolean",
            "{'a':null}                           | filter.a must be a string, a number or a boolean",
            "{'a':{'$exists':1}}                  | filter.a.$exists takes true or false",
            "{'$and':{'a':1}}                     | filter.$and takes a non-empty array of filters",
            "{'$or':[]}                           | filter.$or takes a non-empty array of filters",
            "{'$or':[{}]}                         | filter.$or[0] must be a non-empty JSON object",
            "{'a':{}}                             | filter.a must hold at least one operator",
            "{'bad key':1}                        | filter.bad key is not a valid field path",
            "{'a':{'$and':[{'b':1}]}}             | filter.a.$and is a logical operator",
    })
    void should_refuse_with_the_path_of_the_problem(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(InvalidFilterException.class).hasMessageStartingWith(message.trim());
    }

    @Test
    void should_refuse_a_filter_that_is_not_an_object() throws Exception {
        JsonNode array = JSON.readTree("[{\"a\":1}]");
        assertThatThrownBy(() -> FilterParser.parse(array)).hasMessage("filter must be a non-empty JSON object");
    }

    @Test
    void should_refuse_filters_nested_too_deep_or_too_large() {
        String deep = "{'a':1}";
        for (int i = 0; i < FilterParser.MAX_DEPTH + 1; i++) {
            deep = "{'$not':" + deep + "}";
        }
        String tooDeep = deep;
        assertThatThrownBy(() -> parse(tooDeep)).hasMessageContaining("nested deeper than");
        StringBuilder wide = new StringBuilder("{'$or':[");
        for (int i = 0; i < FilterParser.MAX_NODES; i++) {
            wide.append(i == 0 ? "" : ",").append("{'a':").append(i).append('}');
        }
        String tooWide = wide.append("]}").toString();
        assertThatThrownBy(() -> parse(tooWide)).hasMessageContaining("larger than");
    }
}
