package dev.partitiongateway.tenant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** How many vectors a tenant holds; the row the quota check locks. */
@Entity
@Table(name = "tenant_usage")
public class TenantUsage extends PanacheEntityBase {
    @Id
    @Column(name = "tenant_id")
    public String tenantId;
    public long vectors;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
