package dev.partitiongateway.tenant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "tenants")
public class Tenant extends PanacheEntityBase {
    @Id
    public String id;
    /** This incarnation of the id: a tenant deleted and created again with the same id gets a new uid. */
    public UUID uid;
    public String name;
    @Enumerated(EnumType.STRING)
    public TenantStatus status;
    @Column(name = "max_vectors")
    public long maxVectors;
    /** Per-tenant limits; {@code null}: the gateway's default ({@code gateway.tenants.*}). */
    @Column(name = "requests_per_second")
    public Integer requestsPerSecond;
    @Column(name = "vectors_per_second")
    public Integer vectorsPerSecond;
    @Column(name = "max_concurrent_requests")
    public Integer maxConcurrentRequests;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
