package dev.partitiongateway.tenant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity
@Table(name = "tenants")
public class Tenant extends PanacheEntityBase {
    @Id
    public String id;
    public String name;
    @Enumerated(EnumType.STRING)
    public TenantStatus status;
    @Column(name = "max_vectors")
    public long maxVectors;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
