package dev.partitiongateway.api;

import dev.partitiongateway.audit.AuditLog;
import dev.partitiongateway.auth.Caller;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.catalog.CollectionCatalog;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.problem.Problem;
import dev.partitiongateway.stats.RequestMeters;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * What is recorded of a request once its answer is known, before it leaves: the tenant data request
 * histograms ({@link RequestMeters}), and the audit entry of an admin action ({@link AuditLog}): every
 * request to an operator endpoint that can change something (not GET), made with a known key, whatever
 * its outcome, refusals and failures included. Requests without a known key (401) are not admin actions
 * and are not audited (they would let anyone fill the log).
 */
public class RequestObservers {

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    @Inject
    RequestMeters requestMeters;
    @Inject
    AuditLog audit;
    @Inject
    Caller caller;
    @Inject
    CollectionCatalog catalog;

    @ServerResponseFilter
    public void observe(ContainerRequestContext request, ContainerResponseContext response, ResourceInfo resource, RoutingContext routing) {
        Class<?> type = resource.getResourceClass();
        Method method = resource.getResourceMethod();
        if (type == null || method == null) {
            return;
        }
        String operation = operationId(method);
        if (type == VectorResource.class) {
            Long started = routing.get(HttpEdge.STARTED);
            String name = request.getUriInfo().getPathParameters().getFirst("collection");
            // Only a collection the tenant could name is a label: names clients make up never become series.
            // Cached only: this may run on the I/O thread (a search), and the request has looked the name up already.
            Optional<CollectionView> known = caller.isTenant() && name != null ? catalog.cached(name) : null;
            String collection = known != null && known.isPresent() ? name : RequestMeters.UNKNOWN_COLLECTION;
            requestMeters.record(collection, operation, response.getStatus(), started == null ? 0 : System.nanoTime() - started);
        } else if (type.isAnnotationPresent(OperatorOnly.class) && !READS.contains(request.getMethod()) && caller.actor() != null) {
            URI uri = request.getUriInfo().getRequestUri();
            String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            Object location = response.getHeaders().getFirst("Location");
            String target = location != null ? URI.create(location.toString()).getRawPath() : uri.getRawPath();
            String code = response.getEntity() instanceof Problem p ? p.code() : null;
            audit.record(new AuditLog.Entry(0, Instant.now(), caller.actor(), caller.keyId(), operation, request.getMethod(), path, target,
                    response.getStatus(), code, RequestIds.of(routing)));
        }
    }

    private static String operationId(Method method) {
        Operation operation = method.getAnnotation(Operation.class);
        return operation != null ? operation.operationId() : method.getName();
    }
}
