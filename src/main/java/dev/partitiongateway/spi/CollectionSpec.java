package dev.partitiongateway.spi;

import java.util.Objects;

/**
 * A collection as the backend sees it.
 *
 * @param name      gateway collection name: 1-63 of lower-case letters, digits and '_', starting with a letter
 * @param dimension number of floats in every vector, 1..4096
 * @param metric    similarity metric
 */
public record CollectionSpec(String name, int dimension, Metric metric) {
    public CollectionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(metric, "metric");
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be positive");
        }
    }
}
