package dev.partitiongateway.catalog;

public enum PartitionState {
    /** Readable and writable. */
    ACTIVE
}
