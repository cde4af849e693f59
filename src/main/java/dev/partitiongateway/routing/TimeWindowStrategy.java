package dev.partitiongateway.routing;

import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.catalog.Partitioning;
import dev.partitiongateway.catalog.TimeWindow;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * {@code TENANT_TIME}: a record goes to its tenant's partition for the calendar window (UTC) of its
 * timestamp (now when it has none). A timestamp already past the retention horizon, or further in the
 * future than the allowed clock skew, is refused: it would land in a window retention drops, or one
 * nobody expects yet.
 */
final class TimeWindowStrategy implements PartitioningStrategy {

    private final Partitioning.TenantTime partitioning;
    private final Duration maxFutureSkew;

    TimeWindowStrategy(Partitioning.TenantTime partitioning, Duration maxFutureSkew) {
        this.partitioning = partitioning;
        this.maxFutureSkew = maxFutureSkew;
    }

    @Override
    public VectorRecord prepare(VectorRecord record, Instant now, String field) {
        Instant timestamp = record.timestamp() == null ? now.truncatedTo(ChronoUnit.MILLIS) : record.timestamp();
        if (partitioning.retentionDays() != null) {
            Instant horizon = now.minus(Duration.ofDays(partitioning.retentionDays()));
            if (timestamp.isBefore(horizon)) {
                throw ApiException.invalid(field + ".timestamp", timestamp + " is past the collection's retention of "
                        + partitioning.retentionDays() + " days (nothing older than " + horizon + " is kept)");
            }
        }
        if (timestamp.isAfter(now.plus(maxFutureSkew))) {
            throw ApiException.invalid(field + ".timestamp", timestamp + " is more than " + maxFutureSkew.toSeconds()
                    + " s in the future (gateway.time-windows.max-future-skew)");
        }
        return timestamp.equals(record.timestamp()) ? record
                : new VectorRecord(record.id(), record.values(), record.metadata(), timestamp);
    }

    @Override
    public PartitionKey keyFor(VectorRecord record, String tenantId) {
        return new PartitionKey.Window(TimeWindow.of(partitioning.granularity(), record.timestamp()));
    }

    @Override
    public Optional<String> pruned(PartitionView partition, Instant from, Instant to, Filter filter) {
        if (partition.windowStart() == null || new TimeWindow(partition.windowStart(), partition.windowEnd(), "").overlaps(from, to)) {
            return Optional.empty();
        }
        return Optional.of("window " + describe(partition) + " is outside the time range");
    }

    @Override
    public String describe(PartitionView partition) {
        return "[" + partition.windowStart() + ", " + partition.windowEnd() + ")";
    }
}
