package dev.partitiongateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.catalog.CollectionService;
import dev.partitiongateway.catalog.Partition;
import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionStrategy;
import dev.partitiongateway.catalog.VectorCollection;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.spi.Metric;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

@Path("/v1/admin/collections")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CollectionAdminResource {

    public static final String COLLECTION_NAME = "[a-z][a-z0-9_]{0,62}";

    public record CreateCollection(
            @NotNull @Pattern(regexp = COLLECTION_NAME, message = "must be 1-63 of a-z, 0-9 and '_', starting with a letter") String name,
            @NotNull @Min(1) @Max(4096) Integer dimension,
            @NotNull Metric metric,
            String backend,
            JsonNode partitioning) {
    }

    public record CollectionJson(String name, int dimension, Metric metric, String backend, Map<String, Object> partitioning,
                                 Instant createdAt) {
        static CollectionJson of(VectorCollection c) {
            return new CollectionJson(c.name, c.dimension, c.metric, c.backend, c.partitioning, c.createdAt);
        }
    }

    public record PartitionJson(long id, String tenant, PartitionStrategy strategy, String backend, String placement,
                                PartitionState state, long vectorCount, Instant createdAt, Instant updatedAt) {
        static PartitionJson of(Partition p) {
            return new PartitionJson(p.id, p.tenantId, p.strategy, p.backend, p.placement, p.state, p.vectorCount,
                    p.createdAt, p.updatedAt);
        }
    }

    private final CollectionService collections;
    private final ObjectMapper json;

    CollectionAdminResource(CollectionService collections, ObjectMapper json) {
        this.collections = collections;
        this.json = json;
    }

    @POST
    public Response create(@NotNull @Valid CreateCollection body) {
        PartitionStrategy strategy = strategy(body.partitioning());
        @SuppressWarnings("unchecked")
        Map<String, Object> partitioning = json.convertValue(
                body.partitioning() == null ? Map.of("strategy", strategy.name()) : body.partitioning(), Map.class);
        VectorCollection c = collections.create(body.name(), body.dimension(), body.metric(), body.backend(), strategy, partitioning);
        return Response.created(URI.create("/v1/admin/collections/" + c.name)).entity(CollectionJson.of(c)).build();
    }

    @GET
    public Map<String, List<CollectionJson>> list() {
        return Map.of("collections", collections.list().stream().map(CollectionJson::of).toList());
    }

    @GET
    @Path("{name}")
    public CollectionJson get(@PathParam("name") String name) {
        return CollectionJson.of(collections.get(name));
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        collections.delete(name);
        return Response.noContent().build();
    }

    @GET
    @Path("{name}/partitions")
    public Map<String, List<PartitionJson>> partitions(@PathParam("name") String name) {
        return Map.of("partitions", collections.partitions(name).stream().map(PartitionJson::of).toList());
    }

    /** {"strategy": "TENANT"}; the other strategies of the design are refused until they are built. */
    private static PartitionStrategy strategy(JsonNode partitioning) {
        if (partitioning == null || partitioning.isNull()) {
            return PartitionStrategy.TENANT;
        }
        if (!partitioning.isObject()) {
            throw ApiException.invalid("partitioning", "must be an object such as {\"strategy\":\"TENANT\"}");
        }
        partitioning.fieldNames().forEachRemaining(f -> {
            if (!f.equals("strategy")) {
                throw ApiException.invalid("partitioning." + f, "unknown field for the TENANT strategy");
            }
        });
        JsonNode strategy = partitioning.get("strategy");
        if (strategy == null || !strategy.isTextual()) {
            throw ApiException.invalid("partitioning.strategy", "is required");
        }
        if (!strategy.textValue().equals(PartitionStrategy.TENANT.name())) {
            throw ApiException.invalid("partitioning.strategy", "'" + strategy.textValue() + "' is not supported; supported: "
                    + List.of(PartitionStrategy.TENANT));
        }
        return PartitionStrategy.TENANT;
    }
}
