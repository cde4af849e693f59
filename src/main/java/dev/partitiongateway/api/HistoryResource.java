package dev.partitiongateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.catalog.CollectionService;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.stats.HistoryStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Searches, their latency and writes per minute over the last hour: what the console charts. */
@Path("/v1/admin/history")
@Tag(name = "Operations")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class HistoryResource {

    static final int MAX_MINUTES = 60;

    /** Latency percentiles of a minute's searches, in milliseconds. */
    public record LatencyJson(double p50, double p95, double p99) {
    }

    /**
     * One minute: the search requests in it (so also its queries per minute), the vectors written, and the
     * latency of its searches (absent without searches).
     *
     * @param at the minute's first instant
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MinuteJson(Instant at, long queries, long inserts, LatencyJson latencyMs) {
        static MinuteJson of(HistoryStore.Minute m) {
            return new MinuteJson(m.at(), m.queries(), m.inserts(), m.p99Ms() == null ? null : new LatencyJson(m.p50Ms(), m.p95Ms(), m.p99Ms()));
        }
    }

    /** The minutes of one collection (or of all, {@code collection} absent), oldest first, the current minute last. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HistoryJson(String collection, List<MinuteJson> minutes) {
    }

    private final HistoryStore history;
    private final CollectionService collections;

    HistoryResource(HistoryStore history, CollectionService collections) {
        this.history = history;
        this.collections = collections;
    }

    @Operation(operationId = "getHistory", summary = "Searches and latency per minute over the last hour",
            description = "Minute by minute, the search requests (queries per minute), their p50/p95/p99 latency (each request as long as "
                    + "its slowest backend call) and the vectors written, added up over every gateway process: exact, the processes' "
                    + "latency histograms are merged. Other processes' minutes arrive with their statistics flush "
                    + "(gateway.partitions.stats.flush-interval); this process's at once. Every minute is listed, without traffic as zeros.")
    @GET
    public HistoryJson get(@Parameter(description = "Only this collection (default: all collections together)") @QueryParam("collection") String collection,
                           @Parameter(description = "How many minutes, the current one included (1 to 60, default 60)",
                                   schema = @Schema(minimum = "1", maximum = "60", defaultValue = "60")) @QueryParam("minutes") String minutes)
            throws SQLException {
        int count = MAX_MINUTES;
        if (minutes != null) {
            try {
                count = Integer.parseInt(minutes);
            } catch (NumberFormatException e) {
                throw ApiException.invalid("minutes", "must be a whole number from 1 to " + MAX_MINUTES);
            }
            if (count < 1 || count > MAX_MINUTES) {
                throw ApiException.invalid("minutes", "must be from 1 to " + MAX_MINUTES);
            }
        }
        if (collection != null) {
            if (!CollectionAdminResource.COLLECTION_NAMES.matcher(collection).matches()) {
                throw ApiException.invalid("collection", "is not a collection name");
            }
            collections.get(collection); // 404 for an unknown one
        }
        return new HistoryJson(collection, history.lastMinutes(collection, count).stream().map(MinuteJson::of).toList());
    }
}
