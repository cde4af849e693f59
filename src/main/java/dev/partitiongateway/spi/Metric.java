package dev.partitiongateway.spi;

/**
 * Similarity metric of a collection. Every adapter reports scores normalised so that a higher
 * score is a closer match, with these exact definitions, so that results from several placements
 * (or several backends) merge by plain descending order:
 * <ul>
 *   <li>{@link #COSINE}: the cosine similarity, in [-1, 1];</li>
 *   <li>{@link #DOT}: the dot product;</li>
 *   <li>{@link #L2}: {@code 1 / (1 + d²)} where {@code d²} is the squared Euclidean distance.</li>
 * </ul>
 */
public enum Metric {
    COSINE,
    L2,
    DOT;

    /** Normalised score for a squared Euclidean distance (see the class comment). */
    public static float l2Score(float squaredDistance) {
        return 1f / (1f + squaredDistance);
    }
}
