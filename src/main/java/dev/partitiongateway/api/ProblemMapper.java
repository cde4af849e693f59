package dev.partitiongateway.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.partitiongateway.filter.InvalidFilterException;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.DatabaseOutage;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.problem.Problem;
import dev.partitiongateway.spi.BackendException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Comparator;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure, including the framework's own (malformed JSON, unknown route), into a problem response. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response api(ApiException e, UriInfo uri) {
        Response problem = problem(e.code(), e.getMessage(), e.errors(), uri);
        return e.retryAfter()
                .map(wait -> Response.fromResponse(problem).header("Retry-After", Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000))).build())
                .orElse(problem);
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

    /** Declared for the exact types so that they win over the framework's own mappers for them. */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response invalidDefinition(InvalidDefinitionException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        if (e instanceof UnrecognizedPropertyException u) {
            String field = path(u);
            return problem(ErrorCode.VALIDATION_FAILED, "unknown field '" + field + "'",
                    List.of(new Problem.FieldError(field, "unknown field")), uri);
        }
        if (e instanceof MismatchedInputException m && isTrailingContent(m)) {
            return problem(ErrorCode.MALFORMED_JSON, "request body must be exactly one JSON document; found content after it", null, uri);
        }
        if (e instanceof JsonMappingException m && !(e.getCause() instanceof JsonParseException)
                && !(e.getCause() instanceof StreamConstraintsException)) {
            // A well-formed document with a value of the wrong type or shape (e.g. a string where an array belongs).
            String field = path(m);
            return problem(ErrorCode.VALIDATION_FAILED, "'" + field + "' has the wrong type or shape",
                    List.of(new Problem.FieldError(field, "wrong type or shape")), uri);
        }
        return problem(ErrorCode.MALFORMED_JSON, "request body is not valid JSON: " + e.getOriginalMessage(), null, uri);
    }

    private static boolean isTrailingContent(MismatchedInputException e) {
        return e.getPath().isEmpty() && e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Trailing token");
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
        String detail = e.getCause() instanceof CircuitBreakerOpenException
                ? "the vector backend failed repeatedly and is held off; retry in " + retryAfter + " s"
                : e instanceof BackendException.Timeout
                ? "the vector backend did not answer in time; nothing was recorded; retry later"
                : "the vector backend is unavailable; retry later";
        return Response.fromResponse(problem(ErrorCode.BACKEND_UNAVAILABLE, detail, null, uri))
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
            return unexpected(e, uri.getPath());
        }
        if (e.getCause() instanceof JsonProcessingException jpe) {
            return json(jpe, uri);
        }
        if (code == ErrorCode.NOT_FOUND || code == ErrorCode.METHOD_NOT_ALLOWED) {
            java.util.Set<String> allowed = RouteTable.allowed(uri.getPath());
            if (!allowed.isEmpty()) {
                // The path exists; the method does not (see RouteTable for why RESTEasy can say 404 here).
                return Response.fromResponse(problem(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed on " + uri.getPath()
                        + "; allowed: " + String.join(", ", allowed), null, uri)).header("Allow", String.join(", ", allowed)).build();
            }
        }
        String detail = switch (code) {
            case NOT_FOUND -> "no such resource: " + uri.getPath();
            case METHOD_NOT_ALLOWED -> "method not allowed on " + uri.getPath();
            case UNSUPPORTED_MEDIA_TYPE -> "send application/json";
            default -> e.getMessage();
        };
        return problem(code, detail, null, uri);
    }

    /**
     * Reading the request body failed: the client went away, or stopped sending past the read timeout
     * ({@code quarkus.http.read-timeout}), after which the server has closed the connection. Neither is
     * a server error, and no answer reaches the client.
     */
    @ServerExceptionMapper
    public Response bodyRead(IOException e, UriInfo uri) {
        LOG.debugf("request on %s ended while its body was read: %s", uri.getPath(), e.toString());
        return Response.fromResponse(problem(ErrorCode.MALFORMED_JSON, "the request body ended before it was complete", null, uri))
                .header("Connection", "close").build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        return unexpected(e, uri == null ? null : uri.getPath());
    }

    /**
     * A failure nobody anticipated: a database outage becomes a 503 the client may retry; anything else
     * a 500 whose body carries only an error id, and whose details (stack trace, messages that may hold
     * internals) go to the log under that id.
     */
    static Response unexpected(Throwable e, String path) {
        if (DatabaseOutage.isCause(e)) {
            LOG.warnf("database unavailable on %s: %s", path, rootMessage(e));
            return Response.fromResponse(problem(ErrorCode.DATABASE_UNAVAILABLE,
                            "the gateway's database is unavailable; nothing was changed; retry later", null, path))
                    .header("Retry-After", "5").build();
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected failure on %s [errorId=%s]", path, errorId);
        Problem body = new Problem(ErrorCode.INTERNAL_ERROR.typeUri(), "Internal Server Error", 500,
                "internal error; quote error id " + errorId + " when reporting it", path, ErrorCode.INTERNAL_ERROR.name(), null, errorId,
                RequestIds.current());
        return Response.status(500).type(Problem.MEDIA_TYPE).entity(body).build();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }

    static Response problem(ErrorCode code, String detail, List<Problem.FieldError> errors, UriInfo uri) {
        return problem(code, detail, errors, uri == null ? null : uri.getPath());
    }

    static Response problem(ErrorCode code, String detail, List<Problem.FieldError> errors, String path) {
        Problem body = new Problem(code.typeUri(), title(code), code.status(), detail, path, code.name(), errors, null,
                RequestIds.current());
        Response.ResponseBuilder response = Response.status(code.status()).type(Problem.MEDIA_TYPE).entity(body);
        if (code == ErrorCode.UNAUTHENTICATED) {
            response.header("WWW-Authenticate", "Bearer realm=\"partition-gateway\"");
        }
        return response.build();
    }

    static String title(ErrorCode code) {
        Response.Status status = Response.Status.fromStatusCode(code.status());
        return status != null ? status.getReasonPhrase() : switch (code.status()) {
            case 507 -> "Insufficient Storage";
            default -> code.name();
        };
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
