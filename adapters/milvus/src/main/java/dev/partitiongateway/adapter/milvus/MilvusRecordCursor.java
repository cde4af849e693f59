package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.VectorRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pages through a placement in primary-key order: each page is the next {@code batchSize} records
 * after the last key returned. Nothing is held on the server, so a cursor that is never read to the
 * end costs nothing. The first page is read when the cursor is made, so that a placement that does
 * not exist fails at {@code scan}.
 */
final class MilvusRecordCursor implements RecordCursor {

    private final MilvusBackend backend;
    private final MilvusBackend.Target target;
    private final ScanRequest request;
    private final List<String> outputs;
    private final int pageSize;
    private List<Map<String, Object>> prefetched;
    private String lastKey;
    private boolean exhausted;

    MilvusRecordCursor(MilvusBackend backend, MilvusBackend.Target target, ScanRequest request) {
        this.backend = backend;
        this.target = target;
        this.request = request;
        this.pageSize = Math.min(request.batchSize(), MilvusBackend.MAX_TOP_K);
        List<String> fields = new ArrayList<>(List.of(MilvusSchema.ID, MilvusSchema.METADATA, MilvusSchema.TIMESTAMP,
                MilvusSchema.TIMESTAMP_NANOS, MilvusSchema.TIMED));
        if (request.includeValues()) {
            fields.add(MilvusSchema.VECTOR);
        }
        this.outputs = List.copyOf(fields);
        this.prefetched = readPage();
    }

    @Override
    public List<VectorRecord> next() {
        List<Map<String, Object>> page;
        if (prefetched != null) {
            page = prefetched;
            prefetched = null;
        } else if (exhausted) {
            return List.of();
        } else {
            page = readPage();
        }
        List<VectorRecord> records = new ArrayList<>(page.size());
        page.forEach(entity -> records.add(MilvusRecords.record(entity)));
        return records;
    }

    private List<Map<String, Object>> readPage() {
        List<Map<String, Object>> page = backend.page(target, request.filter(), lastKey, pageSize, outputs);
        if (page.size() < pageSize) {
            exhausted = true;
        }
        if (!page.isEmpty()) {
            lastKey = (String) page.get(page.size() - 1).get(MilvusSchema.PRIMARY_KEY);
        }
        return page;
    }

    @Override
    public void close() {
        exhausted = true;
        prefetched = null;
    }
}
