package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.VectorRecord;
import io.pinecone.proto.ListItem;
import io.pinecone.proto.ListResponse;
import io.pinecone.proto.Vector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A scan of one tenant's records in one namespace: {@code list} pages of the tenant's id range
 * (bytewise order, pagination token; first the plain ids, then the hashed ones), each batch of ids
 * fetched (at most 1,000 per fetch) and filtered here with {@link RecordFilter}. Pages returned are
 * never larger than the requested batch size.
 *
 * <p>Every id listed is returned at most once, since the list token moves strictly forward. Under
 * Pinecone's eventual consistency a record written shortly before the scan may be missing, and one
 * deleted shortly before may still be listed; ids listed but already gone when fetched are skipped.
 */
final class PineconeRecordCursor implements RecordCursor {

    private static final int MAX_FETCH_IDS = 1000;

    private final DataPlane dataPlane;
    private final String namespace;
    private final String tenant;
    private final ScanRequest request;
    private final int listPageSize;
    private final Deque<String> prefixes = new ArrayDeque<>();
    private final Deque<VectorRecord> ready = new ArrayDeque<>();
    private String token;
    private boolean closed;

    PineconeRecordCursor(DataPlane dataPlane, String namespace, String tenant, ScanRequest request, int listPageSize) {
        this.dataPlane = dataPlane;
        this.namespace = namespace;
        this.tenant = tenant;
        this.request = request;
        this.listPageSize = listPageSize;
        prefixes.add(StoredIds.plainPrefix(tenant));
        prefixes.add(StoredIds.hashedPrefix(tenant));
    }

    @Override
    public List<VectorRecord> next() {
        if (closed) {
            throw new IllegalStateException("the cursor is closed");
        }
        while (ready.size() < request.batchSize() && !prefixes.isEmpty()) {
            List<String> ids = listIds(Math.min(MAX_FETCH_IDS, Math.max(listPageSize, request.batchSize() - ready.size())));
            if (ids.isEmpty()) {
                continue;
            }
            Map<String, Vector> fetched = dataPlane.fetch(namespace, ids);
            for (String storedId : ids) {
                Vector vector = fetched.get(storedId);
                if (vector == null) {
                    continue; // deleted between list and fetch
                }
                RecordMetadata.Decoded decoded = RecordMetadata.fromStruct(vector.getMetadata());
                if (!tenant.equals(decoded.tenant()) || !RecordFilter.matches(request.filter(), decoded.metadata(), decoded.timestamp())) {
                    continue;
                }
                float[] values = null;
                if (request.includeValues()) {
                    values = new float[vector.getValuesCount()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = vector.getValues(i);
                    }
                }
                ready.add(new VectorRecord(decoded.id(), values, decoded.metadata(), decoded.timestamp()));
            }
        }
        List<VectorRecord> page = new ArrayList<>(Math.min(ready.size(), request.batchSize()));
        while (!ready.isEmpty() && page.size() < request.batchSize()) {
            page.add(ready.pollFirst());
        }
        return page;
    }

    /** Up to {@code wanted} ids from one or more list pages of the current prefix. */
    private List<String> listIds(int wanted) {
        List<String> ids = new ArrayList<>();
        while (ids.size() < wanted && !prefixes.isEmpty()) {
            ListResponse page = dataPlane.list(namespace, prefixes.peekFirst(), token, Math.min(listPageSize, wanted - ids.size()));
            page.getVectorsList().stream().map(ListItem::getId).forEach(ids::add);
            if (page.hasPagination() && !page.getPagination().getNext().isEmpty()) {
                token = page.getPagination().getNext();
            } else {
                token = null;
                prefixes.pollFirst();
            }
        }
        return ids;
    }

    @Override
    public void close() {
        closed = true;
        ready.clear();
        prefixes.clear();
    }
}
