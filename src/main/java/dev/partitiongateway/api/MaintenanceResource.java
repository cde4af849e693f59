package dev.partitiongateway.api;

import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.jobs.MaintenancePass;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Runs a maintenance pass now (it also runs every {@code gateway.maintenance.interval}). */
@Path("/v1/admin/maintenance")
@Tag(name = "Lifecycle")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class MaintenanceResource {

    /** The jobs a pass created, the partitions it left alone and why, and the ids of the archives it deleted. */
    public record MaintenanceRun(List<JobResource.JobJson> jobs, List<Map<String, Object>> skipped, List<Long> archivesDeleted) {
    }

    private final MaintenancePass pass;

    MaintenanceResource(MaintenancePass pass) {
        this.pass = pass;
    }

    @Operation(operationId = "runMaintenance", summary = "Apply every collection's lifecycle policy now",
            description = "Enqueues a SPLIT of each active partition above its collection's splitAboveVectors, an ARCHIVE of each active partition neither searched nor written for archiveAfterIdleDays, and deletes archives older than deleteArchivesAfterDays (never a partition's only copy); returns the jobs it created and what it skipped (a partition with an unfinished job, say). It also runs every gateway.maintenance.interval.")
    @POST
    public MaintenanceRun run() {
        MaintenancePass.Report report = pass.run("operator");
        return new MaintenanceRun(report.jobs().stream().map(JobResource.JobJson::of).toList(), report.skipped(), report.archivesDeleted());
    }
}
