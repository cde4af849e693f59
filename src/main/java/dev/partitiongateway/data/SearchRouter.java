package dev.partitiongateway.data;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.context.ManagedExecutor;

/**
 * Runs a search over a set of placements: one call when the backend searches several placements
 * natively, otherwise one call per placement in parallel under a shared deadline, merged by
 * normalised score. A placement that fails or misses the deadline fails the whole search: results
 * are never silently partial.
 */
@ApplicationScoped
public class SearchRouter {

    /** Best first; ties broken by id, then placement, so that merged results are deterministic. */
    static final Comparator<Match> BEST_FIRST = Comparator.comparingDouble(Match::score).reversed()
            .thenComparing(Match::id).thenComparing(Match::placement);

    private final Executor executor;
    private final Duration deadline;

    @Inject
    SearchRouter(ManagedExecutor executor, @ConfigProperty(name = "gateway.search.deadline", defaultValue = "10s") Duration deadline) {
        this((Executor) executor, deadline);
    }

    SearchRouter(Executor executor, Duration deadline) {
        this.executor = executor;
        this.deadline = deadline;
    }

    public List<Match> search(VectorBackend backend, List<Placement> placements, SearchQuery query) {
        if (placements.isEmpty()) {
            return List.of();
        }
        if (placements.size() == 1 || backend.capabilities().multiPlacementSearch()) {
            return backend.search(placements, query);
        }
        List<CompletableFuture<List<Match>>> calls = placements.stream()
                .map(p -> CompletableFuture.supplyAsync(() -> backend.search(List.of(p), query), executor))
                .toList();
        try {
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            calls.forEach(c -> c.cancel(true));
            throw new BackendException.Timeout("search over " + placements.size() + " placements missed its "
                    + deadline.toMillis() + " ms deadline", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException.Unavailable("search interrupted", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
        List<Match> all = new ArrayList<>();
        calls.forEach(c -> all.addAll(c.join()));
        return merge(all, query.topK());
    }

    static List<Match> merge(List<Match> matches, int topK) {
        return matches.stream().sorted(BEST_FIRST).limit(topK).toList();
    }

    private static RuntimeException unwrap(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new BackendException.Unavailable("search failed: " + cause, cause);
    }
}
