package dev.partitiongateway.problem;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A refusal with a stable code; becomes a problem response. Thrown before anything is changed. */
public class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final List<Problem.FieldError> errors;
    private final Duration retryAfter;

    public ApiException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    public ApiException(ErrorCode code, String detail, List<Problem.FieldError> errors) {
        this(code, detail, errors, null);
    }

    private ApiException(ErrorCode code, String detail, List<Problem.FieldError> errors, Duration retryAfter) {
        super(detail);
        this.code = code;
        this.errors = errors;
        this.retryAfter = retryAfter;
    }

    /** A 429: the client should wait {@code retryAfter} before trying again. */
    public static ApiException rateLimited(String detail, Duration retryAfter) {
        return new ApiException(ErrorCode.RATE_LIMITED, detail, null, retryAfter);
    }

    /** A 503: part of the backend failed; the client should retry after {@code retryAfter}. */
    public static ApiException backendUnavailable(String detail, Duration retryAfter) {
        return new ApiException(ErrorCode.BACKEND_UNAVAILABLE, detail, null, retryAfter);
    }

    /** When the client may try again, if this refusal says. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public ErrorCode code() {
        return code;
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }

    public static ApiException invalid(String field, String message) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + ": " + message,
                List.of(new Problem.FieldError(field, message)));
    }

    public static ApiException notFound(String what) {
        return new ApiException(ErrorCode.NOT_FOUND, what + " not found");
    }

    public static ApiException conflict(String detail) {
        return new ApiException(ErrorCode.CONFLICT, detail);
    }
}
