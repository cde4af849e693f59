package dev.partitiongateway.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem details body, with the gateway's stable {@code code} and the {@code requestId}
 * the response's {@code X-Request-Id} carries (so that a problem pasted into a ticket finds its log lines).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, String code,
                      List<FieldError> errors, String errorId, String requestId) {

    public Problem(String type, String title, int status, String detail, String instance, String code, List<FieldError> errors) {
        this(type, title, status, detail, instance, code, errors, null, null);
    }

    public Problem(String type, String title, int status, String detail, String instance, String code, List<FieldError> errors,
                   String errorId) {
        this(type, title, status, detail, instance, code, errors, errorId, null);
    }

    public Problem withRequestId(String requestId) {
        return new Problem(type, title, status, detail, instance, code, errors, errorId, requestId);
    }

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid input, named by its JSON path. */
    public record FieldError(String field, String message) {
    }
}
