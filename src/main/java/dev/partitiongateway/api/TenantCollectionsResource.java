package dev.partitiongateway.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.partitiongateway.auth.Caller;
import dev.partitiongateway.auth.RequiresScope;
import dev.partitiongateway.auth.Scope;
import dev.partitiongateway.catalog.CollectionService;
import dev.partitiongateway.catalog.VectorCollection;
import dev.partitiongateway.spi.Metric;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/** The collections a tenant can write to and search, with the calling tenant's own usage in each. */
@Path("/v1/collections")
@Tag(name = "Tenant data")
@Produces(MediaType.APPLICATION_JSON)
public class TenantCollectionsResource {

    /** The calling tenant's vectors in one collection. */
    public record CollectionUsage(long vectors) {
    }

    /** A collection as a tenant sees it: no backend, only its own usage. */
    public record TenantCollectionJson(String name, int dimension, Metric metric, Map<String, Object> partitioning,
                                       CollectionUsage usage) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantCollectionPage(List<TenantCollectionJson> collections, String next) {
    }

    private final CollectionService collections;
    private final Caller caller;

    TenantCollectionsResource(CollectionService collections, Caller caller) {
        this.collections = collections;
        this.caller = caller;
    }

    @Operation(operationId = "listOwnCollections", summary = "List the collections you can use",
            description = "Every collection with its dimension, metric and partitioning, and how many of your vectors it holds, one page at a time: pass the previous page's next as cursor.")
    @GET
    @RequiresScope(Scope.READ)
    public TenantCollectionPage list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int size = Cursors.limit(limit);
        String after = Cursors.decodeName(Cursors.COLLECTIONS, cursor, CollectionAdminResource.COLLECTION_NAMES, "cursor");
        List<VectorCollection> page = collections.page(after, size + 1);
        boolean more = page.size() > size;
        List<VectorCollection> shown = more ? page.subList(0, size) : page;
        Map<String, Long> vectors = collections.tenantVectors(caller.tenantId(), shown.stream().map(c -> c.name).toList());
        return new TenantCollectionPage(shown.stream()
                .map(c -> new TenantCollectionJson(c.name, c.dimension, c.metric, c.partitioning,
                        new CollectionUsage(vectors.getOrDefault(c.name, 0L))))
                .toList(),
                more ? Cursors.encodeName(Cursors.COLLECTIONS, shown.get(shown.size() - 1).name) : null);
    }
}
