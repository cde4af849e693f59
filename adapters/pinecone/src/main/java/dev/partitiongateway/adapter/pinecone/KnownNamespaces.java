package dev.partitiongateway.adapter.pinecone;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this process knows about the namespaces of one index host, so that data calls do not ask
 * Pinecone whether a namespace exists every time, and so that Pinecone's lag cannot bring a dropped
 * placement back.
 *
 * <p>Pinecone creates a namespace on its first upsert and shows a deletion only after a delay. So a
 * namespace counts as existing once it was ensured here or seen by {@code describeNamespace}, and a
 * namespace dropped here counts as gone at once, whatever Pinecone still shows, until it is ensured
 * again. Another gateway replica learns of a drop only when Pinecone shows it; the directory stops
 * routing to a dropped partition anyway.
 */
final class KnownNamespaces {

    /** Drops remembered at most; the oldest are forgotten first (by then Pinecone shows them). */
    private static final int MAX_DROPPED = 100_000;

    private final Set<String> existing = ConcurrentHashMap.newKeySet();
    private final Set<String> dropped = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_DROPPED;
        }
    }));

    boolean exists(String namespace) {
        return existing.contains(namespace);
    }

    boolean dropped(String namespace) {
        return dropped.contains(namespace);
    }

    void ensured(String namespace) {
        dropped.remove(namespace);
        existing.add(namespace);
    }

    /** Seen by Pinecone; ignored for a namespace dropped here whose deletion Pinecone does not show yet. */
    void seen(String namespace) {
        if (!dropped.contains(namespace)) {
            existing.add(namespace);
        }
    }

    void drop(String namespace) {
        existing.remove(namespace);
        dropped.add(namespace);
    }
}
