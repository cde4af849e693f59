package dev.partitiongateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.partitiongateway.filter.InvalidFilterException;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.problem.Problem;
import dev.partitiongateway.spi.BackendException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure, including the framework's own (malformed JSON, unknown route), into a problem response. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response api(ApiException e, UriInfo uri) {
        return problem(e.code(), e.getMessage(), e.errors(), uri);
    }

    @ServerExceptionMapper
    public Response filter(InvalidFilterException e, UriInfo uri) {
        return problem(ErrorCode.INVALID_FILTER, e.getMessage(), null, uri);
    }

    @ServerExceptionMapper
    public Response constraints(ConstraintViolationException e, UriInfo uri) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .sorted(Comparator.comparing(v -> v.getPropertyPath().toString()))
                .map(v -> new Problem.FieldError(field(v), v.getMessage()))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "));
        return problem(ErrorCode.VALIDATION_FAILED, detail, errors, uri);
    }

    /** Declared for the exact type so that it wins over the framework's own mapper for it. */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        if (e instanceof UnrecognizedPropertyException u) {
            String field = path(u);
            return problem(ErrorCode.VALIDATION_FAILED, "unknown field '" + field + "'",
                    List.of(new Problem.FieldError(field, "unknown field")), uri);
        }
        if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
            String field = path((JsonMappingException) e);
            return problem(ErrorCode.VALIDATION_FAILED, "'" + field + "' has the wrong type or shape",
                    List.of(new Problem.FieldError(field, "wrong type or shape")), uri);
        }
        return problem(ErrorCode.MALFORMED_JSON, "request body is not valid JSON: " + e.getOriginalMessage(), null, uri);
    }

    @ServerExceptionMapper
    public Response backend(BackendException e, UriInfo uri) {
        if (e instanceof BackendException.Rejected) {
            return problem(ErrorCode.VALIDATION_FAILED, "the backend refused the request: " + e.getMessage(), null, uri);
        }
        if (e instanceof BackendException.NotFound) {
            return problem(ErrorCode.NOT_FOUND, e.getMessage(), null, uri);
        }
        if (e instanceof BackendException.CapacityExceeded) {
            LOG.errorf("backend capacity exceeded on %s: %s", uri.getPath(), e.getMessage());
            return problem(ErrorCode.BACKEND_CAPACITY_EXCEEDED, e.getMessage(), null, uri);
        }
        LOG.warnf("backend failure on %s: %s", uri.getPath(), e.toString());
        long retryAfter = e.retryAfter().map(d -> Math.max(1, (d.toMillis() + 999) / 1000)).orElse(5L);
        return Response.fromResponse(problem(ErrorCode.BACKEND_UNAVAILABLE, "the vector backend is unavailable; retry later", null, uri))
                .header("Retry-After", Long.toString(retryAfter)).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        ErrorCode code = switch (status) {
            case 400 -> e.getCause() instanceof JsonProcessingException ? ErrorCode.MALFORMED_JSON : ErrorCode.VALIDATION_FAILED;
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 406 -> ErrorCode.NOT_ACCEPTABLE;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> null;
        };
        if (code == null) {
            LOG.errorf(e, "unexpected web error on %s", uri.getPath());
            code = ErrorCode.INTERNAL_ERROR;
        }
        if (e.getCause() instanceof JsonProcessingException jpe) {
            return json(jpe, uri);
        }
        String detail = switch (code) {
            case NOT_FOUND -> "no such resource: " + uri.getPath();
            case METHOD_NOT_ALLOWED -> "method not allowed on " + uri.getPath();
            case UNSUPPORTED_MEDIA_TYPE -> "send application/json";
            default -> e.getMessage();
        };
        return problem(code, detail, null, uri);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "unexpected failure on %s", uri.getPath());
        return problem(ErrorCode.INTERNAL_ERROR, "internal error", null, uri);
    }

    static Response problem(ErrorCode code, String detail, List<Problem.FieldError> errors, UriInfo uri) {
        Response.Status status = Response.Status.fromStatusCode(code.status());
        String title = status != null ? status.getReasonPhrase() : code.name();
        Problem body = new Problem(code.typeUri(), title, code.status(), detail, uri == null ? null : uri.getPath(), code.name(), errors);
        Response.ResponseBuilder response = Response.status(code.status()).type(Problem.MEDIA_TYPE).entity(body);
        if (code == ErrorCode.UNAUTHENTICATED) {
            response.header("WWW-Authenticate", "Bearer realm=\"partition-gateway\"");
        }
        return response.build();
    }

    private static String field(ConstraintViolation<?> v) {
        // "create.body.quota.maxVectors" -> "quota.maxVectors": drop the method and parameter names
        String path = v.getPropertyPath().toString();
        String[] parts = path.split("\\.", 3);
        return parts.length == 3 ? parts[2] : path;
    }

    private static String path(JsonMappingException e) {
        String p = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
        return p.isEmpty() ? "body" : p;
    }
}
