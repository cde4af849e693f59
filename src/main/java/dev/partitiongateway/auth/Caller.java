package dev.partitiongateway.auth;

import dev.partitiongateway.tenant.TenantView;
import jakarta.enterprise.context.RequestScoped;

/** Who made the current request, as established by {@link AuthFilter}. The only source of tenant scope. */
@RequestScoped
public class Caller {

    private TenantView tenant;
    private boolean operator;

    void authenticateOperator() {
        this.operator = true;
    }

    void authenticateTenant(TenantView tenant) {
        this.tenant = tenant;
    }

    public boolean isOperator() {
        return operator;
    }

    /** The calling tenant; only valid on tenant endpoints, which the filter guarantees are called with a tenant key. */
    public TenantView tenant() {
        if (tenant == null) {
            throw new IllegalStateException("no tenant on this request");
        }
        return tenant;
    }

    public String tenantId() {
        return tenant().id();
    }
}
