package dev.partitiongateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.problem.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What happens before and around the REST layer, so that every error a client can get is a problem
 * body: a declared body over the size limit is answered at once with a 413 problem (instead of the
 * HTTP server's bare 413 after reading part of it), and a failure that escapes the REST layer becomes a
 * problem too; requests in progress are counted for readiness. First of all, every request gets its
 * {@linkplain RequestIds request id}, so that every response and problem carries it, these included.
 */
@ApplicationScoped
public class HttpEdge {

    private final long maxBodyBytes;
    private final ObjectMapper json;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** When the request arrived ({@link System#nanoTime()}), for request histograms. */
    static final String STARTED = "pgw.started";

    HttpEdge(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize, ObjectMapper json) {
        this.maxBodyBytes = maxBodySize.asLongValue();
        this.json = json;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::admit);
        router.route().order(Integer.MIN_VALUE).failureHandler(this::problemForFailure);
    }

    /** Requests in progress now, over all tenants (for readiness). */
    public int inFlight() {
        return inFlight.get();
    }

    private void admit(RoutingContext ctx) {
        ctx.put(STARTED, System.nanoTime());
        RequestIds.bind(ctx);
        inFlight.incrementAndGet();
        ctx.addEndHandler(ended -> inFlight.decrementAndGet());
        refuseOversizedBody(ctx);
    }

    private void refuseOversizedBody(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > maxBodyBytes) {
                // The body is not read: the connection closes after this answer.
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                send(ctx, ErrorCode.PAYLOAD_TOO_LARGE.status(), new Problem(ErrorCode.PAYLOAD_TOO_LARGE.typeUri(),
                        ProblemMapper.title(ErrorCode.PAYLOAD_TOO_LARGE), 413, "the request body has " + declared
                        + " bytes; at most " + maxBodyBytes + " are accepted (quarkus.http.limits.max-body-size)",
                        ctx.request().path(), ErrorCode.PAYLOAD_TOO_LARGE.name(), null));
                return;
            }
        }
        ctx.next();
    }

    private void problemForFailure(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        int status = ctx.statusCode();
        Throwable failure = ctx.failure();
        if (failure == null && status == 413) {
            send(ctx, 413, new Problem(ErrorCode.PAYLOAD_TOO_LARGE.typeUri(), ProblemMapper.title(ErrorCode.PAYLOAD_TOO_LARGE), 413,
                    "the request body is larger than " + maxBodyBytes + " bytes", ctx.request().path(),
                    ErrorCode.PAYLOAD_TOO_LARGE.name(), null));
            return;
        }
        if (failure == null && status >= 400 && status < 500) {
            ErrorCode code = status == 404 ? ErrorCode.NOT_FOUND : status == 405 ? ErrorCode.METHOD_NOT_ALLOWED : ErrorCode.VALIDATION_FAILED;
            send(ctx, status, new Problem(code.typeUri(), ProblemMapper.title(code), status, "request refused: HTTP " + status,
                    ctx.request().path(), code.name(), null));
            return;
        }
        Response response = ProblemMapper.unexpected(failure == null ? new IllegalStateException("HTTP " + status) : failure,
                ctx.request().path());
        response.getHeaders().forEach((name, values) -> values.forEach(v -> ctx.response().putHeader(name, String.valueOf(v))));
        send(ctx, response.getStatus(), response.getEntity());
    }

    private void send(RoutingContext ctx, int status, Object problem) {
        String body;
        try {
            body = json.writeValueAsString(problem instanceof Problem p ? p.withRequestId(RequestIds.of(ctx)) : problem);
        } catch (Exception e) {
            body = "{\"status\":" + status + ",\"code\":\"INTERNAL_ERROR\"}";
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).end(body);
    }
}
