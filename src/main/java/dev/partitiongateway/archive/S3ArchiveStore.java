package dev.partitiongateway.archive;

import com.google.common.io.ByteStreams;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Archives in an S3 bucket (AWS or any S3-compatible store), under an optional key prefix.
 *
 * <p>S3 makes a put atomic by itself: an object becomes visible only when its upload completes. Files
 * larger than one part go up as a multipart upload, one part at a time read straight from the file
 * (heap use does not grow with the file), and an upload that fails is aborted so that no parts linger.
 * SDK failures are rethrown as {@link IOException}s; a missing key as {@link NoSuchFileException}.
 *
 * <p>The client is the AWS SDK for Java v2: AWS's own, released weekly, and the client S3-compatible
 * stores (MinIO, Ceph, R2, S3Proxy) test against. It runs over the JDK's HTTP client here (see the pom):
 * no Netty, whose version the Quarkus BOM and the gRPC SDKs already pin, and no second HTTP stack.
 * MinIO's client would have shared OkHttp with Pinecone's SDK, so that either one's upgrade could break the other.
 */
public final class S3ArchiveStore implements ArchiveStore {

    /** S3's smallest part (except the last one). */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final long partSize;

    /**
     * @param s3       the client; closed by {@link #close()}
     * @param prefix   key prefix inside the bucket, without leading or trailing '/'; empty for none
     * @param partSize files larger than this are uploaded in parts of this size
     */
    public S3ArchiveStore(S3Client s3, String bucket, String prefix, long partSize) {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("the multipart part size must be at least 5 MB, not " + partSize + " bytes");
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() ? "" : ArchiveStore.checkKey(prefix) + "/";
        this.partSize = partSize;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        long size = Files.size(file);
        String objectKey = objectKey(key);
        if (size <= partSize) {
            call(key, () -> s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromFile(file)));
        } else {
            putInParts(key, objectKey, file, size);
        }
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        String objectKey = objectKey(key);
        call(key, () -> s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromBytes(content)));
    }

    private void putInParts(String key, String objectKey, Path file, long size) throws IOException {
        String uploadId = call(key, () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)).uploadId());
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < size; offset += partSize) {
                int partNumber = parts.size() + 1;
                long length = Math.min(partSize, size - offset);
                long from = offset;
                // The SDK may read a body twice (signing over plain HTTP, retries): each read opens the file again.
                RequestBody body = RequestBody.fromContentProvider(() -> slice(file, from, length), length, "application/octet-stream");
                String etag = call(key, () -> s3.uploadPart(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                        .partNumber(partNumber).contentLength(length), body).eTag());
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            call(key, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())));
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file).position(offset);
            return ByteStreams.limit(Channels.newInputStream(channel), length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        String objectKey = objectKey(key);
        return call(key, () -> s3.getObject(b -> b.bucket(bucket).key(objectKey)));
    }

    @Override
    public List<StoredObject> list(String keyPrefix) throws IOException {
        String objectPrefix = prefix + keyPrefix;
        return call(keyPrefix, () -> {
            List<StoredObject> objects = new ArrayList<>();
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(objectPrefix)).contents()) {
                objects.add(new StoredObject(object.key().substring(prefix.length()), object.size()));
            }
            return objects;
        });
    }

    @Override
    public void delete(String key) throws IOException {
        String objectKey = objectKey(key);
        call(key, () -> s3.deleteObject(b -> b.bucket(bucket).key(objectKey)));
    }

    @Override
    public boolean exists(String key) throws IOException {
        String objectKey = objectKey(key);
        try {
            call(key, () -> s3.headObject(b -> b.bucket(bucket).key(objectKey)));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public String location() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public void close() {
        s3.close();
    }

    private String objectKey(String key) {
        return prefix + ArchiveStore.checkKey(key);
    }

    private interface S3Call<T> {
        T run();
    }

    /** Runs one SDK call, turning its failures into the store's: not found, or an I/O failure naming the object. */
    private <T> T call(String key, S3Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (NoSuchKeyException e) {
            throw notFound(key, e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
                throw notFound(key, e);
            }
            throw new IOException(location() + key + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (SdkException e) {
            throw new IOException(location() + key + ": " + e.getMessage(), e);
        }
    }

    private static boolean isNoSuchBucket(S3Exception e) {
        return e.awsErrorDetails() != null && "NoSuchBucket".equals(e.awsErrorDetails().errorCode());
    }

    private static NoSuchFileException notFound(String key, Exception cause) {
        NoSuchFileException notFound = new NoSuchFileException(key);
        notFound.initCause(cause);
        return notFound;
    }
}
