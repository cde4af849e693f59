package dev.partitiongateway.adapter.pinecone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.spi.BackendException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.openapitools.db_control.client.ApiException;

/**
 * The one place where Pinecone failures become SPI failures. Data-plane calls fail with gRPC statuses
 * ({@link StatusRuntimeException}), control-plane calls with HTTP codes ({@link ApiException}):
 * <table>
 *   <tr><th>Pinecone</th><th>SPI</th><th>client sees</th></tr>
 *   <tr><td>INVALID_ARGUMENT, OUT_OF_RANGE, ALREADY_EXISTS / 400, 409, 422</td><td>Rejected</td><td>400</td></tr>
 *   <tr><td>NOT_FOUND / 404</td><td>NotFound</td><td>404</td></tr>
 *   <tr><td>PERMISSION_DENIED / 403 naming a plan limit (namespaces, storage, indexes)</td><td>CapacityExceeded naming the limit</td><td>507, operator problem</td></tr>
 *   <tr><td>403 deletion protection (deleting an index)</td><td>Rejected, saying how to lift it</td><td>400</td></tr>
 *   <tr><td>PERMISSION_DENIED / 403 otherwise (the API key's role forbids the operation)</td><td>Unavailable: an operator problem, not the client's</td><td>503</td></tr>
 *   <tr><td>RESOURCE_EXHAUSTED / 429 (rate limit)</td><td>Unavailable with retry-after (the server's, else about the backoff)</td><td>503 + Retry-After</td></tr>
 *   <tr><td>UNAVAILABLE / 5xx</td><td>Unavailable</td><td>503</td></tr>
 *   <tr><td>DEADLINE_EXCEEDED / socket timeout</td><td>Timeout</td><td>504-like, retryable</td></tr>
 *   <tr><td>UNAUTHENTICATED / 401</td><td>Unavailable: the API key is wrong (an operator problem, not the client's)</td><td>503</td></tr>
 *   <tr><td>anything else</td><td>Unavailable</td><td>503</td></tr>
 * </table>
 * Rate limits, unavailability and timeouts are retryable: the gateway retries them
 * ({@code gateway.backend.retry.*}); {@link PineconeCalls} retries rate limits and unavailability
 * inside the adapter too, but only when {@code gateway.pinecone.retry.max-attempts} is above 1.
 */
final class PineconeFailures {

    private static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Pinecone's quota refusals say ("You've reached the max ... To add more ..., upgrade your plan"). */
    private static final List<String> QUOTA_WORDS = List.of("quota", "max", "limit", "exceed", "upgrade");

    private PineconeFailures() {
    }

    /** Whether another attempt of the same call may succeed: rate limits and transient unavailability. */
    static boolean retryable(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            Status.Code code = s.getStatus().getCode();
            return code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.UNAVAILABLE;
        }
        if (e instanceof ApiException a) {
            int code = a.getCode();
            return code == 429 || code == 502 || code == 503 || code == 504;
        }
        return false;
    }

    /** The wait the server asked for, if it said (a {@code retry-after} trailer or header, in seconds). */
    static Optional<Duration> retryAfter(Throwable e) {
        String value = null;
        if (e instanceof StatusRuntimeException s && s.getTrailers() != null) {
            value = s.getTrailers().get(RETRY_AFTER);
        } else if (e instanceof ApiException a && a.getResponseHeaders() != null) {
            for (Map.Entry<String, List<String>> header : a.getResponseHeaders().entrySet()) {
                if (header.getKey() != null && header.getKey().equalsIgnoreCase("retry-after") && !header.getValue().isEmpty()) {
                    value = header.getValue().get(0);
                }
            }
        }
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
        } catch (NumberFormatException ignored) {
            return Optional.empty();
        }
    }

    static boolean isRateLimit(Throwable e) {
        return (e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED)
                || (e instanceof ApiException a && a.getCode() == 429);
    }

    /**
     * The SPI failure for {@code e} during {@code context} (e.g. "upsert into namespace 'c-p' of index 'x'").
     *
     * @param retryAfter for a rate limit that outlasted the retries: how long the caller should wait
     */
    static BackendException translate(String context, Throwable e, Duration retryAfter) {
        if (e instanceof BackendException backend) {
            return backend;
        }
        if (e instanceof StatusRuntimeException s) {
            return fromStatus(context, s, retryAfter);
        }
        if (e instanceof ApiException a) {
            return fromHttp(context, a, retryAfter);
        }
        return new BackendException.Unavailable("Pinecone " + context + " failed: " + e, e);
    }

    static BackendException translate(String context, Throwable e) {
        return translate(context, e, null);
    }

    private static BackendException fromStatus(String context, StatusRuntimeException e, Duration retryAfter) {
        String detail = e.getStatus().getDescription() == null ? e.getStatus().getCode().name() : e.getStatus().getDescription();
        return switch (e.getStatus().getCode()) {
            case INVALID_ARGUMENT, OUT_OF_RANGE, ALREADY_EXISTS -> new BackendException.Rejected("Pinecone refused " + context + ": " + detail, e);
            case NOT_FOUND -> notFound(context, detail);
            case PERMISSION_DENIED -> forbidden(context, detail, e);
            case RESOURCE_EXHAUSTED -> new BackendException.Unavailable("Pinecone rate-limited " + context + " (about 100 requests/s per namespace): "
                    + detail, e, retryAfter);
            case DEADLINE_EXCEEDED -> new BackendException.Timeout("Pinecone did not answer " + context + " within the deadline "
                    + "(gateway.pinecone.timeout): " + detail, e);
            case UNAUTHENTICATED -> new BackendException.Unavailable("Pinecone refused the API key (gateway.pinecone.api-key) for "
                    + context + ": " + detail, e);
            default -> new BackendException.Unavailable("Pinecone could not serve " + context + ": " + e.getStatus().getCode() + " " + detail, e);
        };
    }

    private static BackendException fromHttp(String context, ApiException e, Duration retryAfter) {
        String detail = message(e);
        int code = e.getCode();
        if (code == 0) {
            if (hasCause(e, InterruptedIOException.class)) {
                return new BackendException.Timeout("the Pinecone control plane did not answer " + context
                        + " in time (gateway.pinecone.control-plane-timeout): " + detail, e);
            }
            return new BackendException.Unavailable("the Pinecone control plane is unreachable for " + context + ": " + detail, e);
        }
        return switch (code) {
            case 400, 409, 412, 422 -> new BackendException.Rejected("Pinecone refused " + context + ": " + detail, e);
            case 401 -> new BackendException.Unavailable("Pinecone refused the API key (gateway.pinecone.api-key) for " + context + ": " + detail, e);
            case 403 -> forbidden(context, detail, e);
            case 404 -> notFound(context, detail);
            case 429 -> new BackendException.Unavailable("Pinecone rate-limited " + context + ": " + detail, e, retryAfter);
            default -> new BackendException.Unavailable("Pinecone could not serve " + context + ": HTTP " + code + " " + detail, e);
        };
    }

    private static BackendException notFound(String context, String detail) {
        return new BackendException.NotFound("Pinecone found nothing for " + context + ": " + detail);
    }

    /**
     * A 403 / PERMISSION_DENIED. Pinecone answers so for three different things: a plan quota (its
     * messages name the limit: "You've reached the max ..."), an index under deletion protection, and
     * a key whose role does not allow the operation. Only the first is a capacity problem.
     */
    static BackendException forbidden(String context, String detail, Throwable e) {
        String lower = detail.toLowerCase(Locale.ROOT);
        if (lower.contains("deletion protection")) {
            return new BackendException.Rejected("Pinecone refused " + context + ": " + detail + " (the index is protected: "
                    + "disable its deletion protection in the Pinecone console to let the gateway delete it)", e);
        }
        if (QUOTA_WORDS.stream().anyMatch(lower::contains)) {
            return new BackendException.CapacityExceeded(quotaMessage(context, detail), e);
        }
        return new BackendException.Unavailable("Pinecone denied " + context + ": " + detail + ". The API key "
                + "(gateway.pinecone.api-key) is probably not allowed to do this: give it read-write data-plane permissions "
                + "(and control-plane ones if the gateway creates or deletes indexes) on this index", e);
    }

    /** Names which plan limit was hit and what an operator can do about it. */
    static String quotaMessage(String context, String detail) {
        String lower = detail.toLowerCase(Locale.ROOT);
        String limit;
        String action;
        if (lower.contains("namespace")) {
            limit = "namespaces per index";
            action = "drop unused partitions (each is a namespace), spread collections over more indexes, or raise the Pinecone plan";
        } else if (lower.contains("storage") || lower.contains("size") || lower.contains("capacity")) {
            limit = "storage of the project";
            action = "delete data or raise the Pinecone plan";
        } else if (lower.contains("index")) {
            limit = "indexes per project";
            action = "map collections to existing indexes (gateway.pinecone.indexes / default-index) or raise the Pinecone plan";
        } else {
            limit = "a plan quota";
            action = "check the Pinecone console for the project's limits";
        }
        return "Pinecone plan limit reached (" + limit + ") during " + context + ": " + detail + ". To fix: " + action + ".";
    }

    /** The {@code error.message} of a control-plane error body, else the body, else the exception's message. */
    private static String message(ApiException e) {
        String body = e.getResponseBody();
        if (body != null && !body.isBlank()) {
            try {
                JsonNode node = JSON.readTree(body);
                JsonNode message = node.path("error").path("message");
                if (message.isTextual()) {
                    return message.asText();
                }
            } catch (Exception ignored) {
                // not JSON: the body itself is the best message
            }
            return body;
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
