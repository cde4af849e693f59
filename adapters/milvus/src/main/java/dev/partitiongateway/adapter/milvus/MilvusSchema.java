package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.spi.Metric;
import io.milvus.v2.common.DataType;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.response.DescribeCollectionResp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Milvus collections the adapter makes, and how a gateway collection maps onto them.
 *
 * <p>A gateway collection {@code c} is up to two Milvus collections: {@code c} holds the dedicated
 * placements, one Milvus partition each; {@code c_SHARED} (created with the first shared bucket)
 * holds every shared bucket, with the tenant as partition key. Gateway names are lower-case, so no
 * gateway collection can be named like a shared one.
 *
 * <p>Fields (VarChar lengths are UTF-8 bytes, as Milvus counts them):
 * <ul>
 *   <li>{@code pk}: placement, tenant and id, unambiguous (see {@link #key}), so that the same id of two
 *       tenants, or of one tenant in two placements, are two records;</li>
 *   <li>{@code id}, {@code tenant}, {@code placement}: the parts, for filters and reads;</li>
 *   <li>{@code vector}; {@code metadata} (the record's JSON, returned as stored);
 *       {@code filterable} (derived from it, see {@link FilterableMetadata});</li>
 *   <li>{@code ts} (epoch milliseconds, 0 when untimed), {@code ts_nanos} (the rest, so the timestamp
 *       round-trips exactly), {@code timed} (whether the record has a timestamp: a range never matches
 *       a record without one, and no field is ever null).</li>
 * </ul>
 */
final class MilvusSchema {

    static final String PRIMARY_KEY = "pk";
    static final String ID = "id";
    static final String TENANT = "tenant";
    static final String PLACEMENT = "placement";
    static final String VECTOR = "vector";
    static final String METADATA = "metadata";
    static final String FILTERABLE = "filterable";
    static final String TIMESTAMP = "ts";
    static final String TIMESTAMP_NANOS = "ts_nanos";
    static final String TIMED = "timed";

    static final String SHARED_SUFFIX = "_SHARED";

    /** The gateway's 512-character ids, at most 4 UTF-8 bytes per character. */
    static final int ID_MAX_BYTES = 2048;
    /** The gateway's tenant ids are 64 ASCII characters; this leaves room for any 64-character string. */
    static final int TENANT_MAX_BYTES = 256;
    static final int PLACEMENT_MAX_BYTES = 200;
    /** placement + '/' + tenant length (3 digits) + ':' + tenant + '/' + id, rounded up. */
    static final int PRIMARY_KEY_MAX_BYTES = 2560;
    /** Milvus's limit for one JSON value. */
    static final int JSON_MAX_BYTES = 65_536;
    /** Milvus's largest vector dimension. */
    static final int MAX_DIMENSION = 32_768;

    private MilvusSchema() {
    }

    static String dedicatedCollection(String gatewayCollection) {
        return gatewayCollection;
    }

    static String sharedCollection(String gatewayCollection) {
        return gatewayCollection + SHARED_SUFFIX;
    }

    /**
     * The primary key of a record. The placement name has no '/', and the tenant is length-prefixed,
     * so the key is unambiguous whatever characters tenant and id contain.
     */
    static String key(String placement, String tenant, String id) {
        return placement + "/" + tenant.length() + ":" + tenant + "/" + id;
    }

    /**
     * The key of a shared bucket's marker row, which records that the bucket exists. No record key is
     * this short: a record key always has a tenant part after the slash.
     */
    static String markerKey(String placement) {
        return placement + "/";
    }

    static CreateCollectionReq.CollectionSchema schema(int dimension, boolean tenantIsPartitionKey) {
        CreateCollectionReq.CollectionSchema schema = CreateCollectionReq.CollectionSchema.builder().enableDynamicField(false).build();
        schema.addField(AddFieldReq.builder().fieldName(PRIMARY_KEY).dataType(DataType.VarChar).isPrimaryKey(true).autoID(false)
                .maxLength(PRIMARY_KEY_MAX_BYTES).build());
        schema.addField(AddFieldReq.builder().fieldName(ID).dataType(DataType.VarChar).maxLength(ID_MAX_BYTES).build());
        schema.addField(AddFieldReq.builder().fieldName(TENANT).dataType(DataType.VarChar).maxLength(TENANT_MAX_BYTES)
                .isPartitionKey(tenantIsPartitionKey).build());
        schema.addField(AddFieldReq.builder().fieldName(PLACEMENT).dataType(DataType.VarChar).maxLength(PLACEMENT_MAX_BYTES).build());
        schema.addField(AddFieldReq.builder().fieldName(VECTOR).dataType(DataType.FloatVector).dimension(dimension).build());
        schema.addField(AddFieldReq.builder().fieldName(METADATA).dataType(DataType.JSON).build());
        schema.addField(AddFieldReq.builder().fieldName(FILTERABLE).dataType(DataType.JSON).build());
        schema.addField(AddFieldReq.builder().fieldName(TIMESTAMP).dataType(DataType.Int64).build());
        schema.addField(AddFieldReq.builder().fieldName(TIMESTAMP_NANOS).dataType(DataType.Int64).build());
        schema.addField(AddFieldReq.builder().fieldName(TIMED).dataType(DataType.Bool).build());
        return schema;
    }

    static IndexParam.MetricType metricType(Metric metric) {
        return switch (metric) {
            case COSINE -> IndexParam.MetricType.COSINE;
            case L2 -> IndexParam.MetricType.L2;
            case DOT -> IndexParam.MetricType.IP;
        };
    }

    static Metric metric(IndexParam.MetricType type) {
        return switch (type) {
            case COSINE -> Metric.COSINE;
            case L2 -> Metric.L2;
            case IP -> Metric.DOT;
            default -> null;
        };
    }

    static IndexParam vectorIndex(MilvusOptions options, Metric metric) {
        IndexParam.IndexParamBuilder index = IndexParam.builder().fieldName(VECTOR).indexName(VECTOR)
                .indexType(IndexParam.IndexType.valueOf(options.indexType())).metricType(metricType(metric));
        if (options.indexType().equals("HNSW")) {
            index.extraParams(Map.of("M", options.hnswM(), "efConstruction", options.hnswEfConstruction()));
        } else if (options.indexType().equals("IVF_FLAT")) {
            index.extraParams(Map.of("nlist", 128));
        }
        return index.build();
    }

    /** What is wrong with an existing Milvus collection of this name, or an empty list when it is one of ours. */
    static List<String> problems(DescribeCollectionResp described, boolean tenantIsPartitionKey) {
        List<String> problems = new ArrayList<>();
        CreateCollectionReq.CollectionSchema schema = described.getCollectionSchema();
        expect(problems, schema, PRIMARY_KEY, DataType.VarChar);
        expect(problems, schema, ID, DataType.VarChar);
        expect(problems, schema, TENANT, DataType.VarChar);
        expect(problems, schema, PLACEMENT, DataType.VarChar);
        expect(problems, schema, VECTOR, DataType.FloatVector);
        expect(problems, schema, METADATA, DataType.JSON);
        expect(problems, schema, FILTERABLE, DataType.JSON);
        expect(problems, schema, TIMESTAMP, DataType.Int64);
        expect(problems, schema, TIMESTAMP_NANOS, DataType.Int64);
        expect(problems, schema, TIMED, DataType.Bool);
        if (problems.isEmpty() && !PRIMARY_KEY.equals(described.getPrimaryFieldName())) {
            problems.add("its primary key is " + described.getPrimaryFieldName() + ", not " + PRIMARY_KEY);
        }
        CreateCollectionReq.FieldSchema tenant = schema.getField(TENANT);
        if (tenant != null && Boolean.TRUE.equals(tenant.getIsPartitionKey()) != tenantIsPartitionKey) {
            problems.add(tenantIsPartitionKey ? "its tenant field is not a partition key" : "its tenant field is a partition key");
        }
        return problems;
    }

    private static void expect(List<String> problems, CreateCollectionReq.CollectionSchema schema, String name, DataType type) {
        CreateCollectionReq.FieldSchema field = schema.getField(name);
        if (field == null) {
            problems.add("it has no field " + name);
        } else if (field.getDataType() != type) {
            problems.add("its field " + name + " is " + field.getDataType() + ", not " + type);
        }
    }
}
