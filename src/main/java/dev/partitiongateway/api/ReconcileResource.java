package dev.partitiongateway.api;

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
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class ReconcileResource {

    private final Reconciler reconciler;

    ReconcileResource(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    /** Reconciles every collection, or only {@code collection}; 409 while another gateway process runs a pass. */
    @POST
    public Reconciler.Report reconcile(@QueryParam("collection") String collection) {
        Reconciler.Report report = reconciler.reconcile(Optional.ofNullable(collection));
        if (!report.ran()) {
            throw ApiException.conflict("a reconciler pass is running on another gateway process; try again when it ends");
        }
        return report;
    }
}
