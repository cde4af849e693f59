package dev.partitiongateway.adapter.milvus.fake;

import com.google.common.hash.Hashing;
import io.milvus.grpc.CollectionSchema;
import io.milvus.grpc.ConsistencyLevel;
import io.milvus.grpc.DataType;
import io.milvus.grpc.FieldSchema;
import io.milvus.grpc.KeyValuePair;
import io.milvus.grpc.LoadState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One collection of the fake: its schema, partitions, load state, vector index and rows. Callers
 * synchronise on the instance.
 *
 * <p>Rows are versioned by the hybrid timestamp of the write that made them and of the write that
 * deleted them, so that a read at timestamp T sees what Milvus's MVCC would show at T.
 */
final class FakeCollection {

    static final String DEFAULT_PARTITION = "_default";

    /** How the collection was loaded, which decides whether a new partition is loaded too (SyncNewCreatedPartition). */
    enum LoadType { NONE, COLLECTION, PARTITIONS }

    static final class Partition {
        final long id;
        final String name;
        final long createdTs;
        boolean loaded;
        /** Load-state polls left before a requested load completes; Milvus loads asynchronously. */
        int loadingPollsLeft;
        boolean loadRequested;

        Partition(long id, String name, long createdTs) {
            this.id = id;
            this.name = name;
            this.createdTs = createdTs;
        }

        LoadState state() {
            if (loaded) {
                return LoadState.LoadStateLoaded;
            }
            return loadRequested ? LoadState.LoadStateLoading : LoadState.LoadStateNotLoad;
        }
    }

    static final class Row {
        final Map<String, Object> values;
        final String partition;
        final long insertTs;
        final long sequence;
        long deleteTs = Long.MAX_VALUE;

        Row(Map<String, Object> values, String partition, long insertTs, long sequence) {
            this.values = values;
            this.partition = partition;
            this.insertTs = insertTs;
            this.sequence = sequence;
        }

        boolean visibleAt(long ts) {
            return insertTs <= ts && deleteTs > ts;
        }
    }

    record Index(long id, String name, String field, String indexType, String metricType, String params) {
    }

    final long id;
    final String database;
    final String name;
    final CollectionSchema schema;
    final Map<String, FieldSchema> fields = new LinkedHashMap<>();
    final FieldSchema primaryKey;
    final FieldSchema partitionKey;
    final ConsistencyLevel consistencyLevel;
    final List<KeyValuePair> properties;
    final long createdTs;
    final Map<String, Partition> partitions = new LinkedHashMap<>();
    final List<Row> rows = new ArrayList<>();
    Index index;
    LoadType loadType = LoadType.NONE;
    private long sequence;

    FakeCollection(long id, String database, String name, CollectionSchema schema, ConsistencyLevel consistencyLevel,
                   List<KeyValuePair> properties, long createdTs) {
        this.id = id;
        this.database = database;
        this.name = name;
        this.schema = schema;
        this.consistencyLevel = consistencyLevel;
        this.properties = List.copyOf(properties);
        this.createdTs = createdTs;
        FieldSchema pk = null;
        FieldSchema partitionKeyField = null;
        for (FieldSchema field : schema.getFieldsList()) {
            fields.put(field.getName(), field);
            if (field.getIsPrimaryKey()) {
                pk = field;
            }
            if (field.getIsPartitionKey()) {
                partitionKeyField = field;
            }
        }
        this.primaryKey = pk;
        this.partitionKey = partitionKeyField;
    }

    boolean partitionKeyMode() {
        return partitionKey != null;
    }

    DataType typeOf(String field) {
        FieldSchema schemaField = fields.get(field);
        return schemaField == null ? null : schemaField.getDataType();
    }

    Optional<FieldSchema> vectorField() {
        return fields.values().stream().filter(f -> f.getDataType() == DataType.FloatVector).findFirst();
    }

    static String typeParam(FieldSchema field, String key) {
        return field.getTypeParamsList().stream().filter(p -> p.getKey().equals(key)).map(KeyValuePair::getValue)
                .findFirst().orElse(null);
    }

    int dimension() {
        return vectorField().map(f -> Integer.parseInt(typeParam(f, "dim"))).orElse(0);
    }

    /** The physical partition a partition-key value hashes to: murmur3 of the UTF-8 key, modulo the count (typeutil.HashString2Uint32). */
    String partitionForKey(Object key) {
        List<String> names = new ArrayList<>(partitions.keySet());
        long hash;
        if (key instanceof String s) {
            hash = Integer.toUnsignedLong(Hashing.murmur3_32_fixed().hashBytes(s.getBytes(StandardCharsets.UTF_8)).asInt());
        } else {
            hash = Integer.toUnsignedLong(Hashing.murmur3_32_fixed().hashLong((Long) key).asInt());
        }
        return names.get((int) (hash % names.size()));
    }

    Row add(Map<String, Object> values, String partition, long ts) {
        Row row = new Row(values, partition, ts, sequence++);
        rows.add(row);
        return row;
    }

    /** Advances pending loads by one poll, as a real load makes progress between polls. */
    void advanceLoading() {
        for (Partition p : partitions.values()) {
            if (p.loadRequested && !p.loaded) {
                if (p.loadingPollsLeft <= 0) {
                    p.loaded = true;
                } else {
                    p.loadingPollsLeft--;
                    if (p.loadingPollsLeft == 0) {
                        p.loaded = true;
                    }
                }
            }
        }
    }

    void requestLoad(Partition p, int polls) {
        if (p.loaded) {
            return;
        }
        p.loadRequested = true;
        p.loadingPollsLeft = polls;
        if (polls <= 0) {
            p.loaded = true;
        }
    }

    void release(Partition p) {
        p.loaded = false;
        p.loadRequested = false;
        p.loadingPollsLeft = 0;
    }

    boolean anyLoaded() {
        return partitions.values().stream().anyMatch(p -> p.loaded);
    }

    /** Drops row versions deleted before {@code horizon}: no read can see them any more. */
    void compact(long horizon) {
        rows.removeIf(r -> r.deleteTs < horizon);
    }
}
