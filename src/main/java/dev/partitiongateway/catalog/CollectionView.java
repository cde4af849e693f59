package dev.partitiongateway.catalog;

import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import java.time.Instant;

/**
 * The facts of a collection that the data path needs, as cached.
 *
 * @param createdAt tells two collections of the same name apart (one dropped, the other created later)
 */
public record CollectionView(String name, int dimension, Metric metric, String backend, Partitioning partitioning, Instant createdAt) {

    public PartitionStrategy strategy() {
        return partitioning.strategy();
    }

    public CollectionSpec spec() {
        return new CollectionSpec(name, dimension, metric, partitioning instanceof Partitioning.SharedHash h ? h.buckets() : 0);
    }

    /** Whether both describe the same collection (not one dropped and created again under the same name). */
    public boolean sameIncarnation(CollectionView other) {
        return name.equals(other.name) && createdAt.equals(other.createdAt);
    }

    static CollectionView of(VectorCollection c) {
        return new CollectionView(c.name, c.dimension, c.metric, c.backend, Partitioning.fromStored(c.partitioning), c.createdAt);
    }
}
