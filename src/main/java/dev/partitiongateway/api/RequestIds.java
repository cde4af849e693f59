package dev.partitiongateway.api;

import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;

/**
 * Request ids: every response carries {@code X-Request-Id}: the caller's own when it is sane (1 to 128
 * of {@code A-Z a-z 0-9 . _ : / + = @ -}, the characters of UUIDs, ULIDs, trace ids and base64), else a new
 * random UUID, so that nothing a client sends reaches logs or headers unchecked. The id is bound to the
 * request's Vert.x (duplicated) context, where problem bodies read it, and to the logging MDC as
 * {@code requestId}, which Quarkus keeps on that context: every line logged while the request is
 * handled carries it, on whichever thread.
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    static final String CONTEXT_KEY = "pgw.requestId";
    static final int MAX_LENGTH = 128;
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:/+=@-]{1," + MAX_LENGTH + "}");

    private RequestIds() {
    }

    /** The id to answer with: the presented one if sane, else a new one. */
    static String accept(String presented) {
        return presented != null && SANE.matcher(presented).matches() ? presented : UUID.randomUUID().toString();
    }

    /** Binds the request's id: response header, routing context, request context, MDC. */
    static String bind(RoutingContext ctx) {
        String id = accept(ctx.request().getHeader(HEADER));
        ctx.put(CONTEXT_KEY, id);
        ctx.response().putHeader(HEADER, id);
        // Only on the request's own (duplicated) context: the MDC lives there, and nothing leaks to the next request.
        if (VertxContext.isOnDuplicatedContext()) {
            ContextLocals.put(CONTEXT_KEY, id);
            MDC.put(MDC_KEY, id);
        }
        return id;
    }

    /** The current request's id, {@code null} outside a request. */
    static String current() {
        return VertxContext.isOnDuplicatedContext() ? ContextLocals.<String>get(CONTEXT_KEY).orElse(null) : null;
    }

    /** The id bound to a routing context. */
    static String of(RoutingContext ctx) {
        String id = ctx.get(CONTEXT_KEY);
        return id != null ? id : current();
    }
}
