package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.VectorRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;

/** Turns hits back into records: id, metadata and timestamp from stored fields, values from the vector index. */
final class StoredRecords {

    static final Set<String> RECORD_FIELDS = Set.of(RecordDocument.ID, RecordDocument.METADATA, RecordDocument.TIMESTAMP_STORED);

    private StoredRecords() {
    }

    /** The records of {@code hits}, in the same order. */
    static List<VectorRecord> read(IndexSearcher searcher, ScoreDoc[] hits, boolean includeValues) throws IOException {
        Map<Integer, float[]> vectors = includeValues ? vectors(searcher.getIndexReader(), hits) : Map.of();
        StoredFields stored = searcher.storedFields();
        List<VectorRecord> records = new ArrayList<>(hits.length);
        for (ScoreDoc hit : hits) {
            Document doc = stored.document(hit.doc, RECORD_FIELDS);
            records.add(new VectorRecord(doc.get(RecordDocument.ID), vectors.get(hit.doc),
                    RecordDocument.metadata(doc), RecordDocument.timestamp(doc)));
        }
        return records;
    }

    /**
     * The vectors of {@code hits} by top-level doc id. Vector values are a forward-only iterator per
     * segment, so the docs are visited in ascending order with one iterator per segment.
     */
    static Map<Integer, float[]> vectors(IndexReader reader, ScoreDoc[] hits) throws IOException {
        int[] docs = Arrays.stream(hits).mapToInt(hit -> hit.doc).sorted().toArray();
        List<LeafReaderContext> leaves = reader.leaves();
        Map<Integer, float[]> vectors = new HashMap<>();
        int leafIndex = -1;
        LeafReaderContext leaf = null;
        FloatVectorValues values = null;
        for (int doc : docs) {
            int index = ReaderUtil.subIndex(doc, leaves);
            if (index != leafIndex) {
                leafIndex = index;
                leaf = leaves.get(index);
                values = leaf.reader().getFloatVectorValues(RecordDocument.VECTOR);
            }
            if (values == null) {
                continue;
            }
            int target = doc - leaf.docBase;
            int at = values.docID() < target ? values.advance(target) : values.docID();
            if (at == target) {
                // The returned array may be reused by the iterator.
                vectors.put(doc, values.vectorValue().clone());
            }
        }
        return vectors;
    }
}
