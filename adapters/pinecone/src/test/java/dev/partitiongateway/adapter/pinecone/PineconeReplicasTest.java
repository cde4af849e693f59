package dev.partitiongateway.adapter.pinecone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.adapter.pinecone.fake.FakeIndex;
import dev.partitiongateway.adapter.pinecone.fake.FakePinecone;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway replicas (two backends in one test, as two processes would be) on one Pinecone project:
 * what one of them changes, the other must not undo or trip over.
 */
class PineconeReplicasTest {

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private FakePinecone fake() {
        FakePinecone fake = FakePinecone.start(FakePinecone.Behaviour.DEFAULTS);
        opened.add(fake);
        return fake;
    }

    /** One gateway process, creating an index per collection. */
    private PineconeBackend replica(FakePinecone fake) {
        PineconeBackend backend = new PineconeBackend(PineconeOptions.defaults(fake.apiKey(), fake.controlPlaneUrl()).withTls(false)
                .withCreatedIndexes("aws", "us-east-1"));
        opened.add(backend);
        return backend;
    }

    private static VectorRecord record(String id, float... values) {
        return new VectorRecord(id, values, Map.of());
    }

    @Test
    void should_refuse_a_late_write_through_another_replica_into_a_partition_that_was_dropped() {
        FakePinecone fake = fake();
        PineconeBackend a = replica(fake);
        PineconeBackend b = replica(fake);
        CollectionSpec spec = new CollectionSpec("docs", 4, Metric.COSINE);
        a.ensureCollection(spec);
        Placement window = Placement.dedicated(spec, "t_a_2024_01", "tenant_a");
        a.ensurePartition(window);
        // Replica B serves a write to the partition, and so learns that its namespace exists.
        b.upsert(window, List.of(record("early", 1, 0, 0, 0)));

        a.dropPartition(window);
        assertThat(fake.index("pg-docs").orElseThrow().namespaces()).as("after the drop").isEmpty();

        assertThatThrownBy(() -> b.upsert(window, List.of(record("late", 0, 1, 0, 0))))
                .isInstanceOf(BackendException.NotFound.class).hasMessageContaining("docs-t_a_2024_01");
        assertThat(fake.index("pg-docs").orElseThrow().namespaces()).as("namespaces after a late write through replica B").isEmpty();
    }

    @Test
    void should_serve_a_collection_that_another_replica_dropped_and_created_again_with_another_shape() {
        FakePinecone fake = fake();
        PineconeBackend a = replica(fake);
        PineconeBackend b = replica(fake);
        CollectionSpec before = new CollectionSpec("docs", 4, Metric.COSINE);
        a.ensureCollection(before);
        a.ensurePartition(Placement.dedicated(before, "t_a", "tenant_a"));
        assertThat(b.count(Placement.dedicated(before, "t_a", "tenant_a"), null)).as("replica B has served the collection once").isZero();

        a.dropCollection(before);
        CollectionSpec after = new CollectionSpec("docs", 3, Metric.L2);
        a.ensureCollection(after);
        Placement placement = Placement.dedicated(after, "t_a", "tenant_a");
        a.ensurePartition(placement);

        b.upsert(placement, List.of(record("x", 1, 2, 3)));
        assertThat(b.fetch(placement, List.of("x"))).singleElement().satisfies(r -> assertThat(r.values()).containsExactly(1, 2, 3));
        assertThatThrownBy(() -> b.count(Placement.dedicated(before, "t_a", "tenant_a"), null))
                .as("the old shape is gone").isInstanceOf(BackendException.NotFound.class).hasMessageContaining("dimension 3");
    }

    @Test
    void should_delete_the_namespaces_another_replica_created_when_dropping_a_collection_in_an_operators_index() {
        FakePinecone fake = fake();
        FakeIndex shared = fake.createIndex("shared-index", 4, "cosine");
        PineconeOptions operatorsIndex = PineconeOptions.defaults(fake.apiKey(), fake.controlPlaneUrl()).withTls(false)
                .withDefaultIndex(PineconeOptions.IndexLocation.named("shared-index"));
        PineconeBackend a = new PineconeBackend(operatorsIndex);
        PineconeBackend b = new PineconeBackend(operatorsIndex);
        opened.add(a);
        opened.add(b);
        CollectionSpec spec = new CollectionSpec("docs", 4, Metric.COSINE);
        a.ensureCollection(spec);
        Placement dedicated = Placement.dedicated(spec, "t_a", "tenant_a");
        a.ensurePartition(dedicated);
        a.ensurePartition(Placement.dedicated(spec, "t_b", "tenant_b"));
        a.upsert(dedicated, List.of(record("x", 1, 0, 0, 0)));
        CollectionSpec other = new CollectionSpec("notes", 4, Metric.COSINE);
        a.ensureCollection(other);
        a.ensurePartition(Placement.dedicated(other, "t_a", "tenant_a"));

        b.dropCollection(spec);

        assertThat(shared.namespaces()).containsExactly("notes-t_a");
    }
}
