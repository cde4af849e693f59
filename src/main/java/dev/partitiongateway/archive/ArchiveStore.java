package dev.partitiongateway.archive;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Object storage for archive files: a flat namespace of keys ({@code a/b/c.parquet}) holding immutable blobs.
 *
 * <p>Keys are relative to the store's root (its directory, or its bucket and prefix): 1 or more segments
 * separated by {@code /}, none empty, {@code .} or {@code ..}. A {@link #put} is all or nothing: a reader
 * sees the previous object or the new one, never a part of it. A missing key is reported as
 * {@link NoSuchFileException}. Implementations are thread-safe; {@link #close()} releases clients.
 */
public interface ArchiveStore extends Closeable {

    /** Stores the content of a local file under {@code key}, replacing what was there; streams it (no full copy in memory). */
    void put(String key, Path file) throws IOException;

    /** Stores a small object (a manifest) under {@code key}. */
    void put(String key, byte[] content) throws IOException;

    /** The object's content, streamed; the caller closes it. */
    InputStream open(String key) throws IOException;

    /** The objects whose keys start with {@code prefix} (a plain string prefix, as in S3), in key order. */
    List<StoredObject> list(String prefix) throws IOException;

    /** Deletes the object; deleting a missing key is not an error. */
    void delete(String key) throws IOException;

    boolean exists(String key) throws IOException;

    /** Where this store keeps its objects, for logs and messages: {@code file:/...} or {@code s3://bucket/prefix}. */
    String location();

    /** Copies the object to a local file, replacing it. */
    default void get(String key, Path target) throws IOException {
        try (InputStream in = open(key)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    default void close() throws IOException {
    }

    /** One object of a listing. */
    record StoredObject(String key, long size) {
    }

    /** Refuses keys that could escape the store's root or mean different things to different stores. */
    static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 900) {
            throw new IllegalArgumentException("an archive key must have 1-900 characters: " + key);
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.indexOf('\\') >= 0) {
                throw new IllegalArgumentException("invalid archive key: " + key);
            }
        }
        return key;
    }
}
