package dev.partitiongateway.spi;

import java.util.Map;

/**
 * One search result.
 *
 * @param id        external id
 * @param placement name of the placement it came from
 * @param score     normalised score, higher is better (see {@link Metric})
 * @param raw       the backend's own score or distance, as it reported it
 * @param values    the vector, when asked for, else {@code null}
 * @param metadata  the metadata, when asked for, else empty
 */
public record Match(String id, String placement, float score, float raw, float[] values, Map<String, Object> metadata) {
    public Match {
        metadata = metadata == null ? Map.of() : metadata;
    }
}
