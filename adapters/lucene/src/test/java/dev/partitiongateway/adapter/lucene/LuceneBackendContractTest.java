package dev.partitiongateway.adapter.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import dev.partitiongateway.spi.filter.FilterOperator;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The shared contract on a fresh Lucene root per test, plus what only Lucene promises. */
class LuceneBackendContractTest extends VectorBackendContract {

    @TempDir
    Path root;

    @Override
    protected VectorBackend openBackend() {
        return new LuceneBackend(root);
    }

    @Test
    void should_declare_strong_consistency_and_every_filter_operator() {
        assertThat(backend().kind()).isEqualTo("lucene");
        assertThat(backend().capabilities().consistency()).isEqualTo(Consistency.STRONG);
        assertThat(backend().capabilities().filterOperators()).isEqualTo(EnumSet.allOf(FilterOperator.class));
        assertThat(backend().capabilities().multiPlacementSearch()).isTrue();
        assertThat(backend().capabilities().maxBatchSize()).isEqualTo(10_000);
        assertThat(backend().capabilities().maxIdLength()).isEqualTo(512);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void should_report_the_score_lucene_computed_as_raw(Metric metric) {
        Placement placement = newPlacement(newCollection(metric), "main", "tenant_a");
        Random random = new Random(3);
        float[] stored = randomVector(random);
        float[] query = randomVector(random);
        upsert(placement, new VectorRecord("only", stored, Map.of()));

        Match match = backend().search(List.of(placement), new SearchQuery(query, 1, null, false, false)).get(0);

        double score = exactScore(metric, query, stored);
        double expectedRaw = switch (metric) {
            case COSINE -> (1 + score) / 2;
            case L2 -> score;
            case DOT -> score < 0 ? 1 / (1 - score) : score + 1;
        };
        assertThat((double) match.raw()).isCloseTo(expectedRaw, within(1e-5));
        assertThat((double) match.score()).isCloseTo(score, within(1e-5));
    }

    @Test
    void should_rank_negative_dot_products_below_positive_ones() {
        Placement placement = newPlacement(newCollection(Metric.DOT), "main", "tenant_a");
        float[] query = vector(1, 0, 0, 0, 0, 0, 0, 0);
        upsert(placement,
                new VectorRecord("minus_two", vector(-2, 0, 0, 0, 0, 0, 0, 0), Map.of()),
                new VectorRecord("minus_half", vector(-0.5f, 0, 0, 0, 0, 0, 0, 0), Map.of()),
                new VectorRecord("zero", vector(0, 1, 0, 0, 0, 0, 0, 0), Map.of()),
                new VectorRecord("three", vector(3, 0, 0, 0, 0, 0, 0, 0), Map.of()));

        List<Match> matches = backend().search(List.of(placement), new SearchQuery(query, 4, null, false, false));

        assertThat(matches).extracting(Match::id).containsExactly("three", "zero", "minus_half", "minus_two");
        float[] expected = {3f, 0f, -0.5f, -2f};
        for (int i = 0; i < expected.length; i++) {
            assertThat(matches.get(i).score()).isCloseTo(expected[i], within(1e-5f));
        }
    }

    @Test
    void should_reject_the_zero_vector_for_cosine() {
        Placement placement = newPlacement(newCollection(Metric.COSINE), "main", "tenant_a");

        assertThatThrownBy(() -> backend().upsert(placement, List.of(new VectorRecord("zero", new float[DIM], Map.of()))))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> backend().search(List.of(placement), new SearchQuery(new float[DIM], 1, null, false, false)))
                .isInstanceOf(BackendException.Rejected.class);
    }

    @Test
    void should_reject_metadata_numbers_that_are_not_finite_and_write_nothing() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");

        assertThatThrownBy(() -> backend().upsert(placement, List.of(
                record("fine", 1),
                new VectorRecord("nan", randomVector(new Random(2)), Map.of("x", Map.of("y", Double.NaN))))))
                .isInstanceOf(BackendException.Rejected.class);

        assertThat(backend().count(placement, null)).isZero();
    }

    @Test
    void should_write_nothing_and_stay_usable_when_lucene_refuses_part_of_a_batch() {
        CollectionSpec collection = newCollection(Metric.L2);
        Placement other = newSharedPlacement(collection, "main", "tenant_a");
        upsert(other, record("kept", 1));
        // Lucene refuses terms over 32766 bytes: with this tenant the first key fits and the second does not,
        // so the failure comes from inside the writer after part of the batch was added.
        Placement hugeTenant = newSharedPlacement(collection, "main", "t".repeat(32_000));
        VectorRecord fits = record("a", 2);
        upsert(hugeTenant, fits);
        VectorRecord fitsAgain = record("a", 5);
        VectorRecord tooLong = new VectorRecord("\u00e9".repeat(512), randomVector(new Random(3)), Map.of());

        assertThatThrownBy(() -> backend().upsert(hugeTenant, List.of(fitsAgain, tooLong))).isInstanceOf(BackendException.Rejected.class);

        // Nothing of the refused batch: neither its new copy of "a" nor the deletion of the old one.
        assertThat(backend().count(hugeTenant, null)).isEqualTo(1);
        assertThat(backend().fetch(hugeTenant, List.of("a"))).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(fits.values()));
        assertThat(backend().count(other, null)).isEqualTo(1);
        upsert(other, record("after", 4));
        assertThat(backend().count(other, null)).isEqualTo(2);
        assertThat(backend().count(hugeTenant, null)).isEqualTo(1);
    }

    @Test
    void should_keep_the_last_record_of_an_id_named_twice_in_one_batch() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        VectorRecord first = record("x", 1);
        VectorRecord last = record("x", 2);

        backend().upsert(placement, List.of(first, record("y", 3), last));

        assertThat(backend().count(placement, null)).isEqualTo(2);
        assertThat(backend().fetch(placement, List.of("x"))).singleElement()
                .satisfies(r -> assertThat(r.values()).containsExactly(last.values()));
    }

    @Test
    void should_reject_collection_names_that_are_not_safe_folder_names() {
        assertThatThrownBy(() -> backend().ensureCollection(new CollectionSpec("../escape", DIM, Metric.L2)))
                .isInstanceOf(BackendException.Rejected.class);
        assertThat(root.getParent().resolve("escape")).doesNotExist();
    }

    @Test
    void should_fail_as_unavailable_after_close() {
        Placement placement = newPlacement(newCollection(Metric.L2), "main", "tenant_a");
        VectorBackend closed = new LuceneBackend(root.resolve("other"));
        closed.close();

        assertThat(closed.health().up()).isFalse();
        assertThatThrownBy(() -> closed.count(placement, null)).isInstanceOf(BackendException.Unavailable.class);
    }
}
