package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.VectorRecord;
import java.io.IOException;
import java.util.List;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TopFieldDocs;

/**
 * A scan over one point-in-time searcher: writes made after the scan started are invisible to it,
 * so no record is skipped or repeated however the placement changes meanwhile. Paging is by key
 * (unique per tenant) with searchAfter, so each page costs the same and the order is stable.
 */
final class LuceneRecordCursor implements RecordCursor {

    private static final Sort BY_KEY = new Sort(new SortField(RecordDocument.KEY, SortField.Type.STRING));

    private final PlacementIndex index;
    private final Query query;
    private final int pageSize;
    private final boolean includeValues;
    private final String description;
    private IndexSearcher searcher;
    private FieldDoc after;
    private boolean exhausted;
    private boolean closed;

    LuceneRecordCursor(PlacementIndex index, IndexSearcher searcher, Query query, ScanRequest request,
                       int maxPageSize, String description) {
        this.index = index;
        this.searcher = searcher;
        this.query = query;
        this.pageSize = Math.min(request.batchSize(), maxPageSize);
        this.includeValues = request.includeValues();
        this.description = description;
    }

    @Override
    public List<VectorRecord> next() {
        if (closed) {
            throw new IllegalStateException("cursor is closed");
        }
        if (exhausted) {
            return List.of();
        }
        try {
            TopFieldDocs page = searcher.searchAfter(after, query, pageSize, BY_KEY, false);
            ScoreDoc[] hits = page.scoreDocs;
            if (hits.length > 0) {
                after = (FieldDoc) hits[hits.length - 1];
            }
            List<VectorRecord> records = StoredRecords.read(searcher, hits, includeValues);
            if (hits.length < pageSize) {
                // A short page is the last one; let the snapshot go now rather than at close().
                exhausted = true;
                releaseSearcher();
            }
            return records;
        } catch (IOException | RuntimeException e) {
            throw LuceneBackend.translate(description, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            releaseSearcher();
        } catch (IOException | RuntimeException e) {
            throw LuceneBackend.translate(description, e);
        }
    }

    private void releaseSearcher() throws IOException {
        if (searcher != null) {
            IndexSearcher pinned = searcher;
            searcher = null;
            index.release(pinned);
        }
    }
}
