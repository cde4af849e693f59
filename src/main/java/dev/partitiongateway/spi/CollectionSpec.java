package dev.partitiongateway.spi;

import java.util.Objects;

/**
 * A collection as the backend sees it.
 *
 * @param name          gateway collection name: 1-63 of lower-case letters, digits and '_', starting with a letter
 * @param dimension     number of floats in every vector, 1..4096
 * @param metric        similarity metric
 * @param sharedBuckets how many shared placements (hash buckets) the collection spreads small tenants over,
 *                      0 when it has none. A sizing hint (Milvus sizes its partition-key collection with it);
 *                      an adapter that needs no hint ignores it. Not part of a collection's identity:
 *                      {@link #sameShape} compares dimension and metric only.
 */
public record CollectionSpec(String name, int dimension, Metric metric, int sharedBuckets) {
    public CollectionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(metric, "metric");
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be positive");
        }
        if (sharedBuckets < 0) {
            throw new IllegalArgumentException("sharedBuckets must not be negative");
        }
    }

    /** A collection without shared buckets. */
    public CollectionSpec(String name, int dimension, Metric metric) {
        this(name, dimension, metric, 0);
    }

    /** Whether the two describe the same stored vectors: same name, dimension and metric. */
    public boolean sameShape(CollectionSpec other) {
        return name.equals(other.name) && dimension == other.dimension && metric == other.metric;
    }
}
