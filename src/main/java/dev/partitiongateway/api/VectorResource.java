package dev.partitiongateway.api;

import dev.partitiongateway.auth.Caller;
import dev.partitiongateway.auth.RequiresScope;
import dev.partitiongateway.auth.Scope;
import dev.partitiongateway.data.DataJson;
import dev.partitiongateway.data.VectorService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The tenant data API. The tenant always comes from the API key, never from the request. */
@Path("/v1/collections/{collection}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VectorResource {

    private final VectorService vectors;
    private final Caller caller;

    VectorResource(VectorService vectors, Caller caller) {
        this.vectors = vectors;
        this.caller = caller;
    }

    @PUT
    @Path("vectors")
    @RequiresScope(Scope.WRITE)
    public DataJson.UpsertResponse upsert(@PathParam("collection") String collection, DataJson.UpsertRequest body) {
        return vectors.upsert(caller.tenant(), collection, body);
    }

    @POST
    @Path("search")
    @RequiresScope(Scope.READ)
    public DataJson.SearchResponse search(@PathParam("collection") String collection, DataJson.SearchRequest body) {
        return vectors.search(caller.tenant(), collection, body);
    }

    @GET
    @Path("vectors/{id}")
    @RequiresScope(Scope.READ)
    public DataJson.VectorJson fetch(@PathParam("collection") String collection, @PathParam("id") String id) {
        return vectors.fetch(caller.tenant(), collection, id);
    }

    @POST
    @Path("vectors/fetch")
    @RequiresScope(Scope.READ)
    public DataJson.FetchResponse fetchMany(@PathParam("collection") String collection, DataJson.FetchRequest body) {
        return vectors.fetch(caller.tenant(), collection, body);
    }

    @POST
    @Path("vectors/delete")
    @RequiresScope(Scope.WRITE)
    public DataJson.DeleteResponse delete(@PathParam("collection") String collection, DataJson.DeleteRequest body) {
        return vectors.delete(caller.tenant(), collection, body);
    }

    @GET
    @Path("stats")
    @RequiresScope(Scope.READ)
    public DataJson.StatsResponse stats(@PathParam("collection") String collection) {
        return vectors.stats(caller.tenant(), collection);
    }
}
