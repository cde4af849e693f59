package dev.partitiongateway.adapter.qdrant.fake;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;

/**
 * The gRPC failures the fake answers with, worded as Qdrant words them: {@code StorageError}'s
 * display prefixes ("Wrong input: ", "Not found: ", "Bad request: ") and its mapping to gRPC codes in
 * {@code lib/storage/src/content_manager/conversions.rs}.
 */
final class QdrantStatus {

    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private QdrantStatus() {
    }

    static StatusRuntimeException collectionNotFound(String collection) {
        return Status.NOT_FOUND.withDescription("Not found: Collection `" + collection + "` doesn't exist!").asRuntimeException();
    }

    static StatusRuntimeException collectionExists(String collection) {
        return Status.ALREADY_EXISTS.withDescription("Wrong input: Collection `" + collection + "` already exists!").asRuntimeException();
    }

    /** {@code StorageError::BadInput}: a request that is well-formed but wrong for this collection. */
    static StatusRuntimeException wrongInput(String description) {
        return Status.INVALID_ARGUMENT.withDescription("Wrong input: " + description).asRuntimeException();
    }

    /** {@code StorageError::BadRequest}: strict mode and limit refusals. */
    static StatusRuntimeException badRequest(String description) {
        return Status.INVALID_ARGUMENT.withDescription("Bad request: " + description).asRuntimeException();
    }

    /** A refusal before the request reaches storage (conversion or validation of the message). */
    static StatusRuntimeException invalidArgument(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }

    static StatusRuntimeException validation(String field, String problem) {
        return invalidArgument("Validation error in body: [" + field + ": " + problem + "]");
    }

    /** {@code StorageError::RateLimitExceeded}: RESOURCE_EXHAUSTED with the wait, ceiled to seconds, in {@code retry-after}. */
    static StatusRuntimeException rateLimited(String kind, Duration retryAfter) {
        long seconds = Math.max(0, (retryAfter.toMillis() + 999) / 1000);
        Metadata trailers = new Metadata();
        trailers.put(RETRY_AFTER, Long.toString(seconds));
        return Status.RESOURCE_EXHAUSTED
                .withDescription("Rate limiting exceeded: " + kind + " rate limit exceeded: Operation requires 1 tokens but only 0.0 were"
                        + " available. Retry after " + seconds + "s")
                .asRuntimeException(trailers);
    }
}
