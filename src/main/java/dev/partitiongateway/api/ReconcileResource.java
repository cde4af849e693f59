package dev.partitiongateway.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.jobs.Reconciler;
import dev.partitiongateway.problem.ApiException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;

/** Runs a reconciler pass now (it also runs every {@code gateway.reconciler.interval}). */
@Path("/v1/admin/reconcile")
@Tag(name = "Operations")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class ReconcileResource {

    private final Reconciler reconciler;

    ReconcileResource(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    /** Reconciles every collection, or only {@code collection}; 409 while another gateway process runs a pass. */
    @Operation(operationId = "reconcile", summary = "Run a reconciler pass now",
            description = "Brings the registry, usage and backends back into agreement (pending writes, orphans, stale copies, counts) for every collection or one; it also runs every gateway.reconciler.interval. 409 while another process runs a pass.")
    @POST
    public Reconciler.Report reconcile(@QueryParam("collection") String collection) {
        Reconciler.Report report = reconciler.reconcile(Optional.ofNullable(collection));
        if (!report.ran()) {
            throw ApiException.conflict("a reconciler pass is running on another gateway process; try again when it ends");
        }
        return report;
    }
}
