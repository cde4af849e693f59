package dev.partitiongateway.adapter.pinecone;

import com.google.protobuf.Struct;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.BackendHealth;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import dev.partitiongateway.spi.filter.FilterOperator;
import io.pinecone.proto.ListItem;
import io.pinecone.proto.ListResponse;
import io.pinecone.proto.QueryResponse;
import io.pinecone.proto.ScoredVector;
import io.pinecone.proto.Vector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Pinecone serverless through {@code io.pinecone:pinecone-client} 6.x.
 *
 * <h2>Mapping</h2>
 * A gateway collection is a Pinecone index (see {@link IndexDirectory}); a placement, dedicated or a
 * shared bucket, is the namespace {@code <collection>-<placement>}. Records carry their tenant in
 * metadata and every read, count, scan and delete is filtered by it, in both layouts; ids are scoped
 * by tenant ({@link StoredIds}), so a call that names another tenant never sees or overwrites the
 * owner's records. Dropping a placement deletes its namespace ({@code deleteNamespace}), not just its
 * records, so namespace caps do not fill up with empty namespaces.
 *
 * <h2>Reads</h2>
 * Search is one query per namespace with the filter translated by {@link PineconeFilterMapper};
 * scores are normalised (euclidean comes back as the squared distance: {@code 1/(1+d²)}). Fetch, scan,
 * count and delete-by-filter read ids with {@code list} and records with {@code fetch}, filtering
 * exactly with {@link RecordFilter}: Pinecone returns no counts and its stats lag and are per namespace.
 *
 * <h2>Consistency</h2>
 * Pinecone acknowledges a write before it is visible: right after an upsert or delete, fetch, search,
 * list, counts and scans may still show the previous state for a while (usually seconds). Deletes are
 * always sent for every requested id, visible or not, so a delete right after an upsert of the same id
 * is applied after it; the number of deleted records a delete reports is what was visible.
 */
public final class PineconeBackend implements VectorBackend {

    public static final String KIND = "pinecone";

    static final int MAX_BATCH = 1000;
    static final int MAX_TOP_K = 10_000;
    static final int MAX_ID_LENGTH = 512;
    /** A query response above 4 MB is refused by Pinecone: larger results are fetched in a second step. */
    private static final long MAX_QUERY_RESPONSE_BYTES = 3_500_000;
    /** Per-record overhead of an upsert request besides the vector itself (field tags and lengths). */
    private static final int UPSERT_OVERHEAD_PER_RECORD = 8;

    private static final Capabilities CAPABILITIES = new Capabilities(false, MAX_BATCH, EnumSet.allOf(FilterOperator.class),
            true, Consistency.EVENTUAL, MAX_ID_LENGTH, false);

    private final PineconeOptions options;
    private final IndexDirectory indexes;
    private volatile boolean closed;

    public PineconeBackend(PineconeOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.indexes = new IndexDirectory(options, new PineconeCalls(options.retry()));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    // ---------------------------------------------------------------- structure

    @Override
    public void ensureCollection(CollectionSpec spec) {
        requireOpen();
        indexes.ensure(spec);
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        requireOpen();
        indexes.drop(spec);
    }

    @Override
    public void ensurePartition(Placement placement) {
        requireOpen();
        IndexDirectory.Target target = indexes.require(placement.collection());
        String namespace = namespace(placement);
        target.dataPlane().createNamespace(namespace);
        // Also into a namespace that existed already: a marker lost with a failed earlier attempt is written again.
        target.dataPlane().upsert(namespace, List.of(NamespaceMarker.of(placement.collection().name(), placement.collection().dimension())));
        target.namespaces().ensured(namespace);
    }

    @Override
    public void dropPartition(Placement placement) {
        requireOpen();
        var target = indexes.find(placement.collection());
        if (target.isEmpty()) {
            return;
        }
        String namespace = namespace(placement);
        target.get().namespaces().drop(namespace);
        target.get().dataPlane().deleteNamespace(namespace);
    }

    // ---------------------------------------------------------------- data

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        Objects.requireNonNull(records, "records");
        requireOpen();
        if (records.size() > MAX_BATCH) {
            throw new BackendException.Rejected("batch of " + records.size() + " records is above the maximum of " + MAX_BATCH);
        }
        CollectionSpec spec = placement.collection();
        // Every record is checked and converted before anything is sent, so bad input changes nothing.
        List<Vector> vectors = new ArrayList<>(records.size());
        for (VectorRecord record : records) {
            requireValidId(record.id());
            requireValidVector("record " + record.id(), record.values(), spec, true);
            vectors.add(Vector.newBuilder()
                    .setId(StoredIds.storedId(placement.tenant(), record.id()))
                    .addAllValues(floats(record.values()))
                    .setMetadata(RecordMetadata.toStruct(placement.tenant(), record))
                    .build());
        }
        IndexDirectory.Target target = indexes.require(spec);
        String namespace = requireNamespaceForWrite(target, placement);
        for (List<Vector> batch : batches(namespace, vectors)) {
            target.dataPlane().upsert(namespace, batch);
        }
    }

    /** Consecutive batches of at most 1,000 records and {@code max-upsert-bytes} serialised. */
    private List<List<Vector>> batches(String namespace, List<Vector> vectors) {
        List<List<Vector>> batches = new ArrayList<>();
        List<Vector> current = new ArrayList<>();
        long bytes = namespace.length() + 16L;
        for (Vector vector : vectors) {
            long size = vector.getSerializedSize() + UPSERT_OVERHEAD_PER_RECORD;
            if (!current.isEmpty() && (current.size() == MAX_BATCH || bytes + size > options.maxUpsertBytes())) {
                batches.add(current);
                current = new ArrayList<>();
                bytes = namespace.length() + 16L;
            }
            current.add(vector);
            bytes += size;
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    @Override
    public List<Match> search(List<Placement> placements, SearchQuery query) {
        Objects.requireNonNull(placements, "placements");
        Objects.requireNonNull(query, "query");
        requireOpen();
        if (placements.isEmpty()) {
            return List.of();
        }
        CollectionSpec spec = Placement.commonCollection(placements);
        requireValidVector("query vector", query.vector(), spec, false);
        if (query.topK() > MAX_TOP_K) {
            throw new BackendException.Rejected("topK " + query.topK() + " is above Pinecone's maximum of " + MAX_TOP_K);
        }
        // Translated (and refused, if it must be) before anything is sent.
        Map<Placement, Struct> filters = new LinkedHashMap<>();
        for (Placement placement : placements) {
            filters.put(placement, PineconeFilterMapper.scoped(placement.tenant(), query.filter()));
        }
        IndexDirectory.Target target = indexes.require(spec);
        List<Match> matches = new ArrayList<>();
        filters.forEach((placement, filter) -> matches.addAll(searchOne(target, placement, query, filter)));
        matches.sort(Comparator.comparingDouble((Match m) -> m.score()).reversed()
                .thenComparing(Match::placement)
                .thenComparing(Match::id));
        return List.copyOf(matches.subList(0, Math.min(query.topK(), matches.size())));
    }

    private List<Match> searchOne(IndexDirectory.Target target, Placement placement, SearchQuery query, Struct filter) {
        String namespace = requireNamespace(target, placement);
        long perMatch = 600L + (query.includeValues() ? 5L * query.vector().length : 0)
                + (query.includeMetadata() ? RecordMetadata.MAX_METADATA_BYTES + 100L : 0);
        // Pinecone refuses a query whose response exceeds 4 MB: with many large results, query ids and
        // scores only and fetch values and metadata afterwards, at most 1,000 per fetch.
        boolean inline = perMatch * query.topK() <= MAX_QUERY_RESPONSE_BYTES;
        QueryResponse response = target.dataPlane().query(namespace, floats(query.vector()), query.topK(), filter,
                inline && query.includeValues(), inline && query.includeMetadata());
        Map<String, Vector> details = new HashMap<>();
        List<String> needDetails = new ArrayList<>();
        for (ScoredVector scored : response.getMatchesList()) {
            boolean hashed = StoredIds.externalId(placement.tenant(), scored.getId()) == null;
            if (!inline && (query.includeValues() || query.includeMetadata()) || (hashed && !scored.hasMetadata())) {
                needDetails.add(scored.getId());
            }
        }
        for (List<String> chunk : chunks(needDetails, MAX_BATCH)) {
            details.putAll(target.dataPlane().fetch(namespace, chunk));
        }
        List<Match> matches = new ArrayList<>(response.getMatchesCount());
        for (ScoredVector scored : response.getMatchesList()) {
            if (!StoredIds.belongsTo(placement.tenant(), scored.getId())) {
                continue; // cannot happen with the tenant filter; never return another tenant's record
            }
            Vector detail = details.get(scored.getId());
            Struct metadataStruct = scored.hasMetadata() ? scored.getMetadata() : detail != null ? detail.getMetadata() : null;
            String id = StoredIds.externalId(placement.tenant(), scored.getId());
            RecordMetadata.Decoded decoded = metadataStruct == null ? null : RecordMetadata.fromStruct(metadataStruct);
            if (id == null) {
                if (decoded == null) {
                    continue; // a hashed id whose record vanished between query and fetch
                }
                id = decoded.id();
            }
            float[] values = null;
            if (query.includeValues()) {
                List<Float> source = scored.getValuesCount() > 0 ? scored.getValuesList() : detail != null ? detail.getValuesList() : List.of();
                values = new float[source.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = source.get(i);
                }
            }
            Map<String, Object> metadata = query.includeMetadata() && decoded != null ? decoded.metadata() : Map.of();
            float raw = scored.getScore();
            matches.add(new Match(id, placement.name(), normalised(placement.collection().metric(), raw), raw, values, metadata));
        }
        return matches;
    }

    static float normalised(Metric metric, float raw) {
        return metric == Metric.L2 ? Metric.l2Score(raw) : raw;
    }

    @Override
    public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
        Objects.requireNonNull(ids, "ids");
        requireOpen();
        IndexDirectory.Target target = indexes.require(placement.collection());
        String namespace = requireNamespace(target, placement);
        List<VectorRecord> found = new ArrayList<>();
        for (List<String> chunk : chunks(storedIds(placement, ids), MAX_BATCH)) {
            Map<String, Vector> fetched = target.dataPlane().fetch(namespace, chunk);
            for (String storedId : chunk) {
                Vector vector = fetched.get(storedId);
                if (vector == null) {
                    continue;
                }
                RecordMetadata.Decoded decoded = RecordMetadata.fromStruct(vector.getMetadata());
                if (!placement.tenant().equals(decoded.tenant())) {
                    continue;
                }
                float[] values = new float[vector.getValuesCount()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = vector.getValues(i);
                }
                found.add(new VectorRecord(decoded.id(), values, decoded.metadata(), decoded.timestamp()));
            }
        }
        return found;
    }

    /**
     * Pinecone's delete returns no count: the ids are fetched first (within the tenant scope) to count
     * those that exist, then every requested id is deleted, visible or not.
     */
    @Override
    public long delete(Placement placement, Collection<String> ids) {
        Objects.requireNonNull(ids, "ids");
        requireOpen();
        IndexDirectory.Target target = indexes.require(placement.collection());
        String namespace = requireNamespace(target, placement);
        long existed = 0;
        for (List<String> chunk : chunks(storedIds(placement, ids), MAX_BATCH)) {
            Map<String, Vector> fetched = target.dataPlane().fetch(namespace, chunk);
            existed += fetched.values().stream()
                    .filter(v -> placement.tenant().equals(RecordMetadata.fromStruct(v.getMetadata()).tenant()))
                    .count();
            target.dataPlane().deleteIds(namespace, chunk);
        }
        return existed;
    }

    @Override
    public long deleteByFilter(Placement placement, Filter filter) {
        requireOpen();
        IndexDirectory.Target target = indexes.require(placement.collection());
        String namespace = requireNamespace(target, placement);
        List<String> matching = filter == null ? listAll(target, namespace, placement.tenant()) : matchingStoredIds(target, namespace, placement, filter);
        for (List<String> chunk : chunks(matching, MAX_BATCH)) {
            target.dataPlane().deleteIds(namespace, chunk);
        }
        return matching.size();
    }

    private List<String> matchingStoredIds(IndexDirectory.Target target, String namespace, Placement placement, Filter filter) {
        List<String> ids = new ArrayList<>();
        try (RecordCursor cursor = new PineconeRecordCursor(target.dataPlane(), namespace, placement.tenant(),
                new ScanRequest(MAX_BATCH, filter, false), options.listPageSize())) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                page.forEach(r -> ids.add(StoredIds.storedId(placement.tenant(), r.id())));
            }
        }
        return ids;
    }

    /** Exact per tenant: counted from the tenant's listed ids, not from namespace stats (per namespace, and lagging). */
    @Override
    public long count(Placement placement, Filter filter) {
        requireOpen();
        IndexDirectory.Target target = indexes.require(placement.collection());
        String namespace = requireNamespace(target, placement);
        if (filter == null) {
            return listAll(target, namespace, placement.tenant()).size();
        }
        long count = 0;
        try (RecordCursor cursor = new PineconeRecordCursor(target.dataPlane(), namespace, placement.tenant(),
                new ScanRequest(MAX_BATCH, filter, false), options.listPageSize())) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                count += page.size();
            }
        }
        return count;
    }

    private List<String> listAll(IndexDirectory.Target target, String namespace, String tenant) {
        List<String> ids = new ArrayList<>();
        for (String prefix : List.of(StoredIds.plainPrefix(tenant), StoredIds.hashedPrefix(tenant))) {
            String token = null;
            do {
                ListResponse page = target.dataPlane().list(namespace, prefix, token, options.listPageSize());
                page.getVectorsList().stream().map(ListItem::getId).forEach(ids::add);
                token = page.hasPagination() && !page.getPagination().getNext().isEmpty() ? page.getPagination().getNext() : null;
            } while (token != null);
        }
        return ids;
    }

    @Override
    public RecordCursor scan(Placement placement, ScanRequest request) {
        Objects.requireNonNull(request, "request");
        requireOpen();
        IndexDirectory.Target target = indexes.require(placement.collection());
        String namespace = requireNamespace(target, placement);
        return new PineconeRecordCursor(target.dataPlane(), namespace, placement.tenant(), request, options.listPageSize());
    }

    @Override
    public BackendHealth health() {
        if (closed) {
            return BackendHealth.down("closed");
        }
        try {
            var configured = indexes.configuredHost();
            if (configured.isPresent()) {
                var stats = indexes.dataPlane(configured.get().host(), configured.get().describe()).stats();
                return BackendHealth.up(configured.get().describe() + ": " + stats.getTotalVectorCount() + " records in "
                        + stats.getNamespacesCount() + " namespaces");
            }
            int count = indexes.controlPlane().list().size();
            return BackendHealth.up("control plane " + options.controlPlaneUrl() + ": " + count + " indexes in the project");
        } catch (BackendException e) {
            return BackendHealth.down(e.getMessage());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        indexes.close();
    }

    // ---------------------------------------------------------------- helpers

    static String namespace(Placement placement) {
        return IndexDirectory.namespace(placement.collection().name(), placement.name());
    }

    /**
     * The placement's namespace for a read or a delete by id, which never create a namespace: known
     * to this process, or existing now. A placement that was never ensured, or was dropped here, is
     * {@link BackendException.NotFound}.
     */
    private String requireNamespace(IndexDirectory.Target target, Placement placement) {
        String namespace = namespace(placement);
        if (target.namespaces().exists(namespace)) {
            return namespace;
        }
        return requireNamespaceForWrite(target, placement);
    }

    /**
     * The placement's namespace for an upsert. Pinecone creates a namespace on its first upsert, so an
     * upsert into a placement that was never ensured, or was dropped (here or by another replica),
     * must be refused before it is sent: the namespace must exist in Pinecone now, whatever this
     * process saw before. That costs one {@code describeNamespace} per upsert call.
     */
    private String requireNamespaceForWrite(IndexDirectory.Target target, Placement placement) {
        String namespace = namespace(placement);
        if (target.namespaces().dropped(namespace)) {
            throw missing(target, placement, namespace);
        }
        if (!target.dataPlane().namespaceExists(namespace)) {
            target.namespaces().gone(namespace);
            throw missing(target, placement, namespace);
        }
        target.namespaces().seen(namespace);
        return namespace;
    }

    private static BackendException.NotFound missing(IndexDirectory.Target target, Placement placement, String namespace) {
        return new BackendException.NotFound("placement " + placement.collection().name() + "/" + placement.name()
                + " does not exist (no namespace '" + namespace + "' in Pinecone " + target.description() + ")");
    }

    private static List<String> storedIds(Placement placement, Collection<String> ids) {
        return new LinkedHashSet<>(ids).stream()
                .map(id -> StoredIds.storedId(placement.tenant(), Objects.requireNonNull(id, "id")))
                .distinct()
                .collect(Collectors.toList());
    }

    private static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            chunks.add(items.subList(i, Math.min(i + size, items.size())));
        }
        return chunks;
    }

    private static List<Float> floats(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    private void requireOpen() {
        if (closed) {
            throw new BackendException.Unavailable("the Pinecone backend is closed", null);
        }
    }

    private static void requireValidId(String id) {
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new BackendException.Rejected("id must have 1 to " + MAX_ID_LENGTH + " characters, not " + id.length());
        }
    }

    /** Pinecone refuses dense vectors that are all zeros whatever the metric; a zero query has no cosine. */
    private static void requireValidVector(String what, float[] vector, CollectionSpec spec, boolean stored) {
        if (vector == null) {
            throw new BackendException.Rejected(what + " has no values");
        }
        if (vector.length != spec.dimension()) {
            throw new BackendException.Rejected(what + " has dimension " + vector.length + ", collection "
                    + spec.name() + " has dimension " + spec.dimension());
        }
        boolean allZero = true;
        for (float value : vector) {
            if (!Float.isFinite(value)) {
                throw new BackendException.Rejected(what + " contains a value that is not a finite number");
            }
            allZero &= value == 0f;
        }
        if (allZero && stored) {
            throw new BackendException.Rejected(what + " is all zeros, which Pinecone does not store (dense vectors need a non-zero value)");
        }
        if (allZero && spec.metric() == Metric.COSINE) {
            throw new BackendException.Rejected(what + " is the zero vector, which has no cosine similarity");
        }
    }
}
