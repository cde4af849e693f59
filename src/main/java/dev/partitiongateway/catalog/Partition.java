package dev.partitiongateway.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Formula;

/** A row of the directory: one partition and the placement where it lives. */
@Entity
@Table(name = "partitions")
public class Partition extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String collection;
    @Column(name = "tenant_id")
    public String tenantId;
    @Enumerated(EnumType.STRING)
    public PartitionStrategy strategy;
    public String backend;
    public String placement;
    @Enumerated(EnumType.STRING)
    public PartitionState state;
    /** Set by the heat evaluation (dev.partitiongateway.stats), never by the data path. */
    @Enumerated(EnumType.STRING)
    public PartitionHeat heat;
    /** Exact: the base plus its stripes (see {@link dev.partitiongateway.registry.QuotaLedger#adjustPartitions}); read-only here. */
    @Formula("partition_vectors(id, vector_count)")
    public long vectorCount;
    @Column(name = "window_start")
    public Instant windowStart;
    @Column(name = "window_end")
    public Instant windowEnd;
    public Integer bucket;
    /** The attribute value as canonical JSON ({@code TENANT_ATTRIBUTE}); {@code null} for the default partition. */
    @Column(name = "attribute_value")
    public String attributeValue;
    /** With {@code hashResidue}: the ids of its key it owns (see {@link HashShard}); 1 and 0 unless the key was split. */
    @Column(name = "hash_modulus")
    public int hashModulus = 1;
    @Column(name = "hash_residue")
    public int hashResidue;
    /** The partition it was split from, if any (that one is gone once empty). */
    @Column(name = "split_of")
    public Long splitOf;
    /**
     * For a tenant's own partition in a {@code SHARED_HASH} collection (a promoted tenant): the bucket its
     * vectors are still being moved out of, {@code null} once the promotion is complete.
     */
    @Column(name = "promoting_from")
    public Integer promotingFrom;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
