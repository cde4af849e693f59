package dev.partitiongateway.routing;

import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.stats.PartitionStats;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * Turns a tenant's search into the partitions to query, queries them in parallel under one deadline,
 * and merges what they return.
 *
 * <ul>
 *   <li>{@code EXPLICIT}: only the named partitions, which must be the tenant's (else 404);</li>
 *   <li>{@code BROADCAST}: all of the tenant's partitions;</li>
 *   <li>{@code FILTERED}: those the strategy cannot rule out from the time range and the filter;</li>
 *   <li>{@code SMART} (default): FILTERED, newest window first then largest first, cut at {@code maxPartitions}.</li>
 * </ul>
 *
 * A partition that fails or misses the deadline fails the search (503 with Retry-After) unless the
 * request allows partial results; then the response says it is partial and names each failure. A
 * partition the backend does not know (never written to, or just dropped) holds nothing and is not a
 * failure. An empty set of partitions gives no results: it never becomes an unrestricted backend query.
 *
 * <p>While a key is being split, its DRAINING shard and its routable shards are all searched: a vector
 * being moved is written to its routable shard before it is deleted from the DRAINING one, so the
 * DRAINING ones are searched first and the routable ones after, and a vector is always found in one
 * of the two. A vector found in both counts once, the routable copy winning; each backend is asked for
 * up to twice {@code topK} then, so that copies counted once still leave {@code topK} distinct ids.
 * While a tenant is promoted out of its shared bucket, the bucket is such a source for that tenant
 * (though it stays routable for the others), and the tenant's own partition the routable copy.
 */
@ApplicationScoped
public class QueryRouter {

    private static final Logger LOG = Logger.getLogger(QueryRouter.class);

    /** Best first; ties broken by id, then placement, so that merged results are deterministic. */
    static final Comparator<Match> BEST_FIRST = Comparator.comparingDouble(Match::score).reversed()
            .thenComparing(Match::id).thenComparing(Match::placement);
    /** The most any backend is asked for when copies of moving vectors may take up places (every backend takes this topK). */
    static final int MAX_OVERFETCH = 10_000;

    public enum Routing { EXPLICIT, BROADCAST, FILTERED, SMART }

    /**
     * A search as the router plans it.
     *
     * @param query         the vector query; its filter must already include the time range (as {@link Filter.TimeRange})
     * @param from          start of the time range ({@code null}: open), for pruning
     * @param to            end of the time range ({@code null}: open), for pruning
     * @param filter        the client's metadata filter, for pruning
     * @param hints         partition (placement) names for EXPLICIT routing
     * @param maxPartitions SMART's cap, or {@code null}
     */
    public record Plan(SearchQuery query, Instant from, Instant to, Filter filter, List<String> hints, Routing routing,
                       Integer maxPartitions, boolean allowPartial, boolean explain) {
    }

    /** A partition that failed, and why. */
    public record Failure(String partition, String reason) {
    }

    /** What explain shows of one partition searched. */
    public record Searched(String partition, String describes, long latencyMicros, int hits) {
    }

    /** What explain shows of one partition left out, and why. */
    public record Pruned(String partition, String describes, String reason) {
    }

    public record Outcome(List<Match> matches, List<String> searched, List<String> skipped, List<Failure> failed,
                          List<Searched> explained, List<Pruned> pruned) {
        public boolean partial() {
            return !skipped.isEmpty() || !failed.isEmpty();
        }
    }

    private final PartitionDirectory directory;
    private final PartitionRouter partitions;
    private final Executor executor;
    private final Duration deadline;
    /** Per-partition statistics: in memory, no PostgreSQL call. */
    @Inject
    PartitionStats stats;

    @Inject
    QueryRouter(PartitionDirectory directory, PartitionRouter partitions, ManagedExecutor executor, GatewayConfig config) {
        this(directory, partitions, (Executor) executor, config.search().deadline());
    }

    QueryRouter(PartitionDirectory directory, PartitionRouter partitions, Executor executor, Duration deadline) {
        this.directory = directory;
        this.partitions = partitions;
        this.executor = executor;
        this.deadline = deadline;
    }

    public Outcome search(CollectionView collection, String tenantId, VectorBackend backend, Plan plan) {
        PartitioningStrategy strategy = partitions.strategy(collection);
        List<PartitionView> candidates = directory.tenantPartitions(collection.name(), tenantId);
        List<Pruned> pruned = new ArrayList<>();
        List<PartitionView> targets = choose(candidates, strategy, plan, pruned);
        List<String> skipped = new ArrayList<>();
        if (plan.routing() == Routing.SMART && plan.maxPartitions() != null && targets.size() > plan.maxPartitions()) {
            targets.subList(plan.maxPartitions(), targets.size()).forEach(p -> {
                skipped.add(p.placementName());
                pruned.add(new Pruned(p.placementName(), describe(strategy, p), "over maxPartitions " + plan.maxPartitions()));
            });
            targets = new ArrayList<>(targets.subList(0, plan.maxPartitions()));
        }
        List<String> searched = targets.stream().map(PartitionView::placementName).toList();
        if (targets.isEmpty()) {
            return new Outcome(List.of(), searched, skipped, List.of(), List.of(), plan.explain() ? pruned : List.of());
        }
        Map<String, Placement> placements = new LinkedHashMap<>();
        Map<String, String> describes = new HashMap<>();
        Set<String> draining = new java.util.HashSet<>();
        Set<String> leaving = directory.leavingPlacements(collection.name(), tenantId);
        for (PartitionView p : targets) {
            placements.put(p.placementName(), p.placementFor(collection, tenantId));
            describes.put(p.placementName(), describe(strategy, p));
            if (!p.state().routable() || leaving.contains(p.placementName())) {
                draining.add(p.placementName());
            }
        }
        SearchQuery query = plan.query();
        if (!draining.isEmpty()) {
            int topK = query.topK();
            query = new SearchQuery(query.vector(), Math.max(topK, Math.min(2 * topK, MAX_OVERFETCH)), query.filter(),
                    query.includeValues(), query.includeMetadata());
        }
        Results results = run(backend, placements, draining, query, plan.allowPartial());
        stats.searched(targets, results.latencyMicros);
        if (!results.failed.isEmpty() && !plan.allowPartial() && placements.size() == 1) {
            throw results.failed.values().iterator().next().failure(); // one partition: its own failure, as the backend gave it
        }
        if (!results.failed.isEmpty() && !plan.allowPartial()) {
            Duration retry = results.failed.values().stream().map(Call::retryAfter).filter(Optional::isPresent).map(Optional::get)
                    .max(Comparator.naturalOrder()).orElse(Duration.ofSeconds(5));
            throw ApiException.backendUnavailable("partitions failed: " + String.join("; ", results.failed.entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue().reason() + ")").toList())
                    + "; retry later, or send allowPartial to get the other partitions' results", retry);
        }
        List<Match> merged = merge(results.matches, plan.query().topK(), draining);
        List<Searched> explained = new ArrayList<>();
        if (plan.explain()) {
            results.latencyMicros.forEach((name, micros) -> explained.add(new Searched(name, describes.get(name), micros,
                    (int) results.matches.stream().filter(m -> m.placement().equals(name)).count())));
        }
        List<Failure> failed = results.failed.entrySet().stream().map(e -> new Failure(e.getKey(), e.getValue().reason())).toList();
        return new Outcome(merged, searched, skipped, failed, explained, plan.explain() ? pruned : List.of());
    }

    /**
     * The tenant's partitions that may hold records matching a filter, read from PostgreSQL now (for a
     * delete by filter, which must not act on a stale directory).
     */
    public List<PartitionView> partitionsMatching(CollectionView collection, String tenantId, Filter filter) {
        PartitioningStrategy strategy = partitions.strategy(collection);
        return directory.currentTenantPartitions(collection.name(), tenantId).stream()
                .filter(p -> strategy.pruned(p, null, null, filter).isEmpty())
                .toList();
    }

    /** The tenant's partitions a plan covers, in the order they are searched; records why others are left out. */
    List<PartitionView> choose(List<PartitionView> candidates, PartitioningStrategy strategy, Plan plan, List<Pruned> pruned) {
        switch (plan.routing()) {
            case EXPLICIT -> {
                Map<String, PartitionView> byName = new LinkedHashMap<>();
                candidates.forEach(p -> byName.put(p.placementName(), p));
                List<PartitionView> chosen = new ArrayList<>();
                for (String hint : new LinkedHashSet<>(plan.hints())) {
                    PartitionView p = byName.get(hint);
                    if (p == null) {
                        throw ApiException.notFound("partition '" + hint + "' of this tenant");
                    }
                    chosen.add(p);
                }
                return chosen;
            }
            case BROADCAST -> {
                return new ArrayList<>(candidates);
            }
            default -> {
                List<PartitionView> kept = new ArrayList<>();
                for (PartitionView p : candidates) {
                    Optional<String> reason = strategy.pruned(p, plan.from(), plan.to(), plan.filter());
                    if (reason.isPresent()) {
                        pruned.add(new Pruned(p.placementName(), describe(strategy, p), reason.get()));
                    } else {
                        kept.add(p);
                    }
                }
                if (plan.routing() == Routing.SMART) {
                    kept.sort(Comparator.comparing((PartitionView p) -> p.windowStart() == null ? Instant.MIN : p.windowStart()).reversed()
                            .thenComparing(Comparator.comparingLong(PartitionView::vectorCount).reversed())
                            .thenComparingLong(PartitionView::id));
                }
                return kept;
            }
        }
    }

    // ---------------------------------------------------------------- fan-out

    /** The outcome of one backend call: its matches, or why it failed. */
    private record Call(List<Match> matches, String reason, Optional<Duration> retryAfter, BackendException failure, boolean notFound) {
        Call(List<Match> matches) {
            this(matches, null, Optional.empty(), null, false);
        }

        static Call failed(String reason, BackendException failure) {
            return new Call(List.of(), reason, failure.retryAfter(), failure, false);
        }

        /** The backend does not know a placement of the call: it holds nothing. */
        static Call unknownPlacement() {
            return new Call(List.of(), null, Optional.empty(), null, true);
        }
    }

    private static final class Results {
        final List<Match> matches = new ArrayList<>();
        final Map<String, Call> failed = new LinkedHashMap<>();
        final Map<String, Long> latencyMicros = new LinkedHashMap<>();
    }

    /**
     * Searches the DRAINING placements first and the others after (see the class comment), each group in
     * one call where the backend can search several placements at once, else one call per placement.
     */
    private Results run(VectorBackend backend, Map<String, Placement> placements, Set<String> draining, SearchQuery query,
                        boolean allowPartial) {
        long start = System.nanoTime();
        long deadlineNanos = start + deadline.toNanos();
        Results results = new Results();
        Map<String, Placement> first = new LinkedHashMap<>();
        Map<String, Placement> then = new LinkedHashMap<>();
        placements.forEach((name, placement) -> (draining.contains(name) ? first : then).put(name, placement));
        // One call in all, to a backend in this process: made on this thread (no hand-off to the pool and back).
        boolean inline = backend.capabilities().inProcess() && (first.isEmpty() || then.isEmpty())
                && (placements.size() == 1 || backend.capabilities().multiPlacementSearch());
        for (Map<String, Placement> group : List.of(first, then)) {
            if (!group.isEmpty()) {
                runGroup(backend, group, query, allowPartial, start, deadlineNanos, inline, results);
            }
        }
        return results;
    }

    private void runGroup(VectorBackend backend, Map<String, Placement> placements, SearchQuery query, boolean allowPartial, long start,
                          long deadlineNanos, boolean inline, Results results) {
        if (placements.size() > 1 && backend.capabilities().multiPlacementSearch()) {
            List<Placement> all = List.copyOf(placements.values());
            Call call = inline ? direct(() -> backend.search(all, query), deadlineNanos)
                    : await(submit(() -> backend.search(all, query)), deadlineNanos);
            long micros = (System.nanoTime() - start) / 1000;
            if (call.reason() == null && !call.notFound()) {
                results.matches.addAll(call.matches());
                placements.keySet().forEach(name -> results.latencyMicros.put(name, micros));
                return;
            }
            if (call.reason() != null && !allowPartial) {
                placements.keySet().forEach(name -> results.failed.put(name, call));
                return;
            }
            // One of them is unknown to the backend (never written to, or dropped since the directory was read),
            // or partial results are allowed: ask each on its own, in the time left, to learn which.
        }
        if (inline && placements.size() == 1) {
            Map.Entry<String, Placement> only = placements.entrySet().iterator().next();
            Call call = direct(() -> backend.search(List.of(only.getValue()), query), deadlineNanos);
            results.latencyMicros.put(only.getKey(), (System.nanoTime() - start) / 1000);
            if (call.reason() == null) {
                results.matches.addAll(call.matches());
            } else {
                results.failed.put(only.getKey(), call);
            }
            return;
        }
        Map<String, CompletableFuture<List<Match>>> calls = new LinkedHashMap<>();
        placements.forEach((name, placement) -> calls.put(name, submit(() -> backend.search(List.of(placement), query))));
        for (Map.Entry<String, CompletableFuture<List<Match>>> e : calls.entrySet()) {
            Call call = await(e.getValue(), deadlineNanos);
            results.latencyMicros.put(e.getKey(), (System.nanoTime() - start) / 1000);
            if (call.reason() == null) {
                results.matches.addAll(call.matches());
            } else {
                results.failed.put(e.getKey(), call);
            }
        }
    }

    private CompletableFuture<List<Match>> submit(Supplier<List<Match>> search) {
        return CompletableFuture.supplyAsync(search, executor);
    }

    /**
     * A call made on this thread. An answer after the deadline counts as missing it, as it would on the
     * pool; the only difference is that the search learns it when the call returns.
     */
    private Call direct(Supplier<List<Match>> search, long deadlineNanos) {
        List<Match> matches;
        try {
            matches = search.get();
        } catch (RuntimeException e) {
            return failure(e);
        }
        return System.nanoTime() - deadlineNanos > 0 ? missedDeadline(null) : new Call(matches);
    }

    private Call await(CompletableFuture<List<Match>> future, long deadlineNanos) {
        try {
            return new Call(future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(true);
            return missedDeadline(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Call.failed("interrupted", new BackendException.Unavailable("search interrupted", e));
        } catch (java.util.concurrent.ExecutionException e) {
            return failure(e.getCause() instanceof CompletionException && e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause());
        }
    }

    private Call missedDeadline(Throwable cause) {
        String reason = "no answer within the " + deadline.toMillis() + " ms search deadline";
        return Call.failed(reason, new BackendException.Timeout("the search missed its " + deadline.toMillis() + " ms deadline", cause));
    }

    /** What a call that threw means: a partition holding nothing, a failed partition, or a refusal of the whole search. */
    private static Call failure(Throwable cause) {
        if (cause instanceof BackendException.NotFound) {
            return Call.unknownPlacement(); // never created on the backend, or dropped: it holds nothing
        }
        if (cause instanceof BackendException.Rejected || cause instanceof BackendException.CapacityExceeded) {
            throw (BackendException) cause; // the request itself is wrong: not a partition failure
        }
        if (cause instanceof BackendException b) {
            LOG.debugf("partition search failed: %s", b.toString());
            String reason = b instanceof BackendException.Timeout ? "timed out"
                    : b.getCause() instanceof CircuitBreakerOpenException ? "backend held off after repeated failures"
                    : "backend unavailable";
            return Call.failed(reason, b);
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        throw new IllegalStateException(cause);
    }

    /**
     * The best {@code topK}, each id once, ties broken by id then placement. An id found in a routable
     * placement and in a DRAINING one (a vector being moved) keeps its routable copy; otherwise the
     * best-scored copy.
     */
    static List<Match> merge(List<Match> matches, int topK, Set<String> draining) {
        Set<String> routableIds = new java.util.HashSet<>();
        if (!draining.isEmpty()) {
            matches.stream().filter(m -> !draining.contains(m.placement())).forEach(m -> routableIds.add(m.id()));
        }
        Set<String> seen = new java.util.HashSet<>();
        List<Match> merged = new ArrayList<>(Math.min(topK, matches.size()));
        for (Match m : matches.stream().sorted(BEST_FIRST).toList()) {
            if (draining.contains(m.placement()) && routableIds.contains(m.id())) {
                continue;
            }
            if (seen.add(m.id())) {
                merged.add(m);
                if (merged.size() == topK) {
                    break;
                }
            }
        }
        return merged;
    }

    /** What explain says a partition is: the strategy's description, and its shard and state while its key is split. */
    static String describe(PartitioningStrategy strategy, PartitionView p) {
        String described = strategy.describe(p);
        if (!p.shard().whole()) {
            described += ", shard " + p.shard();
        }
        return p.state().routable() ? described : described + " (" + p.state().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
