package dev.partitiongateway.archive;

import dev.partitiongateway.spi.CollectionSpec;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an archive holds, as its manifest will say.
 *
 * @param collection    the collection's name, dimension and metric
 * @param partitionId   the partition's id in the catalog
 * @param placement     the partition's placement name (a directory name in the archive key layout)
 * @param strategy      the partitioning strategy and the partition's key fields (window, bucket, attribute
 *                      value...), as JSON values; free form, restored as it was given
 * @param tenant        the partition's tenant, or {@code null} for a partition of several tenants (a shared bucket)
 * @param sourceBackend the backend kind the records are read from ({@code lucene}, {@code milvus}...)
 */
public record ArchiveHeader(CollectionSpec collection, long partitionId, String placement, Map<String, Object> strategy,
                            String tenant, String sourceBackend) {

    /** Collection and placement names as the gateway makes them; safe as path segments on every store. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,199}");

    public ArchiveHeader {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(sourceBackend, "sourceBackend");
        strategy = strategy == null ? Map.of() : strategy;
        if (!NAME.matcher(collection.name()).matches()) {
            throw new IllegalArgumentException("invalid collection name: " + collection.name());
        }
        if (placement == null || !NAME.matcher(placement).matches()) {
            throw new IllegalArgumentException("invalid placement name: " + placement);
        }
    }
}
