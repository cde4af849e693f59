package dev.partitiongateway.spi;

import dev.partitiongateway.spi.filter.FilterOperator;
import java.util.Set;

/**
 * What a backend can do, so that the core can plan calls without knowing which backend it is.
 *
 * @param multiPlacementSearch      one {@link VectorBackend#search} call may name several placements
 *                                  (Milvus partitions, Lucene directories); if false, the core fans out
 *                                  one call per placement (Pinecone namespaces)
 * @param maxBatchSize              most records per upsert, fetch or delete call; the core splits larger work
 * @param filterOperators           operators the backend's filter translation supports
 * @param constantTimeDropPartition dropping a placement does not depend on how many records it holds
 * @param consistency               when reads see acknowledged writes
 * @param maxIdLength               longest external id accepted
 * @param inProcess                 calls run inside the gateway's process and never wait on a network
 *                                  (the embedded Lucene): the core makes a search's only call on the
 *                                  request thread instead of handing it to the fan-out pool, since such a
 *                                  call could not be abandoned at a deadline anyway; calls to a remote
 *                                  backend always run on the pool, under the search deadline
 */
public record Capabilities(
        boolean multiPlacementSearch,
        int maxBatchSize,
        Set<FilterOperator> filterOperators,
        boolean constantTimeDropPartition,
        Consistency consistency,
        int maxIdLength,
        boolean inProcess) {

    public Capabilities {
        filterOperators = Set.copyOf(filterOperators);
    }
}
