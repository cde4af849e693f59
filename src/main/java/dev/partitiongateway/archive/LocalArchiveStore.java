package dev.partitiongateway.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Archives in a local directory. A put writes a hidden temporary file next to the target, forces it
 * to disk, renames it over the target atomically and forces the directory, so that a crash leaves
 * the old object or the new one, and an acknowledged put survives a power loss.
 */
public final class LocalArchiveStore implements ArchiveStore {

    private static final String TEMP_MARK = ".tmp-";

    private final Path root;

    /** {@code root} is created on the first put. */
    public LocalArchiveStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = resolve(key);
        Path temp = tempFor(target);
        try {
            Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
            commit(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        Path target = resolve(key);
        Path temp = tempFor(target);
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                out.write(content);
            }
            commit(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path file = resolve(key);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(key);
        }
        return Files.newInputStream(file);
    }

    @Override
    public void get(String key, Path target) throws IOException {
        Path file = resolve(key);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(key);
        }
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        // Walk the deepest directory that every matching key lies under, then filter by the string prefix.
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<StoredObject> objects = new ArrayList<>();
        try (Stream<Path> files = Files.walk(start)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String key = keyOf(file);
                if (key.startsWith(prefix) && !file.getFileName().toString().contains(TEMP_MARK)) {
                    objects.add(new StoredObject(key, Files.size(file)));
                }
            }
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void delete(String key) throws IOException {
        Path file = resolve(key);
        if (Files.deleteIfExists(file)) {
            // Leave no empty directories behind a deleted archive.
            for (Path dir = file.getParent(); dir != null && !dir.equals(root) && dir.startsWith(root); dir = dir.getParent()) {
                try {
                    Files.delete(dir);
                } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                    break;
                }
            }
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(resolve(key));
    }

    @Override
    public String location() {
        return root.toUri().toString();
    }

    private Path resolve(String key) {
        Path path = root.resolve(ArchiveStore.checkKey(key)).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("invalid archive key: " + key);
        }
        return path;
    }

    private String keyOf(Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private static Path tempFor(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        return target.resolveSibling("." + target.getFileName() + TEMP_MARK + UUID.randomUUID());
    }

    private static void commit(Path temp, Path target) throws IOException {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.getParent());
    }

    /** Makes a rename durable. Not every platform can open a directory (Windows cannot); there the rename is as durable as the OS makes it. */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort, see above
        }
    }
}
