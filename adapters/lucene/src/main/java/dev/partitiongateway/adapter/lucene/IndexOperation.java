package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.VectorRecord;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.util.BytesRef;

/**
 * A change to a placement's index in the form its {@linkplain WriteAheadLog write-ahead log} keeps:
 * enough to apply it again, exactly, after a crash. Applying one is idempotent, and applying a suffix
 * of the history again on an index that already holds part of it yields the same index: an upsert
 * replaces its ids, a delete removes them.
 *
 * <p>Strings are written as UTF-16 code units, so every Java string (a lone surrogate included)
 * comes back as it was; metadata is kept as the JSON text the document stores.
 */
sealed interface IndexOperation {

    /** Applies the change to {@code writer}, as one atomic block, and returns Lucene's sequence number for it. */
    long applyTo(IndexWriter writer, VectorSimilarityFunction similarity) throws IOException;

    void writeTo(DataOutput out) throws IOException;

    static IndexOperation readFrom(DataInput in) throws IOException {
        byte type = in.readByte();
        if (type == Upsert.TYPE) {
            return Upsert.read(in);
        }
        if (type == Delete.TYPE) {
            return Delete.read(in);
        }
        throw new IOException("unknown operation type " + type);
    }

    /**
     * One record as logged: its metadata as the JSON text the document stores. That text, parsed, is
     * also what gets indexed, live and on replay alike, so both index the very same values.
     */
    record LoggedRecord(String id, float[] values, String metadataJson, Instant timestamp) {
    }

    /**
     * Replaces the tenant's records with these ids by these records (the last record wins when a
     * batch names an id twice; the caller has removed the duplicates).
     */
    record Upsert(String tenant, List<LoggedRecord> records) implements IndexOperation {
        static final byte TYPE = 1;

        /**
         * The logged form of {@code records}; refuses metadata that cannot be indexed (a number that is
         * not finite, a value of another type) or is not serialisable as JSON.
         */
        static Upsert of(String tenant, List<VectorRecord> records) {
            List<LoggedRecord> logged = new ArrayList<>(records.size());
            for (VectorRecord record : records) {
                RecordDocument.requireIndexable(record.metadata());
                logged.add(new LoggedRecord(record.id(), record.values(), RecordDocument.toJson(record.metadata()), record.timestamp()));
            }
            return new Upsert(tenant, logged);
        }

        /** The documents to add; refuses metadata or timestamps that cannot be indexed. */
        List<Document> documents(VectorSimilarityFunction similarity) {
            List<Document> documents = new ArrayList<>(records.size());
            for (LoggedRecord record : records) {
                documents.add(RecordDocument.toDocument(tenant, record.id(), record.values(), record.metadataJson(),
                        RecordDocument.parseMetadata(record.metadataJson()), record.timestamp(), similarity));
            }
            return documents;
        }

        /** The documents these records replace. */
        Query replaced() {
            List<BytesRef> keys = new ArrayList<>(records.size());
            records.forEach(record -> keys.add(RecordDocument.keyBytes(tenant, record.id())));
            return new TermInSetQuery(RecordDocument.KEY, keys);
        }

        @Override
        public long applyTo(IndexWriter writer, VectorSimilarityFunction similarity) throws IOException {
            return writer.updateDocuments(replaced(), documents(similarity));
        }

        @Override
        public void writeTo(DataOutput out) throws IOException {
            out.writeByte(TYPE);
            writeString(out, tenant);
            out.writeInt(records.size());
            for (LoggedRecord record : records) {
                writeString(out, record.id());
                out.writeInt(record.values().length);
                for (float value : record.values()) {
                    out.writeInt(Float.floatToRawIntBits(value));
                }
                writeString(out, record.metadataJson());
                out.writeBoolean(record.timestamp() != null);
                if (record.timestamp() != null) {
                    out.writeLong(record.timestamp().getEpochSecond());
                    out.writeInt(record.timestamp().getNano());
                }
            }
        }

        static Upsert read(DataInput in) throws IOException {
            String tenant = readString(in);
            int count = readCount(in);
            List<LoggedRecord> records = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String id = readString(in);
                float[] values = new float[readCount(in)];
                for (int d = 0; d < values.length; d++) {
                    values[d] = Float.intBitsToFloat(in.readInt());
                }
                String metadata = readString(in);
                Instant timestamp = null;
                if (in.readBoolean()) {
                    try {
                        timestamp = Instant.ofEpochSecond(in.readLong(), in.readInt());
                    } catch (DateTimeException e) {
                        throw new IOException("logged timestamp out of range", e);
                    }
                }
                records.add(new LoggedRecord(id, values, metadata, timestamp));
            }
            return new Upsert(tenant, records);
        }
    }

    /** Removes the tenant's records with these ids. */
    record Delete(String tenant, List<String> ids) implements IndexOperation {
        static final byte TYPE = 2;

        Query matching() {
            List<BytesRef> keys = new ArrayList<>(ids.size());
            ids.forEach(id -> keys.add(RecordDocument.keyBytes(tenant, id)));
            return new TermInSetQuery(RecordDocument.KEY, keys);
        }

        @Override
        public long applyTo(IndexWriter writer, VectorSimilarityFunction similarity) throws IOException {
            return writer.deleteDocuments(matching());
        }

        @Override
        public void writeTo(DataOutput out) throws IOException {
            out.writeByte(TYPE);
            writeString(out, tenant);
            out.writeInt(ids.size());
            for (String id : ids) {
                writeString(out, id);
            }
        }

        static Delete read(DataInput in) throws IOException {
            String tenant = readString(in);
            int count = readCount(in);
            List<String> ids = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                ids.add(readString(in));
            }
            return new Delete(tenant, ids);
        }
    }

    private static void writeString(DataOutput out, String value) throws IOException {
        out.writeInt(value.length());
        out.writeChars(value);
    }

    private static String readString(DataInput in) throws IOException {
        char[] chars = new char[readCount(in)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = in.readChar();
        }
        return new String(chars);
    }

    /** A length read back; the record's checksum already passed, so a bad one means a format bug. */
    private static int readCount(DataInput in) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative length " + count + " in a logged operation");
        }
        return count;
    }

}
