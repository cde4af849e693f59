package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.Metric;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The Lucene similarity for each SPI {@link Metric}, and the inverse of the score scaling Lucene
 * applies, so that scores merge with those of other placements and backends.
 */
final class LuceneSimilarity {

    private LuceneSimilarity() {
    }

    static VectorSimilarityFunction of(Metric metric) {
        return switch (metric) {
            case COSINE -> VectorSimilarityFunction.COSINE;
            case L2 -> VectorSimilarityFunction.EUCLIDEAN;
            // DOT_PRODUCT assumes unit vectors; the SPI's DOT takes any vector.
            case DOT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
        };
    }

    /** The SPI score (see {@link Metric}) for a score as Lucene reports it for {@code metric}. */
    static float normalised(Metric metric, float luceneScore) {
        return switch (metric) {
            // Lucene reports (1 + cos) / 2.
            case COSINE -> 2f * luceneScore - 1f;
            // Lucene reports 1 / (1 + d²), which is already the SPI's definition.
            case L2 -> luceneScore;
            // Lucene reports dot < 0 ? 1 / (1 - dot) : dot + 1, so scores below 1 are negative dots.
            case DOT -> luceneScore < 1f ? 1f - 1f / luceneScore : luceneScore - 1f;
        };
    }
}
