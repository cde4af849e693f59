package dev.partitiongateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.catalog.Partition;
import dev.partitiongateway.catalog.PartitionHeat;
import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.stats.PartitionSort;
import dev.partitiongateway.stats.PartitionStatsStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The partitions the heat evaluation found HOT, across collections, with why. */
@Path("/v1/admin/hot")
@Tag(name = "Admin: collections")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class HotPartitionsResource {

    /**
     * A hot partition: where it is, why it is hot (each threshold it crosses), since when, and its figures.
     *
     * @param hotSince when the heat evaluation found it hot
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HotPartitionJson(String collection, long id, String tenant, String placement, String backend, PartitionState state,
                                   PartitionHeat heat, List<String> reasons, Instant hotSince, long vectorCount,
                                   CollectionAdminResource.PartitionStatsJson stats) {
    }

    /** A page of hot partitions; {@code next} is the cursor of the following page, absent on the last one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HotPartitionPage(List<HotPartitionJson> partitions, String next) {
    }

    private final PartitionStatsStore stats;

    HotPartitionsResource(PartitionStatsStore stats) {
        this.stats = stats;
    }

    @Operation(operationId = "listHotPartitions", summary = "List hot partitions",
            description = "Partitions the heat evaluation (every gateway.partitions.heat.interval) found HOT, across collections, in id "
                    + "order, one page at a time, each with the reasons: p99 search latency over gateway.partitions.hot.p99, searches "
                    + "per minute over gateway.partitions.hot.qpm, vectors over the split threshold gateway.partitions.hot.vectors.")
    @GET
    public HotPartitionPage list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                                 @Parameter(description = "Only this collection's hot partitions") @QueryParam("collection") String collection) {
        int size = Cursors.limit(limit);
        if (collection != null && !CollectionAdminResource.COLLECTION_NAMES.matcher(collection).matches()) {
            throw ApiException.invalid("collection", "is not a collection name");
        }
        Long after = Cursors.decodeId(Cursors.HOT, cursor, "cursor");
        List<PartitionStatsStore.Listed> page = stats.page(new PartitionStatsStore.Listing(collection, null, null, PartitionHeat.HOT,
                PartitionSort.ID, false, after == null ? null : (double) after, after == null ? 0 : after, size + 1));
        boolean more = page.size() > size;
        List<PartitionStatsStore.Listed> shown = more ? page.subList(0, size) : page;
        return new HotPartitionPage(shown.stream().map(HotPartitionsResource::json).toList(),
                more ? Cursors.encodeId(Cursors.HOT, shown.get(shown.size() - 1).partition().id) : null);
    }

    private static HotPartitionJson json(PartitionStatsStore.Listed listed) {
        Partition p = listed.partition();
        return new HotPartitionJson(p.collection, p.id, p.tenantId, p.placement, p.backend, p.state, p.heat, listed.figures().heatReasons(),
                listed.figures().heatChangedAt(), p.vectorCount, CollectionAdminResource.PartitionStatsJson.of(listed.figures()));
    }
}
