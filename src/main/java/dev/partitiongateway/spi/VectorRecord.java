package dev.partitiongateway.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One vector with its external id.
 *
 * @param id        the client's id, 1-512 characters, unique per placement and tenant
 * @param values    the vector; {@code null} when a read did not ask for values
 * @param metadata  a JSON object as nested {@code Map<String,Object>}, {@code List<Object>}, {@code String},
 *                  {@code Number} and {@code Boolean}; empty when none was given or not asked for
 * @param timestamp the record's event time, or {@code null}
 */
public record VectorRecord(String id, float[] values, Map<String, Object> metadata, Instant timestamp) {
    public VectorRecord {
        Objects.requireNonNull(id, "id");
        metadata = metadata == null ? Map.of() : metadata;
    }

    public VectorRecord(String id, float[] values, Map<String, Object> metadata) {
        this(id, values, metadata, null);
    }
}
