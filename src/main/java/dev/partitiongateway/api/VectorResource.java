package dev.partitiongateway.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import dev.partitiongateway.auth.AuthFilter;
import dev.partitiongateway.auth.Caller;
import dev.partitiongateway.auth.RequiresScope;
import dev.partitiongateway.auth.Scope;
import dev.partitiongateway.data.DataJson;
import dev.partitiongateway.data.VectorService;
import dev.partitiongateway.tenant.TenantView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.function.Supplier;
import org.eclipse.microprofile.context.ManagedExecutor;

/** The tenant data API. The tenant always comes from the API key, never from the request. */
@Path("/v1/collections/{collection}")
@Tag(name = "Tenant data")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VectorResource {

    private final VectorService vectors;
    private final Caller caller;
    private final ManagedExecutor workers;
    private final Counter searchesOnIoThread;
    private final Counter searchesOnWorkers;
    private final Counter searchesHandedOverLate;

    VectorResource(VectorService vectors, Caller caller, ManagedExecutor workers, MeterRegistry meters) {
        this.vectors = vectors;
        this.caller = caller;
        this.workers = workers;
        this.searchesOnIoThread = searchThreads(meters, "io");
        this.searchesOnWorkers = searchThreads(meters, "worker");
        this.searchesHandedOverLate = searchThreads(meters, "io_then_worker");
    }

    private static Counter searchThreads(MeterRegistry meters, String thread) {
        return Counter.builder("gateway.search.threads").tag("thread", thread)
                .description("Searches served on the I/O thread that read the request (io), or handed to a worker thread (worker); "
                        + "io_then_worker counts those of io that met a cache entry dropped meanwhile and started over on a worker")
                .register(meters);
    }

    @Operation(operationId = "upsertVectors", summary = "Upsert vectors",
            description = "Inserts or replaces up to gateway.limits.max-batch vectors. An existing id is replaced and counts as updated, not against the quota. All or nothing: a refusal stores none of them.")
    @PUT
    @Path("vectors")
    @RequiresScope(Scope.WRITE)
    public DataJson.UpsertResponse upsert(@PathParam("collection") String collection, DataJson.UpsertRequest body) {
        return vectors.upsert(caller.tenant(), collection, body);
    }

    @Operation(operationId = "searchVectors", summary = "Search by vector",
            description = "The topK nearest of your vectors, optionally filtered by metadata and time; scores are higher-is-better for every metric. partitions lists what was searched.")
    /**
     * Starts on the I/O thread that read the request, and is served there when everything it reads is
     * cached and the backend answers from memory (Lucene with the placements open and current): a hand-off
     * to a worker thread and back cost more than such a search. Otherwise (a remote backend, a cold cache,
     * an index to open or refresh) it is handed to a worker thread, where it may wait.
     */
    @POST
    @Path("search")
    @RequiresScope(Scope.READ)
    @NonBlocking
    public Uni<DataJson.SearchResponse> search(@PathParam("collection") String collection, DataJson.SearchRequest body) {
        TenantView tenant = caller.tenant();
        Supplier<DataJson.SearchResponse> search = () -> vectors.search(tenant, collection, body);
        if (!Context.isOnEventLoopThread()) {
            searchesOnWorkers.increment(); // authentication needed a worker already
            return Uni.createFrom().item(search);
        }
        if (vectors.searchesFromMemory(tenant, collection)) {
            searchesOnIoThread.increment();
            try {
                // Searched here and now, answered as a known item: no supplier or recovery for context propagation to wrap.
                return Uni.createFrom().item(search.get());
            } catch (RuntimeException e) {
                // A change notification may drop a cache entry between the check and the search; reading it again
                // would block, which Quarkus refuses on the I/O thread before any database call: a worker starts over.
                if (!AuthFilter.wouldBlock(e)) {
                    throw e;
                }
                searchesHandedOverLate.increment();
                return Uni.createFrom().item(search).runSubscriptionOn(workers);
            }
        }
        searchesOnWorkers.increment();
        return Uni.createFrom().item(search).runSubscriptionOn(workers);
    }

    @Operation(operationId = "getVector", summary = "Get one vector by id",
            description = "One of your vectors. Use fetchVectors for ids that are not safe in a URL path (with / or %, or . and ..) or for many ids.")
    @GET
    @Path("vectors/{id}")
    @RequiresScope(Scope.READ)
    public DataJson.VectorJson fetch(@PathParam("collection") String collection, @PathParam("id") String id) {
        return vectors.fetch(caller.tenant(), collection, id);
    }

    @Operation(operationId = "fetchVectors", summary = "Get many vectors by id",
            description = "Up to gateway.limits.max-delete-ids of your vectors in one request, in the order asked; missing lists the ids you have no vector for. A repeated id is returned once.")
    @POST
    @Path("vectors/fetch")
    @RequiresScope(Scope.READ)
    public DataJson.FetchResponse fetchMany(@PathParam("collection") String collection, DataJson.FetchRequest body) {
        return vectors.fetch(caller.tenant(), collection, body);
    }

    @Operation(operationId = "deleteVectors", summary = "Delete vectors by id or by filter",
            description = "Deletes the given ids (at most gateway.limits.max-delete-ids) or every one of your vectors matching a filter, and gives their quota back.")
    @POST
    @Path("vectors/delete")
    @RequiresScope(Scope.WRITE)
    public DataJson.DeleteResponse delete(@PathParam("collection") String collection, DataJson.DeleteRequest body) {
        return vectors.delete(caller.tenant(), collection, body);
    }

    @Operation(operationId = "getCollectionStats", summary = "Your usage of a collection",
            description = "How many of your vectors the collection holds, in which partitions, and your quota.")
    @GET
    @Path("stats")
    @RequiresScope(Scope.READ)
    public DataJson.StatsResponse stats(@PathParam("collection") String collection) {
        return vectors.stats(caller.tenant(), collection);
    }
}
