package dev.partitiongateway.catalog;

import dev.partitiongateway.spi.Metric;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

@Entity
@Table(name = "collections")
public class VectorCollection extends PanacheEntityBase {
    @Id
    public String name;
    public int dimension;
    @Enumerated(EnumType.STRING)
    public Metric metric;
    public String backend;
    @Enumerated(EnumType.STRING)
    public PartitionStrategy strategy;
    /** The partitioning object as given at creation (strategy parameters). */
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> partitioning;
    /** The lifecycle policy ({@link LifecyclePolicy}); empty: none. */
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> lifecycle;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
