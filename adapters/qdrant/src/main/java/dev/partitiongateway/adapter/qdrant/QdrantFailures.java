package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.spi.BackendException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where what Qdrant (or the gRPC channel) answers becomes the SPI's typed failures. Qdrant
 * reports errors as gRPC statuses ({@code lib/storage/src/content_manager/conversions.rs}):
 * <table>
 *   <tr><th>status</th><th>SPI</th><th>client of the gateway</th></tr>
 *   <tr><td>NOT_FOUND ("Collection `x` doesn't exist!")</td><td>NotFound</td><td>404</td></tr>
 *   <tr><td>INVALID_ARGUMENT with "Max collections limit reached", or strict mode's "maximum number of payload
 *       indices"</td><td>CapacityExceeded</td><td>507</td></tr>
 *   <tr><td>INVALID_ARGUMENT, ALREADY_EXISTS</td><td>Rejected</td><td>400</td></tr>
 *   <tr><td>RESOURCE_EXHAUSTED with {@code retry-after} (rate limit)</td><td>Unavailable with retryAfter</td><td>503 + Retry-After</td></tr>
 *   <tr><td>RESOURCE_EXHAUSTED with {@code qdrant-insufficient-storage}</td><td>CapacityExceeded</td><td>507</td></tr>
 *   <tr><td>DEADLINE_EXCEEDED</td><td>Timeout</td><td>503</td></tr>
 *   <tr><td>UNAVAILABLE, FAILED_PRECONDITION (storage locked), INTERNAL, UNAUTHENTICATED, ...</td><td>Unavailable</td><td>503</td></tr>
 * </table>
 */
final class QdrantFailures {

    private static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> INSUFFICIENT_STORAGE = Metadata.Key.of("qdrant-insufficient-storage", Metadata.ASCII_STRING_MARSHALLER);
    static final String COLLECTION_LIMIT = "Max collections limit reached";
    static final String UNINDEXED_KEY = "Index required but not found";
    static final String INDEX_LIMIT = "maximum number of payload indices";

    private QdrantFailures() {
    }

    /** Whether a retry of the same call may succeed soon: the node or connection was unavailable (not rate-limited, not slow). */
    static boolean transientUnavailable(Throwable failure) {
        Status status = status(unwrap(failure));
        return status != null && status.getCode() == Status.Code.UNAVAILABLE;
    }

    /** The status code of a failure, or {@code null} when it is not a gRPC status. */
    static Status.Code code(Throwable failure) {
        Status status = status(unwrap(failure));
        return status == null ? null : status.getCode();
    }

    static BackendException translate(Throwable failure, String what) {
        Throwable cause = unwrap(failure);
        if (cause instanceof BackendException known) {
            return known;
        }
        Status status = status(cause);
        if (status == null) {
            if (cause instanceof CancellationException) {
                return new BackendException.Unavailable(what + ": the call to Qdrant was cancelled", cause);
            }
            // The client's own refusals (QdrantException: "could not be created") and anything unexpected.
            return new BackendException.Unavailable(what + ": " + cause, cause);
        }
        String description = status.getDescription() == null ? status.getCode().name() : status.getDescription();
        String message = what + ": Qdrant answered " + status.getCode() + ": " + description;
        Metadata trailers = Status.trailersFromThrowable(cause);
        return switch (status.getCode()) {
            case NOT_FOUND -> new BackendException.NotFound(message);
            case INVALID_ARGUMENT -> invalidArgument(message, description, cause);
            case ALREADY_EXISTS, OUT_OF_RANGE -> new BackendException.Rejected(message, cause);
            case RESOURCE_EXHAUSTED -> resourceExhausted(message, description, trailers, cause);
            case DEADLINE_EXCEEDED -> new BackendException.Timeout(message, cause);
            case UNAUTHENTICATED, PERMISSION_DENIED -> new BackendException.Unavailable(message
                    + " (check gateway.qdrant.api-key)", cause);
            default -> new BackendException.Unavailable(message, cause);
        };
    }

    private static BackendException invalidArgument(String message, String description, Throwable cause) {
        if (description.contains(COLLECTION_LIMIT)) {
            return new BackendException.CapacityExceeded(message + ". Qdrant holds as many collections as it allows: drop unused"
                    + " collections, use gateway.qdrant.partition-mode=payload, or raise the cluster's limit.", cause);
        }
        if (description.contains(INDEX_LIMIT)) {
            return new BackendException.CapacityExceeded(message + ". The collection's strict mode (max_payload_index_count) allows no more"
                    + " payload indexes: raise it, or set gateway.qdrant.max-metadata-indexes at least 4 below it (the gateway's"
                    + " own scope indexes count there too).", cause);
        }
        return new BackendException.Rejected(message, cause);
    }

    private static BackendException resourceExhausted(String message, String description, Metadata trailers, Throwable cause) {
        if (trailers != null && trailers.containsKey(INSUFFICIENT_STORAGE)) {
            return new BackendException.CapacityExceeded(message + ". The Qdrant node is out of storage: add capacity or free space.", cause);
        }
        // gRPC's own limit on message sizes is reported with the same code: a request or answer too large, not a busy node.
        if (description.contains("exceeds maximum") || description.contains("larger than max")) {
            return new BackendException.Rejected(message, cause);
        }
        return new BackendException.Unavailable(message, cause, retryAfter(trailers));
    }

    /** Qdrant sends whole seconds, rounded up. */
    private static Duration retryAfter(Metadata trailers) {
        String value = trailers == null ? null : trailers.get(RETRY_AFTER);
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Status status(Throwable cause) {
        if (cause instanceof StatusRuntimeException sre) {
            return sre.getStatus();
        }
        if (cause instanceof StatusException se) {
            return se.getStatus();
        }
        return null;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
