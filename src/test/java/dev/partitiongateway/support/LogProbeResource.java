package dev.partitiongateway.support;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;

/** Test-only: logs a line on the request's thread and one on a pooled thread, as the search fan-out does. */
@Path("/test/log-probe")
public class LogProbeResource {

    private static final Logger LOG = Logger.getLogger(LogProbeResource.class);

    @Inject
    ManagedExecutor executor;

    @GET
    @Operation(hidden = true)
    public String probe() throws Exception {
        LOG.info("log probe on the request thread");
        executor.supplyAsync(() -> {
            LOG.info("log probe on a pooled thread");
            return null;
        }).get(10, TimeUnit.SECONDS);
        return "logged";
    }
}
