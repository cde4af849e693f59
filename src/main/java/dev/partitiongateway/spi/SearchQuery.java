package dev.partitiongateway.spi;

import dev.partitiongateway.spi.filter.Filter;
import java.util.Objects;

/**
 * A nearest-neighbour query.
 *
 * @param vector          query vector, of the collection's dimension
 * @param topK            number of matches wanted, at least 1
 * @param filter          metadata filter, or {@code null} for none; the tenant scope is added by the adapter
 * @param includeValues   return each match's vector
 * @param includeMetadata return each match's metadata
 */
public record SearchQuery(float[] vector, int topK, Filter filter, boolean includeValues, boolean includeMetadata) {
    public SearchQuery {
        Objects.requireNonNull(vector, "vector");
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be at least 1");
        }
    }
}
