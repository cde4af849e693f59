package dev.partitiongateway.auth;

import dev.partitiongateway.tenant.TenantView;
import jakarta.enterprise.context.RequestScoped;
import java.util.UUID;

/** Who made the current request, as established by {@link AuthFilter}. The only source of tenant scope. */
@RequestScoped
public class Caller {

    private TenantView tenant;
    private boolean operator;
    private String actor;
    private UUID keyId;

    /**
     * Who presented the key, as the audit log names them (never the secret): {@code operator:configured}
     * for gateway.admin.key, {@code operator:key:<prefix>} for a generated operator key,
     * {@code tenant:<id>:key:<prefix>} for a tenant key. Set once the key is known, even if the request is then refused.
     */
    void identify(String actor, UUID keyId) {
        this.actor = actor;
        this.keyId = keyId;
    }

    /** Who presented the key, {@code null} when no known key was presented. */
    public String actor() {
        return actor;
    }

    /** The presented key's id, {@code null} for the configured operator key or none. */
    public UUID keyId() {
        return keyId;
    }

    void authenticateOperator() {
        this.operator = true;
    }

    void authenticateTenant(TenantView tenant) {
        this.tenant = tenant;
    }

    public boolean isOperator() {
        return operator;
    }

    /** Whether a tenant key authenticated this request. */
    public boolean isTenant() {
        return tenant != null;
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
