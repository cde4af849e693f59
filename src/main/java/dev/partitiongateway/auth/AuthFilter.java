package dev.partitiongateway.auth;

import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.tenant.TenantCache;
import dev.partitiongateway.tenant.TenantLimiter;
import dev.partitiongateway.tenant.TenantStatus;
import dev.partitiongateway.tenant.TenantView;
import io.quarkus.runtime.BlockingOperationNotAllowedException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every matched request from {@code Authorization: Bearer <key>} and checks that the
 * key may call the endpoint: 401 for a missing, malformed, unknown or revoked key; 403 for the wrong
 * kind of key, a missing scope or a suspended tenant. Runs after routing, so unknown routes are 404.
 */
public class AuthFilter {

    private static final String BEARER = "Bearer ";

    @Inject
    KeyRing keys;
    @Inject
    OperatorKeys operatorKeys;
    @Inject
    TenantCache tenants;
    @Inject
    KeyUsageRecorder usage;
    @Inject
    Caller caller;
    @Inject
    TenantLimiter limiter;

    /** Worker threads, with the request's context: for a key or tenant the caches do not hold. */
    @Inject
    ManagedExecutor workers;

    /**
     * Filters run on the thread of their endpoint: a worker thread, except for a search, which starts on
     * the I/O thread that read the request (see {@code VectorResource#search}). There, a key or tenant
     * that is not cached is read from PostgreSQL on a worker, and the request goes on from there.
     */
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Void> authenticate(ContainerRequestContext request, ResourceInfo resource, RoutingContext routing) {
        boolean ioThread = Context.isOnEventLoopThread();
        if (ioThread && !answersFromCache(request)) {
            return checkOnWorker(request, resource, routing);
        }
        try {
            // Thrown here, a refusal goes through the response filters (the audit log among them) as it always did.
            check(request, resource, routing);
        } catch (RuntimeException dropped) {
            if (!ioThread || !wouldBlock(dropped)) {
                throw dropped;
            }
            // A change notification dropped the key or tenant after answersFromCache saw it; check() had not yet
            // admitted the request (the limiter comes after every read), so a worker can check it again.
            return checkOnWorker(request, resource, routing);
        }
        return Uni.createFrom().voidItem();
    }

    /**
     * Whether {@code failure} is, or was caused by, Quarkus refusing a blocking call on an I/O thread (a
     * cache that must read PostgreSQL): what a request started there hands to a worker thread.
     */
    public static boolean wouldBlock(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BlockingOperationNotAllowedException) {
                return true;
            }
        }
        return false;
    }

    private Uni<Void> checkOnWorker(ContainerRequestContext request, ResourceInfo resource, RoutingContext routing) {
        return Uni.createFrom().<Void>item(() -> {
            check(request, resource, routing);
            return null;
        }).runSubscriptionOn(workers);
    }

    /** Whether {@link #check} needs nothing that is not cached: no key or tenant to read from PostgreSQL. */
    private boolean answersFromCache(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return true; // refused without a lookup
        }
        Optional<String> prefix = KeyMaterial.prefixOf(header.substring(BEARER.length()).trim());
        if (prefix.isEmpty()) {
            return true;
        }
        Optional<KeyRing.Entry> key = keys.cached(prefix.get());
        if (key == null) {
            return false;
        }
        return key.isEmpty() || key.get().isOperator() || tenants.cached(key.get().tenantId()) != null;
    }

    private void check(ContainerRequestContext request, ResourceInfo resource, RoutingContext routing) {
        Class<?> type = resource.getResourceClass();
        Method method = resource.getResourceMethod();
        if (type == null || method == null) {
            return;
        }
        boolean operatorOnly = type.isAnnotationPresent(OperatorOnly.class);
        RequiresScope scope = method.getAnnotation(RequiresScope.class);
        if (!operatorOnly && scope == null) {
            return; // public endpoint
        }
        String presented = bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        byte[] presentedHash = KeyMaterial.hash(presented);
        if (operatorKeys.isConfiguredKey(presentedHash)) {
            caller.identify("operator:configured", null);
            requireOperatorEndpoint(operatorOnly);
            caller.authenticateOperator();
            return;
        }
        KeyRing.Entry key = KeyMaterial.prefixOf(presented)
                .flatMap(keys::find)
                .filter(k -> KeyMaterial.sameHash(k.secretHash(), presentedHash))
                .orElseThrow(() -> unauthenticated("unknown API key"));
        if (key.revoked()) {
            throw unauthenticated("API key revoked");
        }
        if (key.expiredAt(Instant.now())) {
            throw unauthenticated("API key expired");
        }
        if (key.isOperator() && operatorKeys.usesConfiguredKey()) {
            throw unauthenticated("unknown API key"); // a generated key is void once one is configured
        }
        usage.used(key.id());
        String prefix = KeyMaterial.prefixOf(presented).orElse("?");
        caller.identify(key.isOperator() ? "operator:key:" + prefix : "tenant:" + key.tenantId() + ":key:" + prefix, key.id());
        if (key.isOperator()) {
            requireOperatorEndpoint(operatorOnly);
            caller.authenticateOperator();
            return;
        }
        if (operatorOnly) {
            throw new ApiException(ErrorCode.FORBIDDEN, "this endpoint needs the operator key");
        }
        // The uid check makes a key of a deleted tenant void even for a new tenant with the same id.
        TenantView tenant = tenants.get(key.tenantId())
                .filter(t -> t.uid().equals(key.tenantUid()))
                .orElseThrow(() -> unauthenticated("unknown API key"));
        if (tenant.status() == TenantStatus.SUSPENDED) {
            throw new ApiException(ErrorCode.TENANT_SUSPENDED, "tenant '" + tenant.id() + "' is suspended");
        }
        if (!key.scopes().contains(scope.value())) {
            throw new ApiException(ErrorCode.FORBIDDEN, "this key lacks the '" + scope.value().wireName() + "' scope");
        }
        // Before the body is read: a tenant over its share of the gateway's threads is turned away at once.
        TenantLimiter.Admission admission = limiter.admit(tenant);
        if (admission instanceof TenantLimiter.Refusal refusal) {
            throw ApiException.rateLimited(refusal.reason(), refusal.retryAfter());
        }
        TenantLimiter.Admitted admitted = (TenantLimiter.Admitted) admission;
        routing.addEndHandler(ended -> admitted.release());
        caller.authenticateTenant(tenant);
    }

    private static void requireOperatorEndpoint(boolean operatorOnly) {
        if (!operatorOnly) {
            throw new ApiException(ErrorCode.FORBIDDEN, "the operator key cannot call tenant endpoints; use a tenant key");
        }
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthenticated("missing 'Authorization: Bearer <key>' header");
        }
        String key = header.substring(BEARER.length()).trim();
        if (key.isEmpty()) {
            throw unauthenticated("empty API key");
        }
        return key;
    }

    private static ApiException unauthenticated(String detail) {
        return new ApiException(ErrorCode.UNAUTHENTICATED, detail);
    }
}
