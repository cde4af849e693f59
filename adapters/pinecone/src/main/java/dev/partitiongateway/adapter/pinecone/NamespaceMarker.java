package dev.partitiongateway.adapter.pinecone;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.pinecone.proto.Vector;
import java.util.ArrayList;
import java.util.List;

/**
 * The record that marks a namespace as a placement the gateway created, and for which collection.
 *
 * <p>An index the operator supplies may hold other applications' namespaces, some of which may
 * start with {@code <collection>-} too. Pinecone namespaces carry no labels, so {@code ensurePartition}
 * writes this record into every namespace it creates, and dropping a collection deletes only the
 * namespaces that carry it (or that this process created itself).
 *
 * <p>The marker never appears in a tenant's results: its id contains neither {@code /} nor {@code #},
 * so it is outside every tenant's id range ({@link StoredIds}), and it has no {@code pg:tenant}, so
 * every query's tenant filter excludes it. Namespace stats count it.
 */
final class NamespaceMarker {

    static final String ID = "pg:namespace";
    static final String OWNER_FIELD = "pg:owner";
    static final String OWNER = "partition-gateway";
    static final String COLLECTION_FIELD = "pg:collection";

    private NamespaceMarker() {
    }

    /** The marker of a namespace of {@code collection}, in an index of {@code dimension} (a unit vector: Pinecone refuses all zeros). */
    static Vector of(String collection, int dimension) {
        List<Float> values = new ArrayList<>(dimension);
        values.add(1f);
        for (int i = 1; i < dimension; i++) {
            values.add(0f);
        }
        return Vector.newBuilder().setId(ID).addAllValues(values).setMetadata(Struct.newBuilder()
                .putFields(OWNER_FIELD, Value.newBuilder().setStringValue(OWNER).build())
                .putFields(COLLECTION_FIELD, Value.newBuilder().setStringValue(collection).build())).build();
    }

    /** Whether a namespace's marker (as fetched, or {@code null}) says the gateway created it for {@code collection}. */
    static boolean marks(Vector marker, String collection) {
        if (marker == null) {
            return false;
        }
        var fields = marker.getMetadata().getFieldsMap();
        Value owner = fields.get(OWNER_FIELD);
        Value of = fields.get(COLLECTION_FIELD);
        return owner != null && OWNER.equals(owner.getStringValue()) && of != null && collection.equals(of.getStringValue());
    }
}
