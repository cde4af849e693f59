package dev.partitiongateway.archive;

import dev.partitiongateway.spi.VectorRecord;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The Parquet schema of archive files, format version 1, and the glue that writes and reads
 * {@link ArchivedRecord}s with it. The layout is what Parquet tools expect by default: strings as
 * {@code STRING}, the vector as a standard three-level {@code LIST} of floats (an array column in
 * DuckDB, Spark and pandas), the timestamp as a UTC {@code TIMESTAMP(MICROS)} (years 1 to 9999 fit).
 */
final class ArchiveSchema {

    static final int FORMAT_VERSION = 1;

    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message vector_record {
              required binary id (STRING);
              optional binary tenant (STRING);
              required group values (LIST) {
                repeated group list {
                  required float element;
                }
              }
              required binary metadata (STRING);
              optional int64 timestamp (TIMESTAMP(MICROS,true));
            }
            """);

    private static final int ID = 0;
    private static final int TENANT = 1;
    private static final int VALUES = 2;
    private static final int METADATA = 3;
    private static final int TIMESTAMP = 4;

    /** Key of the footer entry that names the format version, next to Parquet's own metadata. */
    static final String FORMAT_KEY = "partition-gateway.archive.format-version";

    private ArchiveSchema() {
    }

    static long micros(Instant timestamp, String id) {
        if (timestamp.getNano() % 1000 != 0) {
            // Never round silently: an archive holds exactly what the partition held.
            throw new IllegalArgumentException("record " + id + ": timestamp " + timestamp + " is finer than a microsecond");
        }
        return Math.addExact(Math.multiplyExact(timestamp.getEpochSecond(), 1_000_000L), timestamp.getNano() / 1000);
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    static final class RecordWriteSupport extends WriteSupport<ArchivedRecord> {
        private RecordConsumer out;

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(SCHEMA, Map.of(FORMAT_KEY, String.valueOf(FORMAT_VERSION)));
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(SCHEMA, Map.of(FORMAT_KEY, String.valueOf(FORMAT_VERSION)));
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(ArchivedRecord archived) {
            VectorRecord record = archived.record();
            out.startMessage();
            binary("id", ID, record.id());
            if (archived.tenant() != null) {
                binary("tenant", TENANT, archived.tenant());
            }
            out.startField("values", VALUES);
            out.startGroup();
            float[] values = record.values();
            if (values.length > 0) {
                out.startField("list", 0);
                for (float value : values) {
                    out.startGroup();
                    out.startField("element", 0);
                    out.addFloat(value);
                    out.endField("element", 0);
                    out.endGroup();
                }
                out.endField("list", 0);
            }
            out.endGroup();
            out.endField("values", VALUES);
            binary("metadata", METADATA, MetadataJson.write(record.metadata()));
            if (record.timestamp() != null) {
                out.startField("timestamp", TIMESTAMP);
                out.addLong(micros(record.timestamp(), record.id()));
                out.endField("timestamp", TIMESTAMP);
            }
            out.endMessage();
        }

        private void binary(String name, int index, String value) {
            out.startField(name, index);
            out.addBinary(Binary.fromString(value));
            out.endField(name, index);
        }
    }

    static final class RecordReadSupport extends ReadSupport<ArchivedRecord> {
        @Override
        public ReadContext init(InitContext context) {
            return new ReadContext(SCHEMA);
        }

        @Override
        public RecordMaterializer<ArchivedRecord> prepareForRead(ParquetConfiguration configuration, Map<String, String> keyValueMetaData,
                                                                 MessageType fileSchema, ReadContext readContext) {
            return new RecordAssembler();
        }

        @Override
        public RecordMaterializer<ArchivedRecord> prepareForRead(Configuration configuration, Map<String, String> keyValueMetaData,
                                                                 MessageType fileSchema, ReadContext readContext) {
            return new RecordAssembler();
        }
    }

    /** Puts one record together from the column values Parquet pushes into it, field by field. */
    private static final class RecordAssembler extends RecordMaterializer<ArchivedRecord> {
        private String id;
        private String tenant;
        private float[] values = new float[128];
        private int count;
        private String metadata;
        private Long timestamp;
        private ArchivedRecord current;

        private final Converter[] fields = {
                new StringField(v -> id = v),
                new StringField(v -> tenant = v),
                new ValuesField(),
                new StringField(v -> metadata = v),
                new PrimitiveConverter() {
                    @Override
                    public void addLong(long value) {
                        timestamp = value;
                    }
                }};

        private final GroupConverter root = new GroupConverter() {
            @Override
            public Converter getConverter(int fieldIndex) {
                return fields[fieldIndex];
            }

            @Override
            public void start() {
                id = null;
                tenant = null;
                count = 0;
                metadata = null;
                timestamp = null;
            }

            @Override
            public void end() {
                VectorRecord record = new VectorRecord(id, Arrays.copyOf(values, count), MetadataJson.read(metadata),
                        timestamp == null ? null : instant(timestamp));
                current = new ArchivedRecord(tenant, record);
            }
        };

        @Override
        public ArchivedRecord getCurrentRecord() {
            return current;
        }

        @Override
        public GroupConverter getRootConverter() {
            return root;
        }

        private static final class StringField extends PrimitiveConverter {
            private final Consumer<String> sink;

            StringField(Consumer<String> sink) {
                this.sink = sink;
            }

            @Override
            public void addBinary(Binary value) {
                sink.accept(value.toStringUsingUTF8());
            }
        }

        /** {@code values} → {@code list} → {@code element}: each element appends one float. */
        private final class ValuesField extends GroupConverter {
            private final PrimitiveConverter element = new PrimitiveConverter() {
                @Override
                public void addFloat(float value) {
                    if (count == values.length) {
                        values = Arrays.copyOf(values, values.length * 2);
                    }
                    values[count++] = value;
                }
            };

            private final GroupConverter list = new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return element;
                }

                @Override
                public void start() {
                }

                @Override
                public void end() {
                }
            };

            @Override
            public Converter getConverter(int fieldIndex) {
                return list;
            }

            @Override
            public void start() {
            }

            @Override
            public void end() {
            }
        }
    }
}
