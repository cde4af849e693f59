package dev.partitiongateway.api;

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
@Produces(MediaType.APPLICATION_JSON)
public class TenantSelfResource {

    private final TenantService tenants;
    private final Caller caller;

    TenantSelfResource(TenantService tenants, Caller caller) {
        this.tenants = tenants;
        this.caller = caller;
    }

    @GET
    @RequiresScope(Scope.READ)
    public TenantJson get() {
        String id = caller.tenantId();
        var tenant = tenants.get(id);
        return TenantJson.of(tenant, tenants.usedVectors(id), tenants.effectiveLimits(tenant));
    }
}
