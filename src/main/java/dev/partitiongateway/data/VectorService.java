package dev.partitiongateway.data;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.ArchivedPartitionException;
import dev.partitiongateway.catalog.CollectionCatalog;
import dev.partitiongateway.catalog.CollectionService;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.jobs.RestoreJob;
import dev.partitiongateway.filter.FilterParser;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.routing.PartitionRouter;
import dev.partitiongateway.routing.QueryRouter;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import dev.partitiongateway.tenant.TenantLimiter;
import dev.partitiongateway.tenant.TenantUsage;
import dev.partitiongateway.tenant.TenantView;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tenant data API: validates what the client sent, then hands writes to {@link VectorWriter} (with
 * the partitions {@link PartitionRouter} chose) and searches to {@link QueryRouter}. Searches read only
 * caches and the backend.
 */
@ApplicationScoped
public class VectorService {

    private final CollectionCatalog catalog;
    private final CollectionService collections;
    private final BackendRegistry backends;
    private final RecordValidator validator;
    private final PartitionRouter router;
    private final QueryRouter queries;
    private final VectorWriter writer;
    private final TenantLimiter limiter;
    private final PartitionDirectory directory;
    private final RestoreJob restores;

    VectorService(CollectionCatalog catalog, CollectionService collections, BackendRegistry backends, RecordValidator validator,
                  PartitionRouter router, QueryRouter queries, VectorWriter writer, TenantLimiter limiter, PartitionDirectory directory,
                  RestoreJob restores) {
        this.directory = directory;
        this.restores = restores;
        this.catalog = catalog;
        this.collections = collections;
        this.backends = backends;
        this.validator = validator;
        this.router = router;
        this.queries = queries;
        this.writer = writer;
        this.limiter = limiter;
    }

    public DataJson.UpsertResponse upsert(TenantView tenant, String collectionName, DataJson.UpsertRequest request) {
        CollectionView collection = catalog.require(collectionName);
        List<VectorRecord> records = router.prepare(collection, validator.upsertBatch(collection, request));
        limiter.admitVectors(tenant, records.size()).ifPresent(refusal -> {
            throw ApiException.rateLimited(refusal.reason(), refusal.retryAfter());
        });
        VectorWriter.Upserted done = restoringOnAccess(collection, () -> writer.upsert(tenant, collection, records));
        return new DataJson.UpsertResponse(records.size(), done.inserted(), done.updated(),
                new DataJson.Usage(done.usage().vectors(), done.usage().maxVectors()));
    }

    /**
     * Whether {@link #search} would read only caches and a backend that answers from memory, so that it can
     * run on the I/O thread that read the request. Never waits: an answer not cached is a "no".
     */
    public boolean searchesFromMemory(TenantView tenant, String collectionName) {
        Optional<CollectionView> collection = catalog.cached(collectionName);
        if (collection == null) {
            return false;
        }
        if (collection.isEmpty()) {
            return true; // a 404, from the cache
        }
        VectorBackend backend = backends.openedOrNull(collection.get().backend());
        List<PartitionView> partitions = directory.cachedTenantPartitions(collectionName, tenant.id());
        if (backend == null || partitions == null) {
            return false;
        }
        return partitions.isEmpty()
                || backend.searchesFromMemory(partitions.stream().map(p -> p.placementFor(collection.get(), tenant.id())).toList());
    }

    public DataJson.SearchResponse search(TenantView tenant, String collectionName, DataJson.SearchRequest request) {
        CollectionView collection = catalog.require(collectionName);
        if (request == null) {
            throw ApiException.invalid("body", "a search needs a JSON body with 'vector'");
        }
        validator.vector(collection, request.vector(), "vector");
        int topK = validator.topK(request.topK());
        VectorBackend backend = backends.get(collection.backend());
        Filter filter = supported(FilterParser.parse(request.filter()), backend);
        Instant from = request.timeRange() == null ? null : RecordValidator.timestamp(request.timeRange().from(), "timeRange.from");
        Instant to = request.timeRange() == null ? null : RecordValidator.timestamp(request.timeRange().to(), "timeRange.to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiException.invalid("timeRange", "needs from before to");
        }
        Filter scoped = from == null && to == null ? filter : and(filter, new Filter.TimeRange(from, to));
        boolean includeMetadata = request.includeMetadata() == null || request.includeMetadata();
        boolean includeValues = Boolean.TRUE.equals(request.includeValues());
        QueryRouter.Plan plan = new QueryRouter.Plan(new SearchQuery(request.vector(), topK, scoped, includeValues, includeMetadata),
                from, to, filter, request.partitions() == null ? List.of() : validator.partitionHints(request.partitions()),
                validator.routing(request.routing(), request.partitions()), validator.maxPartitions(request.maxPartitions()),
                Boolean.TRUE.equals(request.allowPartial()), Boolean.TRUE.equals(request.explain()));
        // Read before the search: on the I/O thread, a cache entry dropped since the caller's check makes this
        // throw BlockingOperationNotAllowedException, and the caller runs the search again on a worker; that
        // must happen before anything the search records (partition statistics).
        List<String> archived = directory.archivedPlacements(collection.name(), tenant.id());
        QueryRouter.Outcome outcome = queries.search(collection, tenant.id(), backend, plan);
        List<DataJson.Hit> hits = outcome.matches().stream()
                .map(m -> new DataJson.Hit(m.id(), m.score(), includeMetadata ? m.metadata() : null, includeValues ? m.values() : null))
                .toList();
        DataJson.Explain explain = plan.explain() ? new DataJson.Explain(
                outcome.explained().stream().map(s -> new DataJson.SearchedPartition(s.partition(), s.describes(), s.latencyMicros() / 1000.0, s.hits())).toList(),
                outcome.pruned().stream().map(p -> new DataJson.PrunedPartition(p.partition(), p.describes(), p.reason())).toList()) : null;
        return new DataJson.SearchResponse(hits, outcome.searched(), outcome.partial(),
                outcome.skipped().isEmpty() ? null : outcome.skipped(),
                outcome.failed().isEmpty() ? null : outcome.failed().stream().map(f -> new DataJson.FailedPartition(f.partition(), f.reason())).toList(),
                archived.isEmpty() ? null : archived, explain);
    }

    private static Filter and(Filter a, Filter b) {
        return a == null ? b : new Filter.And(List.of(a, b));
    }

    /** A vector by id, from the partition the registry names. */
    public DataJson.VectorJson fetch(TenantView tenant, String collectionName, String id) {
        CollectionView collection = catalog.require(collectionName);
        validator.id(id, "id");
        return restoringOnAccess(collection, () -> writer.fetch(tenant, collection, List.of(id))).stream()
                .findFirst()
                .map(r -> new DataJson.VectorJson(r.id(), r.values(), r.metadata(), r.timestamp()))
                .orElseThrow(() -> ApiException.notFound("vector '" + id + "' in collection '" + collectionName + "'"));
    }

    /** Many vectors by id in one request, through the same registry lookup as {@link #fetch}. */
    public DataJson.FetchResponse fetch(TenantView tenant, String collectionName, DataJson.FetchRequest request) {
        CollectionView collection = catalog.require(collectionName);
        List<String> ids = validator.fetchIds(request == null ? null : request.ids());
        Map<String, VectorRecord> found = new HashMap<>();
        restoringOnAccess(collection, () -> writer.fetch(tenant, collection, ids)).forEach(r -> found.put(r.id(), r));
        List<DataJson.VectorJson> vectors = new ArrayList<>(found.size());
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            VectorRecord r = found.get(id);
            if (r == null) {
                missing.add(id);
            } else {
                vectors.add(new DataJson.VectorJson(r.id(), r.values(), r.metadata(), r.timestamp()));
            }
        }
        return new DataJson.FetchResponse(vectors, missing);
    }

    public DataJson.DeleteResponse delete(TenantView tenant, String collectionName, DataJson.DeleteRequest request) {
        CollectionView collection = catalog.require(collectionName);
        if (request == null || (request.ids() == null) == (request.filter() == null || request.filter().isNull())) {
            throw ApiException.invalid("body", "give exactly one of 'ids' or 'filter'");
        }
        VectorBackend backend = backends.get(collection.backend());
        if (request.ids() != null) {
            List<String> ids = validator.deleteIds(request.ids());
            return new DataJson.DeleteResponse(restoringOnAccess(collection, () -> writer.deleteIds(tenant, collection, ids)));
        }
        Filter filter = FilterParser.parse(request.filter());
        if (filter == null) {
            throw ApiException.invalid("filter", "must not be empty; delete by an explicit filter or by ids");
        }
        Filter checked = supported(filter, backend);
        return new DataJson.DeleteResponse(restoringOnAccess(collection, () -> writer.deleteMatches(tenant, collection, () -> {
            Map<PartitionView, List<String>> matches = new LinkedHashMap<>();
            for (PartitionView partition : queries.partitionsMatching(collection, tenant.id(), checked)) {
                List<String> ids = matchingIds(backend, partition.placementFor(collection, tenant.id()), checked);
                if (!ids.isEmpty()) {
                    matches.put(partition, ids);
                }
            }
            return matches;
        })));
    }

    /** How long a client is told to wait for a restore started on access before it tries again. */
    static final Duration RESTORE_RETRY_AFTER = Duration.ofSeconds(30);

    /**
     * Runs {@code work}; when it meets an archived partition of a collection whose policy says
     * {@code restoreOnAccess}, starts that partition's restore (unless one is under way) and answers 503
     * BACKEND_UNAVAILABLE with Retry-After instead of 409 PARTITION_ARCHIVED. Nothing was changed either way.
     */
    private <T> T restoringOnAccess(CollectionView collection, Supplier<T> work) {
        try {
            return work.get();
        } catch (ArchivedPartitionException archived) {
            if (!collections.lifecycle(collection.name()).restoreOnAccess()) {
                throw archived;
            }
            Optional<Long> job = restores.requestOnAccess(archived.partition());
            if (job.isEmpty()) {
                throw archived;
            }
            throw ApiException.backendUnavailable("partition " + archived.partition().placementName() + " is archived; restore job "
                    + job.get() + " is bringing it back (collection policy restoreOnAccess); nothing was changed, retry later",
                    RESTORE_RETRY_AFTER);
        }
    }

    private static List<String> matchingIds(VectorBackend backend, Placement placement, Filter filter) {
        List<String> ids = new ArrayList<>();
        try (RecordCursor cursor = backend.scan(placement, new ScanRequest(1000, filter, false))) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                page.forEach(r -> ids.add(r.id()));
            }
        } catch (BackendException.NotFound neverCreated) {
            // a partition the backend never saw holds nothing
        }
        return ids;
    }

    public DataJson.StatsResponse stats(TenantView tenant, String collectionName) {
        CollectionView collection = catalog.require(collectionName);
        List<CollectionService.TenantPartition> partitions = collections.tenantPartitions(collection, tenant.id());
        long used = QuarkusTransaction.requiringNew().call(
                () -> TenantUsage.<TenantUsage>findByIdOptional(tenant.id()).map(u -> u.vectors).orElse(0L));
        return new DataJson.StatsResponse(collection.name(), collection.dimension(), collection.metric().name(),
                partitions.stream().mapToLong(CollectionService.TenantPartition::vectors).sum(),
                new DataJson.Usage(used, tenant.maxVectors()),
                partitions.stream().map(p -> new DataJson.PartitionStats(p.partition().placementName(), p.partition().state().name(),
                        p.vectors())).toList());
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
