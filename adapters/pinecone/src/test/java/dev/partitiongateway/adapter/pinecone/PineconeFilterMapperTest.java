package dev.partitiongateway.adapter.pinecone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.partitiongateway.adapter.pinecone.fake.FakeMetadataFilter;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The translation is checked against Pinecone's semantics as the fake implements them: for random
 * filter trees over records with strings, numbers, booleans, arrays (mixed ones too), nested objects,
 * missing fields, look-alike types and timestamps, Pinecone evaluating the translated filter on the
 * stored metadata must agree exactly with the SPI semantics evaluated on the original record, under
 * both settings of the undocumented "$ne/$nin on a missing field" behaviour.
 */
class PineconeFilterMapperTest {

    private static final String TENANT = "tenant_a";
    private static final List<String> PATHS = List.of("genre", "year", "tags", "scores", "mixed", "flag", "author", "author.name",
            "author.age", "code", "nothing", "empty");
    private static final List<Object> VALUES = List.of("news", "sport", "x", "y", "1", "true", "a", 1.0, 2.0, 5.0, 2020.0, 2021.5,
            -3.0, 0.0, 30.0, true, false);

    private static List<VectorRecord> corpus() {
        List<VectorRecord> records = new ArrayList<>();
        Instant day = Instant.parse("2024-02-28T00:00:00Z");
        records.add(record("a", Map.of("genre", "news", "year", 2020, "tags", List.of("x", "y"), "scores", List.of(1, 5),
                "author", Map.of("name", "ann", "age", 30), "code", 1, "flag", false), day));
        records.add(record("b", Map.of("genre", "sport", "year", 2021.5, "tags", List.of("y"), "author", Map.of("name", "bob"),
                "code", "1", "flag", true), day.plusSeconds(3600)));
        records.add(record("c", Map.of("genre", "news", "scores", List.of(2), "mixed", List.of("a", 1, true, -3), "empty", List.of()),
                null));
        records.add(record("d", Map.of("year", 0, "mixed", List.of(false, "true"), "author", Map.of(), "code", true), day.minusMillis(1)));
        records.add(record("e", Map.of(), day.plusSeconds(86_400)));
        records.add(record("f", Map.of("genre", List.of(), "year", -0.0, "tags", "x", "scores", 5.0, "flag", "true"), null));
        return records;
    }

    private static VectorRecord record(String id, Map<String, Object> metadata, Instant timestamp) {
        return new VectorRecord(id, new float[] {1, 0}, metadata, timestamp);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void should_select_exactly_what_the_spi_semantics_select_whatever_pinecone_does_with_missing_fields(boolean negationsMatchMissing) {
        List<VectorRecord> records = corpus();
        List<Struct> stored = records.stream().map(r -> RecordMetadata.toStruct(TENANT, r)).toList();
        Random random = new Random(7);
        for (int i = 0; i < 3000; i++) {
            Filter filter = randomFilter(random, 3);
            FakeMetadataFilter pinecone = FakeMetadataFilter.parse(PineconeFilterMapper.scoped(TENANT, filter), negationsMatchMissing);
            for (int r = 0; r < records.size(); r++) {
                VectorRecord record = records.get(r);
                boolean expected = RecordFilter.matches(filter, record.metadata(), record.timestamp());
                assertThat(pinecone.matches(stored.get(r))).as("record %s with %s", record.id(), filter).isEqualTo(expected);
            }
        }
    }

    @Test
    void should_never_match_another_tenants_record() {
        VectorRecord record = corpus().get(0);
        Struct othersRecord = RecordMetadata.toStruct("tenant_b", record);
        Random random = new Random(11);
        for (int i = 0; i < 500; i++) {
            Filter filter = randomFilter(random, 3);
            assertThat(FakeMetadataFilter.parse(PineconeFilterMapper.scoped(TENANT, filter), true).matches(othersRecord))
                    .as("%s", filter).isFalse();
        }
        assertThat(FakeMetadataFilter.parse(PineconeFilterMapper.scoped(TENANT, null), true).matches(othersRecord)).isFalse();
    }

    @Test
    void should_rewrite_not_without_the_not_operator() {
        Struct translated = PineconeFilterMapper.scoped(TENANT,
                new Filter.Not(new Filter.And(List.of(eq("genre", "news"), new Filter.Compare("year", FilterOperator.GT, 2021.0)))));

        assertThat(translated.toString()).doesNotContain("$not");
        assertThat(operators(Value.newBuilder().setStructValue(translated).build(), new ArrayList<>()))
                .containsOnly("$and", "$or", "$eq", "$exists", "$ne", "$lte");
    }

    @Test
    void should_split_in_lists_longer_than_pinecones_10000_values() {
        List<Object> values = new ArrayList<>(IntStream.range(0, 25_000).mapToObj(i -> (Object) ("v" + i)).toList());
        values.add("news");
        Struct translated = PineconeFilterMapper.scoped(TENANT, new Filter.In("genre", values, false));

        FakeMetadataFilter pinecone = FakeMetadataFilter.parse(translated, true);
        assertThat(pinecone.matches(RecordMetadata.toStruct(TENANT, corpus().get(0)))).isTrue();
        assertThat(pinecone.matches(RecordMetadata.toStruct(TENANT, corpus().get(3)))).isFalse();
    }

    @Test
    void should_refuse_paths_that_could_only_reach_reserved_fields() {
        for (String path : List.of("pg:tenant", "num:year", "$or", "a..b", ".a", "")) {
            assertThatThrownBy(() -> PineconeFilterMapper.scoped(TENANT, eq(path, "x"))).as(path)
                    .isInstanceOf(BackendException.Rejected.class);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Filter eq(String field, Object value) {
        return new Filter.Compare(field, FilterOperator.EQ, value);
    }

    private static List<String> operators(Value value, List<String> into) {
        if (value.hasStructValue()) {
            value.getStructValue().getFieldsMap().forEach((k, v) -> {
                if (k.startsWith("$")) {
                    into.add(k);
                }
                operators(v, into);
            });
        } else if (value.hasListValue()) {
            value.getListValue().getValuesList().forEach(v -> operators(v, into));
        }
        return into;
    }

    private static Filter randomFilter(Random random, int depth) {
        int kind = random.nextInt(depth > 0 ? 9 : 6);
        String path = PATHS.get(random.nextInt(PATHS.size()));
        Object value = VALUES.get(random.nextInt(VALUES.size()));
        return switch (kind) {
            case 0 -> new Filter.Compare(path, random.nextBoolean() ? FilterOperator.EQ : FilterOperator.NE, value);
            case 1 -> {
                FilterOperator op = List.of(FilterOperator.GT, FilterOperator.GTE, FilterOperator.LT, FilterOperator.LTE).get(random.nextInt(4));
                yield new Filter.Compare(path, op, value instanceof Double d ? d : (double) random.nextInt(40) - 5);
            }
            case 2 -> {
                List<Object> values = new ArrayList<>();
                for (int i = 0; i <= random.nextInt(3); i++) {
                    values.add(VALUES.get(random.nextInt(VALUES.size())));
                }
                yield new Filter.In(path, values, random.nextBoolean());
            }
            case 3 -> new Filter.Exists(path, random.nextBoolean());
            case 4 -> {
                Instant from = random.nextBoolean() ? Instant.parse("2024-02-28T00:00:00Z").plusSeconds(random.nextInt(4) * 1800L) : null;
                Instant to = from == null || random.nextBoolean() ? Instant.parse("2024-02-29T00:00:00Z").minusSeconds(random.nextInt(3) * 3600L) : null;
                yield new Filter.TimeRange(from, to == null && from == null ? Instant.parse("2024-03-01T00:00:00Z") : to);
            }
            case 5 -> new Filter.Compare(path, FilterOperator.EQ, value);
            case 6 -> new Filter.Not(randomFilter(random, depth - 1));
            case 7 -> new Filter.And(List.of(randomFilter(random, depth - 1), randomFilter(random, depth - 1)));
            default -> new Filter.Or(List.of(randomFilter(random, depth - 1), randomFilter(random, depth - 1),
                    randomFilter(random, depth - 1)));
        };
    }
}
