package dev.partitiongateway.adapter.pinecone;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this process knows about the namespaces of one index host, so that reads do not ask Pinecone
 * whether a namespace exists every time, and so that Pinecone's lag cannot bring back a placement
 * dropped here.
 *
 * <p>Reads trust a namespace once it was ensured here or seen by {@code describeNamespace}: a read in
 * a namespace that another gateway replica has dropped since finds nothing, and changes nothing.
 * Writes do not trust it: Pinecone creates a missing namespace on upsert, so a write into a namespace
 * another replica dropped would bring that placement back. Every upsert therefore asks Pinecone
 * first (see {@code PineconeBackend#requireNamespaceForWrite}), and what it learns is recorded here.
 *
 * <p>A namespace dropped here counts as gone at once, whatever Pinecone still shows, until it is
 * ensured again. Another replica learns of a drop from Pinecone, so during Pinecone's lag after a drop
 * (usually seconds) a write through another replica can still recreate the namespace.
 *
 * <p>Namespaces ensured here are also remembered as the gateway's own, so that dropping a collection
 * deletes them even before their {@link NamespaceMarker} is visible in Pinecone.
 */
final class KnownNamespaces {

    /** Drops remembered at most; the oldest are forgotten first (by then Pinecone shows them). */
    private static final int MAX_DROPPED = 100_000;

    private final Set<String> existing = ConcurrentHashMap.newKeySet();
    private final Set<String> ensuredHere = ConcurrentHashMap.newKeySet();
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

    /** Whether this process created (or confirmed) the namespace as a placement of the gateway. */
    boolean ensuredHere(String namespace) {
        return ensuredHere.contains(namespace);
    }

    void ensured(String namespace) {
        dropped.remove(namespace);
        existing.add(namespace);
        ensuredHere.add(namespace);
    }

    /** Seen by Pinecone; ignored for a namespace dropped here whose deletion Pinecone does not show yet. */
    void seen(String namespace) {
        if (!dropped.contains(namespace)) {
            existing.add(namespace);
        }
    }

    /** Pinecone says the namespace does not exist (another replica dropped it). */
    void gone(String namespace) {
        existing.remove(namespace);
        ensuredHere.remove(namespace);
    }

    void drop(String namespace) {
        existing.remove(namespace);
        ensuredHere.remove(namespace);
        dropped.add(namespace);
    }
}
