package dev.partitiongateway.catalog;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;

/** The immutable facts of a collection that the data path needs, as cached. */
public record CollectionView(String name, int dimension, Metric metric, String backend, PartitionStrategy strategy) {

    public CollectionSpec spec() {
        return new CollectionSpec(name, dimension, metric);
    }

    static CollectionView of(VectorCollection c) {
        return new CollectionView(c.name, c.dimension, c.metric, c.backend, c.strategy);
    }
}
