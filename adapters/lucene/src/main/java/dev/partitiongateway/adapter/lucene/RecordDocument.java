package dev.partitiongateway.adapter.lucene;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.VectorRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.BytesRef;

/**
 * The Lucene document form of a {@link VectorRecord}, and the field naming that
 * {@link LuceneFilterMapper} relies on to find metadata again.
 *
 * <p>Metadata is stored once as JSON (for exact round-trips) and indexed again as one field per
 * dotted path and value type, so that a filter can never confuse {@code 1} with {@code "1"} or
 * {@code true}: the type decides the field. Internal fields start with {@code _} and metadata fields
 * with {@code m.}, so no metadata key can reach an internal field.
 */
final class RecordDocument {

    /** Tenant and id together: ids are unique per tenant, not per placement. Also sorted for scans. */
    static final String KEY = "_key";
    static final String ID = "_id";
    static final String TENANT = "_tenant";
    static final String VECTOR = "_vector";
    static final String METADATA = "_metadata";
    static final String TIMESTAMP = "_timestamp";
    /** Stored separately from the point so that the exact Instant (nanos) round-trips. */
    static final String TIMESTAMP_STORED = "_timestamp_stored";
    /** Every metadata path a record has, including the paths of intermediate objects. */
    static final String EXISTS = "_exists";

    private static final String STRING_PREFIX = "m.s.";
    private static final String NUMBER_PREFIX = "m.n.";
    private static final String BOOLEAN_PREFIX = "m.b.";

    /** Well below Lucene's 32766-byte term limit; longer strings are indexed by digest. */
    private static final int MAX_PLAIN_TERM_BYTES = 1024;
    private static final String DIGEST_MARKER = "\u0000sha256:";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> METADATA_TYPE = new TypeReference<>() {
    };

    private RecordDocument() {
    }

    static String stringField(String path) {
        return STRING_PREFIX + path;
    }

    static String numberField(String path) {
        return NUMBER_PREFIX + path;
    }

    static String booleanField(String path) {
        return BOOLEAN_PREFIX + path;
    }

    /**
     * The length prefix makes the key unambiguous whatever characters the tenant contains, and keeps
     * a tenant's keys contiguous and ordered by id.
     */
    static String key(String tenant, String id) {
        return tenant.length() + ":" + tenant + id;
    }

    static Term keyTerm(String tenant, String id) {
        return new Term(KEY, key(tenant, id));
    }

    static BytesRef keyBytes(String tenant, String id) {
        return new BytesRef(key(tenant, id));
    }

    /**
     * The indexed form of a string value or path. Lucene refuses terms over 32766 bytes, so long
     * strings are indexed by their SHA-256 instead; queries go through the same function, so equality
     * stays exact.
     */
    static String term(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_PLAIN_TERM_BYTES) {
            return value;
        }
        try {
            return DIGEST_MARKER + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Folds -0.0 into 0.0: points order -0.0 below 0.0, but a filter means the number zero. */
    static double number(double value) {
        return value + 0.0;
    }

    static Document toDocument(String tenant, VectorRecord record, VectorSimilarityFunction similarity) {
        return toDocument(tenant, record.id(), record.values(), toJson(record.metadata()), record.metadata(), record.timestamp(), similarity);
    }

    /**
     * The document of one record whose metadata is given twice: as the JSON text to store, and as the
     * parsed object to index (the same value; a replayed record has only the text and parses it).
     */
    static Document toDocument(String tenant, String id, float[] values, String metadataJson, Map<String, Object> metadata,
                               Instant timestamp, VectorSimilarityFunction similarity) {
        String key = key(tenant, id);
        Document doc = new Document();
        doc.add(new StringField(KEY, key, Field.Store.NO));
        doc.add(new SortedDocValuesField(KEY, new BytesRef(key)));
        doc.add(new StoredField(ID, id));
        doc.add(new StringField(TENANT, tenant, Field.Store.NO));
        doc.add(new KnnFloatVectorField(VECTOR, values, similarity));
        doc.add(new StoredField(METADATA, metadataJson));
        if (timestamp != null) {
            try {
                doc.add(new LongPoint(TIMESTAMP, timestamp.toEpochMilli()));
            } catch (ArithmeticException e) {
                throw new BackendException.Rejected("timestamp out of range: " + timestamp, e);
            }
            doc.add(new StoredField(TIMESTAMP_STORED, timestamp.toString()));
        }
        indexObject(doc, "", metadata);
        return doc;
    }

    static Map<String, Object> metadata(Document stored) {
        return parseMetadata(stored.get(METADATA));
    }

    /** Metadata from the JSON text a document stores. */
    static Map<String, Object> parseMetadata(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, METADATA_TYPE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON", e);
        }
    }

    static Instant timestamp(Document stored) {
        String value = stored.get(TIMESTAMP_STORED);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeException e) {
            throw new IllegalStateException("stored timestamp is not an instant: " + value, e);
        }
    }

    static String toJson(Map<String, Object> metadata) {
        try {
            return JSON.writeValueAsString(metadata);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new BackendException.Rejected("metadata is not serialisable as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses metadata that cannot be indexed (a number that is not finite, a value of a type JSON does
     * not have), exactly as indexing it would: it is indexed into a document that is thrown away.
     */
    static void requireIndexable(Map<String, Object> metadata) {
        indexObject(new Document(), "", metadata);
    }

    private static void indexObject(Document doc, String prefix, Map<?, ?> object) {
        for (Map.Entry<?, ?> entry : object.entrySet()) {
            String path = prefix.isEmpty() ? String.valueOf(entry.getKey()) : prefix + "." + entry.getKey();
            doc.add(new StringField(EXISTS, term(path), Field.Store.NO));
            indexValue(doc, path, entry.getValue(), true);
        }
    }

    /**
     * Objects recurse into dotted paths; arrays make their scalar elements a multi-valued field, so
     * that {@code $eq} and {@code $in} match when any element does. Objects and arrays inside arrays
     * are kept in the stored JSON but not indexed: the filter language has no way to address them.
     */
    private static void indexValue(Document doc, String path, Object value, boolean topLevel) {
        if (value == null) {
            return;
        }
        if (value instanceof Map<?, ?> object) {
            if (topLevel) {
                indexObject(doc, path, object);
            }
        } else if (value instanceof List<?> array) {
            if (topLevel) {
                array.forEach(element -> indexValue(doc, path, element, false));
            }
        } else if (value instanceof String string) {
            doc.add(new StringField(stringField(path), term(string), Field.Store.NO));
        } else if (value instanceof Boolean bool) {
            doc.add(new StringField(booleanField(path), bool.toString(), Field.Store.NO));
        } else if (value instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new BackendException.Rejected("metadata " + path + " is not a finite number: " + n);
            }
            doc.add(new DoublePoint(numberField(path), number(d)));
        } else {
            throw new BackendException.Rejected("metadata " + path + " has unsupported type " + value.getClass().getSimpleName());
        }
    }
}
