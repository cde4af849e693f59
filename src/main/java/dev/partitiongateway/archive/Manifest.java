package dev.partitiongateway.archive;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The manifest of one archive ({@code manifest.json} next to its files), written last: an archive
 * without a manifest is incomplete. See docs/archive-format.md.
 *
 * @param formatVersion   version of the file schema and of this manifest
 * @param archiveId       unique, sortable by creation time
 * @param records         records in all files
 * @param contentChecksum {@link ContentChecksum} over all records, whatever their order
 * @param files           the archive's files in order, names relative to the manifest's folder
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Manifest(int formatVersion, String archiveId, Collection collection, Partition partition, String sourceBackend,
                       long records, String contentChecksum, List<FileEntry> files, Instant createdAt) {

    public record Collection(String name, int dimension, Metric metric) {
        public CollectionSpec spec() {
            return new CollectionSpec(name, dimension, metric);
        }
    }

    /**
     * @param tenant   the partition's tenant, or {@code null} when it holds several (each record then names its own)
     * @param strategy the partitioning strategy and this partition's key fields, as given when archiving
     */
    public record Partition(long id, String placement, String tenant, Map<String, Object> strategy) {
    }

    /**
     * @param name            file name, relative to the manifest's folder
     * @param records         rows in the file
     * @param bytes           the file's size
     * @param sha256          SHA-256 of the file's bytes, hex
     * @param contentChecksum {@link ContentChecksum} over the file's records
     */
    public record FileEntry(String name, long records, long bytes, String sha256, String contentChecksum) {
    }

    static final String FILE_NAME = "manifest.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // A newer gateway may add fields within a format version; older ones read what they know.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .build();

    /** Where the archive lives, relative to the store's root: {@code <collection>/<placement>/<archiveId>}. */
    @JsonIgnore
    public String archiveKey() {
        return collection.name() + "/" + partition.placement() + "/" + archiveId;
    }

    /** A file's key, relative to the store's root. */
    public String keyOf(FileEntry file) {
        return archiveKey() + "/" + file.name();
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the manifest holds a strategy value that is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    static Manifest fromJson(byte[] json, String key) throws IOException {
        Manifest manifest;
        try {
            manifest = JSON.readValue(json, Manifest.class);
        } catch (IOException e) {
            throw new ArchiveCorruptException(key + " is not a readable manifest: " + e.getMessage(), e);
        }
        if (manifest.formatVersion() > ArchiveSchema.FORMAT_VERSION) {
            throw new IOException(key + " has format version " + manifest.formatVersion() + "; this gateway reads up to "
                    + ArchiveSchema.FORMAT_VERSION);
        }
        if (manifest.collection() == null || manifest.partition() == null || manifest.files() == null
                || manifest.archiveId() == null || manifest.contentChecksum() == null) {
            throw new ArchiveCorruptException(key + " lacks required fields");
        }
        return manifest;
    }
}
