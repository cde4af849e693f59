package dev.partitiongateway.archive;

import com.google.common.hash.Hashing;
import com.google.common.hash.HashingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Archives partitions into an {@link ArchiveStore} and reads them back: the storage layer under the
 * archive and restore jobs. An archive is a folder {@code <collection>/<placement>/<archiveId>/} of
 * Parquet files {@code part-00000.parquet}, {@code part-00001.parquet}... and a {@code manifest.json}
 * written last (docs/archive-format.md). Nothing here holds a partition in memory: records stream
 * through one Parquet row group at a time.
 *
 * <p>Typical use by a job:
 * <pre>{@code
 * try (ArchiveWriter writer = archiver.begin(header)) {
 *     for (List<VectorRecord> page; !(page = cursor.next()).isEmpty(); ) {
 *         for (VectorRecord r : page) writer.write(tenant, r);
 *     }
 *     Manifest manifest = writer.finish();
 *     archiver.verify(manifest).orThrow();   // before the partition is dropped
 * }
 * }</pre>
 */
public class Archiver {

    private static final Logger LOG = Logger.getLogger(Archiver.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern ARCHIVE_KEY = Pattern.compile("[a-z][a-z0-9_]{0,199}/[a-z][a-z0-9_]{0,199}/[0-9A-Za-z-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ArchiveStore store;
    private final ArchiveSettings settings;

    public Archiver(ArchiveStore store, ArchiveSettings settings) {
        this.store = store;
        this.settings = settings;
    }

    public ArchiveStore store() {
        return store;
    }

    /** Starts a new archive of one partition. */
    public ArchiveWriter begin(ArchiveHeader header) {
        return resume(header, new ArchiveCheckpoint(newArchiveId(), List.of()));
    }

    /** Continues an archive after its last checkpoint; the files it names must still be in the store. */
    public ArchiveWriter resume(ArchiveHeader header, ArchiveCheckpoint checkpoint) {
        checkArchiveKey(archiveKey(header.collection().name(), header.placement(), checkpoint.archiveId()));
        return new ArchiveWriter(store, settings, header, checkpoint);
    }

    /** The manifest of an archive, by its key ({@code <collection>/<placement>/<archiveId>}). */
    public Manifest manifest(String archiveKey) throws IOException {
        String key = checkArchiveKey(archiveKey) + "/" + Manifest.FILE_NAME;
        try (InputStream in = store.open(key)) {
            return Manifest.fromJson(in.readAllBytes(), key);
        }
    }

    /** The complete archives (those with a manifest) in the store, oldest first within each placement. */
    public List<Manifest> list() throws IOException {
        return listUnder("");
    }

    /** The complete archives of one collection. */
    public List<Manifest> list(String collection) throws IOException {
        if (!ArchiveHeader.NAME.matcher(collection).matches()) {
            throw new IllegalArgumentException("invalid collection name: " + collection);
        }
        return listUnder(collection + "/");
    }

    private List<Manifest> listUnder(String prefix) throws IOException {
        List<Manifest> manifests = new ArrayList<>();
        for (ArchiveStore.StoredObject object : store.list(prefix)) {
            if (!object.key().endsWith("/" + Manifest.FILE_NAME)) {
                continue;
            }
            String archiveKey = object.key().substring(0, object.key().length() - Manifest.FILE_NAME.length() - 1);
            if (!ARCHIVE_KEY.matcher(archiveKey).matches()) {
                continue;
            }
            try {
                manifests.add(manifest(archiveKey));
            } catch (IOException e) {
                // One unreadable manifest must not hide every other archive; verify() reports it in detail.
                LOG.warnf("archive %s in %s has an unreadable manifest: %s", archiveKey, store.location(), e.getMessage());
            }
        }
        return manifests;
    }

    /** Reads an archive through, comparing each file's SHA-256, record count and content checksum with its stored manifest. */
    public Verification verify(String archiveKey) throws IOException {
        return check(manifest(archiveKey), List.of());
    }

    /**
     * Reads an archive through against {@code expected} (the manifest its writer returned), and
     * checks that the stored manifest is that one.
     */
    public Verification verify(Manifest expected) throws IOException {
        List<String> problems = new ArrayList<>();
        try {
            Manifest stored = manifest(expected.archiveKey());
            if (!Arrays.equals(stored.toJson(), expected.toJson())) {
                problems.add("the stored manifest differs from the expected one");
            }
        } catch (NoSuchFileException e) {
            problems.add("the manifest is missing");
        } catch (ArchiveCorruptException e) {
            problems.add(e.getMessage());
        }
        return check(expected, problems);
    }

    private Verification check(Manifest manifest, List<String> problems) throws IOException {
        problems = new ArrayList<>(problems);
        long listed = manifest.files().stream().mapToLong(Manifest.FileEntry::records).sum();
        if (listed != manifest.records()) {
            problems.add("the manifest counts " + manifest.records() + " records, its files " + listed);
        }
        String listedChecksum = manifest.files().stream().map(Manifest.FileEntry::contentChecksum)
                .reduce(ContentChecksum.empty(), ContentChecksum::plus);
        if (!listedChecksum.equals(manifest.contentChecksum())) {
            problems.add("the manifest's content checksum is not the sum of its files'");
        }
        long records = 0;
        String checksum = ContentChecksum.empty();
        Files.createDirectories(settings.workDir());
        for (Manifest.FileEntry entry : manifest.files()) {
            Path file = Files.createTempFile(settings.workDir(), "verify-" + manifest.archiveId() + "-", ".parquet");
            try {
                Download download = download(store, manifest.keyOf(entry), file);
                String problem = download.problemWith(entry);
                if (problem != null) {
                    problems.add(entry.name() + ": " + problem);
                    continue;
                }
                ContentChecksum content = new ContentChecksum();
                try (PartFileReader reader = new PartFileReader(file)) {
                    for (List<ArchivedRecord> batch; !(batch = reader.next(1024)).isEmpty(); ) {
                        batch.forEach(content::add);
                    }
                } catch (IOException | RuntimeException e) {
                    problems.add(entry.name() + " cannot be read: " + e.getMessage());
                    continue;
                }
                if (content.records() != entry.records()) {
                    problems.add(entry.name() + " holds " + content.records() + " records, the manifest says " + entry.records());
                }
                if (!content.value().equals(entry.contentChecksum())) {
                    problems.add(entry.name() + ": the records' content checksum differs from the manifest's");
                }
                records += content.records();
                checksum = ContentChecksum.plus(checksum, content.value());
            } catch (NoSuchFileException e) {
                problems.add(entry.name() + " is missing");
            } finally {
                Files.deleteIfExists(file);
            }
        }
        return new Verification(manifest, records, checksum, problems);
    }

    /** Streams an archive back in batches of at most {@code batchSize} records; see {@link ArchiveReader}. */
    public ArchiveReader read(String archiveKey, int batchSize) throws IOException {
        return new ArchiveReader(store, manifest(archiveKey), settings, batchSize);
    }

    /** Deletes an archive: its manifest first (so that it stops being a complete archive), then its files. */
    public void delete(String archiveKey) throws IOException {
        String prefix = checkArchiveKey(archiveKey) + "/";
        store.delete(prefix + Manifest.FILE_NAME);
        for (ArchiveStore.StoredObject object : store.list(prefix)) {
            store.delete(object.key());
        }
    }

    /** Where an archive's files live in the store: {@code collection/placement/archiveId}. */
    public static String archiveKey(String collection, String placement, String archiveId) {
        return collection + "/" + placement + "/" + archiveId;
    }

    static String partName(int index) {
        return String.format("part-%05d.parquet", index);
    }

    /** Creation time to the millisecond, then 32 random bits: unique, and sorted by age in a listing. */
    static String newArchiveId() {
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        return ID_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(random);
    }

    private static String checkArchiveKey(String archiveKey) {
        if (archiveKey == null || !ARCHIVE_KEY.matcher(archiveKey).matches()) {
            throw new IllegalArgumentException("not an archive key (<collection>/<placement>/<archiveId>): " + archiveKey);
        }
        return archiveKey;
    }

    /** A file copied from the store, with its size and SHA-256 computed on the way. */
    record Download(long bytes, String sha256) {
        /** What does not match the manifest's entry, or {@code null}. */
        String problemWith(Manifest.FileEntry entry) {
            if (bytes != entry.bytes()) {
                return "size is " + bytes + " bytes, the manifest says " + entry.bytes();
            }
            if (!sha256.equals(entry.sha256())) {
                return "SHA-256 differs from the manifest's (the file was altered)";
            }
            return null;
        }
    }

    static Download download(ArchiveStore store, String key, Path target) throws IOException {
        try (InputStream in = store.open(key); HashingInputStream hashing = new HashingInputStream(Hashing.sha256(), in)) {
            long bytes = Files.copy(hashing, target, StandardCopyOption.REPLACE_EXISTING);
            return new Download(bytes, hashing.hash().toString());
        }
    }
}
