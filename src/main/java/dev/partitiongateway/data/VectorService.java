package dev.partitiongateway.data;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionCatalog;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.Partition;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.filter.FilterParser;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.registry.QuotaLedger;
import dev.partitiongateway.registry.VectorRegistry;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import dev.partitiongateway.tenant.TenantUsage;
import dev.partitiongateway.tenant.TenantView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The tenant data path. Writes run in one PostgreSQL transaction that holds the tenant's usage lock,
 * changes the registry and usage, and calls the backend last: if the backend fails, the transaction
 * rolls back and the registry and quota are as they were. Searches read only caches and the backend.
 */
@ApplicationScoped
public class VectorService {

    private final CollectionCatalog catalog;
    private final PartitionDirectory directory;
    private final BackendRegistry backends;
    private final QuotaLedger quota;
    private final VectorRegistry registry;
    private final RecordValidator validator;
    private final SearchRouter router;
    private final Counter quotaRefusals;

    VectorService(CollectionCatalog catalog, PartitionDirectory directory, BackendRegistry backends, QuotaLedger quota,
                  VectorRegistry registry, RecordValidator validator, SearchRouter router, MeterRegistry meters) {
        this.quotaRefusals = Counter.builder("gateway.quota.refusals")
                .description("Upserts refused whole because they would cross the tenant's quota").register(meters);
        this.catalog = catalog;
        this.directory = directory;
        this.backends = backends;
        this.quota = quota;
        this.registry = registry;
        this.validator = validator;
        this.router = router;
    }

    public DataJson.UpsertResponse upsert(TenantView tenant, String collectionName, DataJson.UpsertRequest request) {
        CollectionView collection = catalog.require(collectionName);
        List<VectorRecord> records = validator.upsertBatch(collection, request);
        VectorBackend backend = backends.get(collection.backend());
        List<String> ids = records.stream().map(VectorRecord::id).toList();
        boolean[] createdPartition = {false};
        DataJson.UpsertResponse response = QuarkusTransaction.requiringNew().call(() -> {
            QuotaLedger.Usage usage = quota.lock(tenant.id());
            Set<String> existing = registry.existing(tenant.id(), collection.name(), ids);
            int inserted = ids.size() - existing.size();
            if (inserted > 0 && usage.vectors() + inserted > usage.maxVectors()) { // updates are allowed over a lowered quota
                quotaRefusals.increment();
                throw new ApiException(ErrorCode.QUOTA_EXCEEDED, "this upsert adds " + inserted + " vectors; tenant '"
                        + tenant.id() + "' has " + usage.vectors() + " of " + usage.maxVectors() + " and nothing was stored");
            }
            PartitionDirectory.Ensured ensured = directory.ensureDedicated(collection, tenant.id(), backend);
            createdPartition[0] = ensured.created();
            PartitionView partition = ensured.partition();
            List<String> newIds = ids.stream().filter(id -> !existing.contains(id)).toList();
            registry.register(tenant.id(), collection.name(), partition.id(), newIds);
            quota.adjust(tenant.id(), inserted, Map.of(partition.id(), (long) inserted));
            Placement placement = partition.placementFor(collection, tenant.id());
            for (List<VectorRecord> chunk : chunks(records, backend.capabilities().maxBatchSize())) {
                backend.upsert(placement, chunk);
            }
            return new DataJson.UpsertResponse(ids.size(), inserted, existing.size(),
                    new DataJson.Usage(usage.vectors() + inserted, usage.maxVectors()));
        });
        if (createdPartition[0]) {
            directory.invalidate(collection.name(), tenant.id());
        }
        return response;
    }

    public DataJson.SearchResponse search(TenantView tenant, String collectionName, DataJson.SearchRequest request) {
        CollectionView collection = catalog.require(collectionName);
        if (request == null) {
            throw ApiException.invalid("body", "a search needs a JSON body with 'vector'");
        }
        validator.vector(collection, request.vector(), "vector");
        int topK = validator.topK(request.topK());
        if (request.timeRange() != null) {
            throw ApiException.invalid("timeRange", "needs a collection partitioned by time; '" + collection.name()
                    + "' is partitioned by " + collection.strategy());
        }
        VectorBackend backend = backends.get(collection.backend());
        Filter filter = supported(FilterParser.parse(request.filter()), backend);
        boolean includeMetadata = request.includeMetadata() == null || request.includeMetadata();
        boolean includeValues = Boolean.TRUE.equals(request.includeValues());
        List<Placement> placements = placements(collection, tenant);
        List<Match> matches = router.search(backend, placements,
                new SearchQuery(request.vector(), topK, filter, includeValues, includeMetadata));
        List<DataJson.Hit> hits = matches.stream()
                .map(m -> new DataJson.Hit(m.id(), m.score(), includeMetadata ? m.metadata() : null, includeValues ? m.values() : null))
                .toList();
        return new DataJson.SearchResponse(hits, placements.stream().map(Placement::name).toList());
    }

    public DataJson.VectorJson fetch(TenantView tenant, String collectionName, String id) {
        CollectionView collection = catalog.require(collectionName);
        validator.id(id, "id");
        VectorBackend backend = backends.get(collection.backend());
        return placements(collection, tenant).stream()
                .flatMap(p -> backend.fetch(p, List.of(id)).stream())
                .findFirst()
                .map(r -> new DataJson.VectorJson(r.id(), r.values(), r.metadata(), r.timestamp()))
                .orElseThrow(() -> ApiException.notFound("vector '" + id + "' in collection '" + collectionName + "'"));
    }

    public DataJson.DeleteResponse delete(TenantView tenant, String collectionName, DataJson.DeleteRequest request) {
        CollectionView collection = catalog.require(collectionName);
        if (request == null || (request.ids() == null) == (request.filter() == null || request.filter().isNull())) {
            throw ApiException.invalid("body", "give exactly one of 'ids' or 'filter'");
        }
        VectorBackend backend = backends.get(collection.backend());
        if (request.ids() != null) {
            List<String> ids = validator.deleteIds(request.ids());
            return QuarkusTransaction.requiringNew().call(() -> {
                quota.lock(tenant.id());
                return new DataJson.DeleteResponse(deleteRegistered(tenant, collection, backend, ids));
            });
        }
        Filter filter = FilterParser.parse(request.filter());
        if (filter == null) {
            throw ApiException.invalid("filter", "must not be empty; delete by an explicit filter or by ids");
        }
        Filter checked = supported(filter, backend);
        return QuarkusTransaction.requiringNew().call(() -> {
            quota.lock(tenant.id());
            long deleted = 0;
            Map<Long, Long> perPartition = new HashMap<>();
            long unregistered = 0;
            for (PartitionView partition : directory.currentTenantPartitions(collection.name(), tenant.id())) {
                Placement placement = partition.placementFor(collection, tenant.id());
                List<String> matching = matchingIds(backend, placement, checked);
                if (matching.isEmpty()) {
                    continue;
                }
                // Every match goes from the backend, registered or not, so that a write whose commit
                // failed after the backend accepted it (see README) is cleaned up by the same delete.
                long registered = registry.unregister(tenant.id(), collection.name(), matching).values().stream()
                        .mapToLong(List::size).sum();
                for (List<String> chunk : chunks(matching, backend.capabilities().maxBatchSize())) {
                    deleted += backend.delete(placement, chunk);
                }
                perPartition.put(partition.id(), -registered);
                unregistered += registered;
            }
            quota.adjust(tenant.id(), -unregistered, perPartition);
            return new DataJson.DeleteResponse(deleted);
        });
    }

    private static List<String> matchingIds(VectorBackend backend, Placement placement, Filter filter) {
        List<String> ids = new ArrayList<>();
        try (RecordCursor cursor = backend.scan(placement, new ScanRequest(1000, filter, false))) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                page.forEach(r -> ids.add(r.id()));
            }
        }
        return ids;
    }

    public DataJson.StatsResponse stats(TenantView tenant, String collectionName) {
        CollectionView collection = catalog.require(collectionName);
        List<Partition> partitions = Partition.list("collection = ?1 and tenantId = ?2 order by id", collection.name(), tenant.id());
        long vectors = partitions.stream().mapToLong(p -> p.vectorCount).sum();
        long used = TenantUsage.<TenantUsage>findByIdOptional(tenant.id())
                .map(u -> u.vectors).orElse(0L);
        return new DataJson.StatsResponse(collection.name(), collection.dimension(), collection.metric().name(), vectors,
                new DataJson.Usage(used, tenant.maxVectors()),
                partitions.stream().map(p -> new DataJson.PartitionStats(p.placement, p.state.name(), p.vectorCount)).toList());
    }

    /** Unregisters the ids, deletes them from their partitions, gives the quota back. Caller holds the tenant lock. */
    private long deleteRegistered(TenantView tenant, CollectionView collection, VectorBackend backend, List<String> ids) {
        Map<Long, List<String>> byPartition = registry.unregister(tenant.id(), collection.name(), ids);
        Map<Long, PartitionView> partitions = directory.currentTenantPartitions(collection.name(), tenant.id()).stream()
                .collect(Collectors.toMap(PartitionView::id, p -> p));
        Map<Long, Long> perPartition = new HashMap<>();
        long deleted = 0;
        for (Map.Entry<Long, List<String>> e : byPartition.entrySet()) {
            PartitionView partition = partitions.get(e.getKey());
            if (partition == null) {
                throw new IllegalStateException("registry names partition " + e.getKey() + " that the directory does not list");
            }
            for (List<String> chunk : chunks(e.getValue(), backend.capabilities().maxBatchSize())) {
                backend.delete(partition.placementFor(collection, tenant.id()), chunk);
            }
            perPartition.put(e.getKey(), -(long) e.getValue().size());
            deleted += e.getValue().size();
        }
        quota.adjust(tenant.id(), -deleted, perPartition);
        return deleted;
    }

    /** Consecutive slices of at most {@code size} elements: backends cap how much one call may carry. */
    static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> chunks = new ArrayList<>((items.size() + size - 1) / size);
        for (int i = 0; i < items.size(); i += size) {
            chunks.add(items.subList(i, Math.min(i + size, items.size())));
        }
        return chunks;
    }

    private List<Placement> placements(CollectionView collection, TenantView tenant) {
        return directory.tenantPartitions(collection.name(), tenant.id()).stream()
                .map(p -> p.placementFor(collection, tenant.id()))
                .toList();
    }

    private static Filter supported(Filter filter, VectorBackend backend) {
        if (filter == null) {
            return null;
        }
        Set<FilterOperator> unsupported = EnumSet.copyOf(filter.operators());
        unsupported.removeAll(backend.capabilities().filterOperators());
        if (!unsupported.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_FILTER, "the '" + backend.kind() + "' backend does not support "
                    + unsupported.stream().map(FilterOperator::token).sorted().toList());
        }
        return filter;
    }
}
