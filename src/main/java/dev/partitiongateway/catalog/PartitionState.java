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
    DRAINING(false, true),
    /**
     * Being copied to object storage by an archive job: still searched, but writes, fetches and deletes
     * of its ids are refused (409 PARTITION_ARCHIVED) so that the archive is exactly what it holds.
     */
    ARCHIVING(false, true, true),
    /** Its vectors are only in an archive; its placement is dropped. Searches skip it and say so; its ids stay registered. */
    ARCHIVED(false, false, true),
    /** Being streamed back from its archive by a restore job: not searched yet, still refused to writes. */
    RESTORING(false, false, true);

    private final boolean routable;
    private final boolean searchable;
    private final boolean archived;

    PartitionState(boolean routable, boolean searchable) {
        this(routable, searchable, false);
    }

    PartitionState(boolean routable, boolean searchable, boolean archived) {
        this.routable = routable;
        this.searchable = searchable;
        this.archived = archived;
    }

    /**
     * Whether an archive job owns it (archiving, archived or restoring): a write, fetch or delete of an
     * id registered in it, or routed to it, is refused with PARTITION_ARCHIVED.
     */
    public boolean archived() {
        return archived;
    }

    /** Whether writes may be placed in it. Exactly one routable shard of a key owns each id. */
    public boolean routable() {
        return routable;
    }

    /** Whether it may hold records a search, fetch or delete must see. */
    public boolean searchable() {
        return searchable;
    }

    /** The states an archive job owns ({@link #archived()}), by name, for queries of the directory. */
    public static List<String> archivedStates() {
        return Arrays.stream(values()).filter(PartitionState::archived).map(Enum::name).toList();
    }

    /** The searchable states, for queries of the directory. */
    public static List<PartitionState> searchableStates() {
        return Arrays.stream(values()).filter(PartitionState::searchable).toList();
    }
}
