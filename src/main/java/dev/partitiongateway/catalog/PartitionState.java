package dev.partitiongateway.catalog;

import java.util.Arrays;
import java.util.List;

/**
 * Where a partition is in its life. Code asks what a state allows ({@link #routable()},
 * {@link #searchable()}) rather than naming states, so that a new state is a line here.
 */
public enum PartitionState {
    /** Readable and writable: new writes of the ids it owns go to it. */
    ACTIVE(true, true),
    /**
     * Being emptied into the routable shards of its key (a split, or a cancelled split moving back):
     * searched, fetched and deleted from, never chosen for a new write. Dropped once empty.
     */
    DRAINING(false, true);

    private final boolean routable;
    private final boolean searchable;

    PartitionState(boolean routable, boolean searchable) {
        this.routable = routable;
        this.searchable = searchable;
    }

    /** Whether writes may be placed in it. Exactly one routable shard of a key owns each id. */
    public boolean routable() {
        return routable;
    }

    /** Whether it may hold records a search, fetch or delete must see. */
    public boolean searchable() {
        return searchable;
    }

    /** The searchable states, for queries of the directory. */
    public static List<PartitionState> searchableStates() {
        return Arrays.stream(values()).filter(PartitionState::searchable).toList();
    }
}
