package dev.partitiongateway.catalog;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.partitiongateway.cluster.RefreshAhead;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import dev.partitiongateway.cluster.Change;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;

/** Collections by name, from memory. Dropped when a {@link Change} of the collection arrives from any gateway process. */
@ApplicationScoped
public class CollectionCatalog {

    private final LoadingCache<String, Optional<CollectionView>> byName;

    CollectionCatalog(GatewayConfig config) {
        this.byName = RefreshAhead.within(Caffeine.newBuilder().maximumSize(10_000), config.auth().cacheTtl())
                .build(name -> QuarkusTransaction.joiningExisting().call(() ->
                        Optional.ofNullable(VectorCollection.<VectorCollection>findById(name)).map(CollectionView::of)));
    }

    public Optional<CollectionView> find(String name) {
        return byName.get(name);
    }

    /** {@link #find} if the cache holds the answer, else {@code null}, never waiting on PostgreSQL. */
    public Optional<CollectionView> cached(String name) {
        return byName.getIfPresent(name);
    }

    /** The collection, or a 404 problem. */
    public CollectionView require(String name) {
        return find(name).orElseThrow(() -> ApiException.notFound("collection '" + name + "'"));
    }

    void onChange(@Observes Change change) {
        switch (change.kind()) {
            case COLLECTION -> byName.invalidate(change.key());
            case EVERYTHING -> byName.invalidateAll();
            default -> {
            }
        }
    }
}
