package dev.partitiongateway.spi;

import java.util.Collection;
import java.util.List;

/**
 * One vector database, as the gateway uses it.
 *
 * <h2>Lifecycle and threading</h2>
 * An instance is created by its {@link VectorBackendFactory} once per gateway process, used from
 * many threads at once, and {@linkplain #close() closed} at shutdown. Every method is synchronous
 * and may block on I/O. A networked adapter bounds each call with a deadline from its own settings
 * ({@code gateway.<kind>.*}) and reports an overrun as {@link BackendException.Timeout}; the core adds
 * its own deadline around fan-out searches.
 *
 * <h2>Tenant scope</h2>
 * Every data call names a {@link Placement} whose {@code tenant} is the caller's tenant. The adapter
 * stores that tenant with each record and restricts every read, count, scan and delete to it, in
 * addition to any filter the caller gave. Two tenants may therefore use the same ids in one placement.
 *
 * <h2>Failures</h2>
 * Only {@link BackendException} subclasses leave these methods (plus {@link IllegalArgumentException}
 * for a call that breaks this contract). A data call on a placement that was never ensured, or was
 * dropped, throws {@link BackendException.NotFound}.
 */
public interface VectorBackend extends AutoCloseable {

    /** The backend's configuration name, e.g. {@code lucene}, {@code milvus}. */
    String kind();

    Capabilities capabilities();

    /** Creates the collection if it does not exist. Idempotent; an existing one with another dimension or metric is {@link BackendException.Rejected}. */
    void ensureCollection(CollectionSpec spec);

    /** Removes the collection and every placement in it. Idempotent. */
    void dropCollection(CollectionSpec spec);

    /** Creates the placement if it does not exist. Idempotent. In a collection that was never ensured: {@link BackendException.NotFound}. */
    void ensurePartition(Placement placement);

    /** Removes the placement and every record in it, for all tenants. Idempotent. */
    void dropPartition(Placement placement);

    /** Inserts or replaces records by id. All records have the collection's dimension; ids are distinct. */
    void upsert(Placement placement, List<VectorRecord> records);

    /**
     * The {@code query.topK()} best matches over the given placements (all of one collection), best
     * first; an empty list of placements gives an empty result. With more than one placement the
     * backend must report {@link Capabilities#multiPlacementSearch()}. A query vector of the wrong
     * dimension, or an all-zero one for {@link Metric#COSINE}, is {@link BackendException.Rejected}.
     */
    List<Match> search(List<Placement> placements, SearchQuery query);

    /**
     * Whether a {@link #search} of these placements would run from memory now: no network call, no file to
     * open, no log to replay, no index to refresh. The gateway then serves the search on the I/O thread that
     * read the request instead of handing it to a worker thread. A hint, read without waiting; a search
     * must still work when it turns out wrong. {@code false} (the default) always hands the search over.
     */
    default boolean searchesFromMemory(List<Placement> placements) {
        return false;
    }

    /** The records with these ids that exist, with values and metadata, in no particular order. */
    List<VectorRecord> fetch(Placement placement, Collection<String> ids);

    /** Deletes the records with these ids; returns how many existed. */
    long delete(Placement placement, Collection<String> ids);

    /** Deletes every record of the tenant that matches the filter ({@code null}: all of the tenant's records); returns how many. */
    long deleteByFilter(Placement placement, dev.partitiongateway.spi.filter.Filter filter);

    /** Number of the tenant's records in the placement that match the filter ({@code null}: all). Exact. */
    long count(Placement placement, dev.partitiongateway.spi.filter.Filter filter);

    /** A cursor over the tenant's records in the placement. */
    RecordCursor scan(Placement placement, ScanRequest request);

    BackendHealth health();

    /** Releases connections, files and threads. */
    @Override
    void close();
}
