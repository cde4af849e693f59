package dev.partitiongateway.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An RFC 9457 problem details body, with the gateway's stable {@code code}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, String code,
                      List<FieldError> errors, String errorId) {

    public Problem(String type, String title, int status, String detail, String instance, String code, List<FieldError> errors) {
        this(type, title, status, detail, instance, code, errors, null);
    }

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid input, named by its JSON path. */
    public record FieldError(String field, String message) {
    }
}
