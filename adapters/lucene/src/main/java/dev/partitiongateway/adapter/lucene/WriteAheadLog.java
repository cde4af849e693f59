package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.BackendException;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.apache.lucene.util.IOUtils;

/**
 * The write-ahead log of one placement's index: every change is appended here, and made durable by
 * one fsync of the log that many concurrent writers share, while Lucene commits (an fsync of every
 * new index file) only now and then, in the background. After a crash the index is reopened at its
 * last commit and the logged changes it lacks are applied again.
 *
 * <p>Files: {@code wal-<session>-<part>.log} in the index folder (Lucene leaves files of that name
 * alone). A <em>session</em> is one opening of the index; its sequence numbers are those of that
 * session's {@link org.apache.lucene.index.IndexWriter}, which orders the changes (two writes of one
 * id are applied in sequence-number order, live and on replay). A session's log is split into
 * <em>parts</em> so that what a Lucene commit covers can be deleted: a checkpoint
 * {@linkplain #requestRoll() rolls} to a new part, commits, and deletes the parts before it.
 *
 * <p>A record is {@code int length, int crc32c, payload}, the payload being the change's sequence
 * number and the {@link IndexOperation}. A record is appended whole by one writer at a time, so only
 * the tail of a file can be torn by a crash; reading stops at the first record whose length or
 * checksum is wrong. That loses nothing acknowledged: a write is acknowledged only after an fsync
 * that covered its record, and so every record before it.
 */
final class WriteAheadLog implements Closeable {

    /** A logged change and where it belongs in the history. */
    record Entry(long session, long sequence, IndexOperation operation) {
    }

    /** A log file found in an index folder. */
    record Part(long session, int part, Path file) {
    }

    private static final Pattern FILE_NAME = Pattern.compile("wal-(\\d{1,18})-(\\d{1,9})\\.log");
    private static final Comparator<Part> ORDER = Comparator.comparingLong(Part::session).thenComparingInt(Part::part);
    private static final int HEADER_BYTES = 8;
    /** Above any record the adapter writes (10,000 records of 4,096 dimensions with metadata); a longer length is a torn header. */
    static final int MAX_RECORD_BYTES = 1 << 30;

    private final Path folder;
    private final long session;
    private final Object appendLock = new Object();
    /** Guarded by {@code appendLock}. */
    private FileChannel current;
    private Part currentPart;
    private boolean rollRequested;
    private long appended;
    private Throwable failure;
    /** Parts that no longer take appends and were forced; guarded by {@code appendLock}. */
    private final List<Part> sealed = new ArrayList<>();

    private WriteAheadLog(Path folder, long session) {
        this.folder = folder;
        this.session = session;
    }

    /** Starts the log of a new session, whose number must be above every session already in the folder. */
    static WriteAheadLog start(Path folder, long session) throws IOException {
        WriteAheadLog log = new WriteAheadLog(folder, session);
        synchronized (log.appendLock) {
            log.openPart(0);
        }
        IOUtils.fsync(folder, true);
        return log;
    }

    long session() {
        return session;
    }

    /**
     * Appends {@code record} (from {@link #prepare}) with its sequence number; it is durable after the
     * next {@link #sync()} that starts after this returns. A failed append may leave part of the record
     * in the file, so it fails the log for good: every later append and sync throws, and nothing
     * appended after the torn record can be acknowledged (reading stops at it).
     */
    void append(long sequence, ByteBuffer record) throws IOException {
        record.putLong(HEADER_BYTES, sequence);
        CRC32C crc = new CRC32C();
        crc.update(record.array(), HEADER_BYTES, record.limit() - HEADER_BYTES);
        record.putInt(4, (int) crc.getValue());
        synchronized (appendLock) {
            requireUsable();
            boolean interrupted = Thread.interrupted();
            try {
                while (record.hasRemaining()) {
                    current.write(record);
                }
                appended++;
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
                throw e;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Records appended since the log started (for deciding whether a checkpoint has anything to do). */
    long appended() {
        synchronized (appendLock) {
            return appended;
        }
    }

    /** Makes the next {@link #sync()} switch to a new part after taking the current one to force. */
    void requestRoll() {
        synchronized (appendLock) {
            rollRequested = true;
        }
    }

    /**
     * Forces every record appended before the call to disk. Called by one thread at a time (the group
     * commit's leader). If a roll was requested, appends go to a new part from here on, and the part
     * forced here is sealed: {@link #takeSealed()} hands it to the checkpoint that deletes it. The new
     * part's directory entry is made durable here too, before any record in it can be acknowledged
     * (that takes a later sync).
     *
     * <p>A pending interrupt is set aside for the I/O and restored after it: an interrupt closes a
     * {@link FileChannel}, which would fail the log. One that arrives during the fsync still does.
     */
    void sync() throws IOException {
        FileChannel toForce;
        Path forced;
        boolean rolled;
        synchronized (appendLock) {
            requireUsable();
            toForce = current;
            forced = currentPart.file();
            rolled = rollRequested;
            if (rolled) {
                rollRequested = false;
                sealed.add(currentPart);
                openPart(currentPart.part() + 1);
            }
        }
        boolean interrupted = Thread.interrupted();
        try {
            toForce.force(false);
            if (rolled) {
                IOUtils.fsync(folder, true);
            }
            // An fsync of a file whose folder was deleted (a lost disk, an operator's rm) succeeds, and
            // would acknowledge writes nobody can read back: they count as failed instead.
            if (!Files.exists(forced)) {
                throw new NoSuchFileException(forced.toString(), null, "the write-ahead log vanished from under the index");
            }
        } catch (IOException | RuntimeException | Error e) {
            synchronized (appendLock) {
                failure = e;
            }
            throw e;
        } finally {
            if (rolled) {
                IOUtils.closeWhileHandlingException(toForce);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Caller holds {@code appendLock}. */
    private void requireUsable() throws IOException {
        if (failure != null) {
            throw new IOException("the write-ahead log failed earlier and takes no more writes: " + failure.getMessage(), failure);
        }
    }

    /** The parts sealed so far, which the caller deletes once a Lucene commit covers them. */
    List<Part> takeSealed() {
        synchronized (appendLock) {
            List<Part> taken = List.copyOf(sealed);
            sealed.clear();
            return taken;
        }
    }

    /** Caller holds {@code appendLock}; the caller makes the new directory entry durable. */
    private void openPart(int part) throws IOException {
        Path file = folder.resolve("wal-" + session + "-" + part + ".log");
        current = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        currentPart = new Part(session, part, file);
    }

    @Override
    public void close() throws IOException {
        synchronized (appendLock) {
            current.close();
        }
    }

    /** The current part and every sealed one not yet deleted (for a close that leaves nothing to replay). */
    List<Part> parts() {
        synchronized (appendLock) {
            List<Part> parts = new ArrayList<>(sealed);
            parts.add(currentPart);
            return parts;
        }
    }

    // ---------------------------------------------------------------- reading

    /** The log files in {@code folder}, oldest first. */
    static List<Part> list(Path folder) throws IOException {
        List<Part> parts = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "wal-*.log")) {
            for (Path file : files) {
                Matcher name = FILE_NAME.matcher(file.getFileName().toString());
                if (name.matches()) {
                    parts.add(new Part(Long.parseLong(name.group(1)), Integer.parseInt(name.group(2)), file));
                }
            }
        }
        parts.sort(ORDER);
        return parts;
    }

    /**
     * The records of {@code parts} that a commit marked ({@code committedSession}, {@code committedSequence})
     * does not hold, in the order to apply them: by session, then by sequence number. Each file is read
     * up to its first torn or corrupt record.
     */
    static List<Entry> unapplied(List<Part> parts, long committedSession, long committedSequence) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (Part part : parts) {
            if (part.session() < committedSession) {
                continue;
            }
            for (Entry entry : read(part)) {
                if (entry.session() > committedSession || entry.sequence() > committedSequence) {
                    entries.add(entry);
                }
            }
        }
        entries.sort(Comparator.comparingLong(Entry::session).thenComparingLong(Entry::sequence));
        return entries;
    }

    /** The intact records of one file, in file order. */
    static List<Entry> read(Part part) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(part.file());
        } catch (NoSuchFileException gone) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.remaining() >= HEADER_BYTES) {
            int length = buffer.getInt();
            int checksum = buffer.getInt();
            if (length < 9 || length > MAX_RECORD_BYTES || length > buffer.remaining()) {
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, buffer.position(), length);
            if ((int) crc.getValue() != checksum) {
                break;
            }
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, buffer.position(), length))) {
                long sequence = in.readLong();
                entries.add(new Entry(part.session(), sequence, IndexOperation.readFrom(in)));
            } catch (EOFException e) {
                throw new IOException("a logged record of " + part.file() + " passed its checksum but is incomplete", e);
            }
            buffer.position(buffer.position() + length);
        }
        return entries;
    }

    static void delete(List<Part> parts) throws IOException {
        for (Part part : parts) {
            Files.deleteIfExists(part.file());
        }
    }

    /**
     * The record of {@code operation}, before the change is applied (so that one the log cannot take
     * is refused before it changes anything); {@link #append} fills in its sequence number and checksum.
     */
    static ByteBuffer prepare(IndexOperation operation) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(new byte[HEADER_BYTES + Long.BYTES]);
            operation.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        int length = bytes.size() - HEADER_BYTES;
        if (length > MAX_RECORD_BYTES) {
            throw new BackendException.Rejected("a write of " + length + " bytes is above the write-ahead log's limit of "
                    + MAX_RECORD_BYTES + "; nothing was written");
        }
        ByteBuffer record = ByteBuffer.wrap(bytes.toByteArray());
        record.putInt(0, length);
        return record;
    }
}
