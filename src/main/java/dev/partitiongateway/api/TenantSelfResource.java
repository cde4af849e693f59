package dev.partitiongateway.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import dev.partitiongateway.auth.Caller;
import dev.partitiongateway.auth.RequiresScope;
import dev.partitiongateway.auth.Scope;
import dev.partitiongateway.tenant.TenantService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The calling tenant's own view: itself, its quota and usage. */
@Path("/v1/tenant")
@Tag(name = "Tenant data")
@Produces(MediaType.APPLICATION_JSON)
public class TenantSelfResource {

    private final TenantService tenants;
    private final Caller caller;

    TenantSelfResource(TenantService tenants, Caller caller) {
        this.tenants = tenants;
        this.caller = caller;
    }

    @Operation(operationId = "getOwnTenant", summary = "Get your tenant",
            description = "The calling key's tenant: its quota, usage and limits.")
    @GET
    @RequiresScope(Scope.READ)
    public TenantJson get() {
        String id = caller.tenantId();
        var tenant = tenants.get(id);
        return TenantJson.of(tenant, tenants.usedVectors(id), tenants.effectiveLimits(tenant));
    }
}
