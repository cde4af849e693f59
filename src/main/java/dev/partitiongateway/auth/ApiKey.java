package dev.partitiongateway.auth;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/** A stored key: its public prefix and the SHA-256 of the whole key, never the secret. */
@Entity
@Table(name = "api_keys")
public class ApiKey extends PanacheEntityBase {
    @Id
    public UUID id;
    /** {@code null} for an operator key. */
    @Column(name = "tenant_id")
    public String tenantId;
    /** The incarnation of the tenant ({@code Tenant.uid}) this key was issued to; {@code null} for an operator key. */
    @Column(name = "tenant_uid")
    public UUID tenantUid;
    public String prefix;
    @Column(name = "secret_hash")
    public byte[] secretHash;
    public String name;
    public String scopes;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "last_used_at")
    public Instant lastUsedAt;
    @Column(name = "revoked_at")
    public Instant revokedAt;
    /** When the key stops working; {@code null} for never. */
    @Column(name = "expires_at")
    public Instant expiresAt;
    /** The key that replaced this one in a rotation. */
    @Column(name = "rotated_to")
    public UUID rotatedTo;

    public Set<Scope> scopeSet() {
        return Scope.decode(scopes);
    }

    public boolean isOperator() {
        return tenantId == null;
    }
}
