package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The translation from filter trees to Lucene queries, run against a small in-memory index of
 * documents built exactly as the backend builds them. The shared contract covers the operators
 * end to end; this covers the Lucene-specific edges (bounds, signed zero, long strings, big sets).
 */
class LuceneFilterMapperTest {

    private static final String LONG_A = "a".repeat(5000);
    private static final String LONG_B = "a".repeat(4999) + "b";

    private ByteBuffersDirectory directory;
    private DirectoryReader reader;
    private IndexSearcher searcher;

    @BeforeEach
    void indexRecords() throws IOException {
        directory = new ByteBuffersDirectory();
        try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig())) {
            add(writer, "t1", "one", Map.of("n", 1.0, "s", "x"));
            add(writer, "t1", "next_after_one", Map.of("n", Math.nextUp(1.0)));
            add(writer, "t1", "negative_zero", Map.of("n", -0.0));
            add(writer, "t1", "long_a", Map.of("s", LONG_A));
            add(writer, "t1", "no_metadata", Map.of());
            add(writer, "t2", "other_tenant", Map.of("n", 1.0, "s", "x"));
            add(writer, "t1", "dotted", Map.of("a.b", "literal", "a", Map.of("c", "nested")));
        }
        reader = DirectoryReader.open(directory);
        searcher = new IndexSearcher(reader);
    }

    @AfterEach
    void close() throws IOException {
        reader.close();
        directory.close();
    }

    @Test
    void should_map_no_filter_to_match_all() {
        assertThat(LuceneFilterMapper.map(null)).isInstanceOf(MatchAllDocsQuery.class);
    }

    @Test
    void should_negate_as_match_all_minus_the_positive_query() {
        Query ne = LuceneFilterMapper.map(new Filter.Compare("s", FilterOperator.NE, "x"));

        assertThat(ne).isInstanceOf(BooleanQuery.class);
        List<BooleanClause> clauses = ((BooleanQuery) ne).clauses();
        assertThat(clauses).extracting(BooleanClause::getOccur).containsExactly(BooleanClause.Occur.FILTER, BooleanClause.Occur.MUST_NOT);
        assertThat(clauses.get(0).getQuery()).isInstanceOf(MatchAllDocsQuery.class);
        assertThat(matches(ne)).contains("no_metadata", "negative_zero").doesNotContain("one");
    }

    @Test
    void should_exclude_the_bound_itself_but_not_the_next_double_in_exclusive_ranges() {
        assertThat(matches(new Filter.Compare("n", FilterOperator.GT, 1.0))).containsExactlyInAnyOrder("next_after_one");
        assertThat(matches(new Filter.Compare("n", FilterOperator.GTE, 1.0))).containsExactlyInAnyOrder("one", "next_after_one");
        assertThat(matches(new Filter.Compare("n", FilterOperator.LT, Math.nextUp(1.0)))).containsExactlyInAnyOrder("one", "negative_zero");
        assertThat(matches(new Filter.Compare("n", FilterOperator.LT, 1.0))).containsExactlyInAnyOrder("negative_zero");
        assertThat(matches(new Filter.Compare("n", FilterOperator.LTE, 1.0))).containsExactlyInAnyOrder("one", "negative_zero");
    }

    @Test
    void should_treat_negative_zero_as_zero() {
        assertThat(matches(new Filter.Compare("n", FilterOperator.EQ, 0.0))).containsExactly("negative_zero");
        assertThat(matches(new Filter.Compare("n", FilterOperator.LTE, -0.0))).containsExactly("negative_zero");
        assertThat(matches(new Filter.Compare("n", FilterOperator.GT, -0.0))).containsExactlyInAnyOrder("one", "next_after_one");
        assertThat(matches(new Filter.Compare("n", FilterOperator.LT, 0.0))).isEmpty();
    }

    @Test
    void should_match_strings_longer_than_a_lucene_term_exactly() {
        assertThat(matches(new Filter.Compare("s", FilterOperator.EQ, LONG_A))).containsExactly("long_a");
        assertThat(matches(new Filter.Compare("s", FilterOperator.EQ, LONG_B))).isEmpty();
        assertThat(matches(new Filter.In("s", List.of(LONG_B, LONG_A), false))).containsExactly("long_a");
    }

    @Test
    void should_accept_an_in_list_longer_than_the_boolean_clause_limit() {
        List<Object> values = IntStream.range(0, IndexSearcher.getMaxClauseCount() + 10).mapToObj(i -> (Object) ("v" + i)).toList();
        List<Object> withX = new ArrayList<>(values);
        withX.add("x");
        List<Object> numbers = IntStream.range(2, IndexSearcher.getMaxClauseCount() + 10).mapToObj(i -> (Object) (double) i).toList();

        assertThat(matches(new Filter.In("s", withX, false))).containsExactly("one");
        assertThat(matches(new Filter.In("n", numbers, false))).isEmpty();
        assertThat(matches(new Filter.In("s", values, true))).contains("one", "no_metadata");
    }

    @Test
    void should_match_mixed_type_in_lists_per_type() {
        assertThat(matches(new Filter.In("n", List.of("1", 1.0, true), false))).containsExactly("one");
        assertThat(matches(new Filter.In("s", List.of(1.0, "x"), false))).containsExactly("one");
    }

    @Test
    void should_restrict_every_query_to_the_tenant() {
        assertThat(matches(new Filter.Compare("s", FilterOperator.EQ, "x"))).containsExactly("one");
        assertThat(matches(new Filter.Exists("n", false))).doesNotContain("other_tenant");
        assertThat(matchesFor("t2", null)).containsExactly("other_tenant");
    }

    @Test
    void should_address_nested_objects_by_dotted_path() {
        assertThat(matches(new Filter.Compare("a.c", FilterOperator.EQ, "nested"))).containsExactly("dotted");
        assertThat(matches(new Filter.Exists("a", true))).containsExactly("dotted");
        assertThat(matches(new Filter.Exists("a.c", true))).containsExactly("dotted");
        // A key that itself contains a dot is addressed by the same path as nesting would give it.
        assertThat(matches(new Filter.Compare("a.b", FilterOperator.EQ, "literal"))).containsExactly("dotted");
    }

    private Set<String> matches(Filter filter) {
        return matchesFor("t1", filter);
    }

    private Set<String> matches(Query query) {
        try {
            ScoreDoc[] hits = searcher.search(query, 100).scoreDocs;
            StoredFields stored = searcher.storedFields();
            Set<String> ids = new HashSet<>();
            for (ScoreDoc hit : hits) {
                ids.add(stored.document(hit.doc).get(RecordDocument.ID));
            }
            return ids;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Set<String> matchesFor(String tenant, Filter filter) {
        return matches(LuceneFilterMapper.scoped(tenant, filter));
    }

    private static void add(IndexWriter writer, String tenant, String id, Map<String, Object> metadata) throws IOException {
        writer.addDocument(RecordDocument.toDocument(tenant, new VectorRecord(id, new float[] {1, 0}, metadata),
                VectorSimilarityFunction.EUCLIDEAN));
    }
}
