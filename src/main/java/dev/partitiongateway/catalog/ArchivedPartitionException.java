package dev.partitiongateway.catalog;

import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.ErrorCode;

/**
 * 409 PARTITION_ARCHIVED: a write, fetch or delete names ids registered in (or routed to) a partition
 * whose vectors are only in an archive, or are on their way to or from one. Carries the partition, so
 * that a collection with {@code restoreOnAccess} can start its restore.
 */
public final class ArchivedPartitionException extends ApiException {

    private final transient PartitionView partition;

    public ArchivedPartitionException(PartitionView partition) {
        super(ErrorCode.PARTITION_ARCHIVED, "partition " + partition.placementName() + " is " + partition.state()
                + "; its vectors are in an archive and cannot be read or changed until it is restored "
                + "(POST /v1/admin/collections/" + partition.collection() + "/partitions/" + partition.placementName() + "/restore); nothing was changed");
        this.partition = partition;
    }

    public PartitionView partition() {
        return partition;
    }
}
