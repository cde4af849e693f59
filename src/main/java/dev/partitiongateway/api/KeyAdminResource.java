package dev.partitiongateway.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.partitiongateway.auth.ApiKey;
import dev.partitiongateway.auth.KeyService;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.auth.Scope;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.validation.CleanText;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

@Path("/v1/admin/tenants/{tenantId}/keys")
@Tag(name = "Admin: tenants")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class KeyAdminResource {

    public record IssueKey(@NotNull @Size(min = 1, max = 200) @CleanText String name, @NotEmpty List<@NotNull String> scopes,
                           Instant expiresAt) {
    }

    /**
     * @param gracePeriodSeconds how long the old key keeps working (0, the default: it stops at once); at most 30 days
     * @param expiresAt          when the new key stops working; {@code null} for never
     */
    public record RotateKey(@PositiveOrZero @Max(MAX_GRACE_SECONDS) Long gracePeriodSeconds, Instant expiresAt) {
    }

    static final long MAX_GRACE_SECONDS = 30L * 24 * 3600;

    /** A key as listed; {@code key} (the secret) is present only in the response that issued it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyJson(UUID id, String name, String prefix, List<String> scopes, Instant createdAt,
                          Instant lastUsedAt, Instant revokedAt, Instant expiresAt, UUID rotatedTo, String key) {
        static KeyJson of(ApiKey k, String secret) {
            return new KeyJson(k.id, k.name, k.prefix, k.scopeSet().stream().map(Scope::wireName).toList(),
                    k.createdAt, k.lastUsedAt, k.revokedAt, k.expiresAt, k.rotatedTo, secret);
        }
    }

    /** The answer to a rotation: the new key (with its secret, shown once) and the old key as it now is. */
    public record RotationJson(KeyJson key, KeyJson previous) {
    }

    private final KeyService keys;

    KeyAdminResource(KeyService keys) {
        this.keys = keys;
    }

    @Operation(operationId = "createTenantKey", summary = "Issue a tenant API key",
            description = "Issues a key with scopes read and/or write. The secret (key) is in this response only; the gateway keeps its hash.")
    @APIResponse(responseCode = "201", description = "The key was issued; key holds the secret, shown once.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = KeyJson.class)))
    @POST
    public Response issue(@PathParam("tenantId") String tenantId, @NotNull @Valid IssueKey body) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (int i = 0; i < body.scopes().size(); i++) {
            try {
                scopes.add(Scope.fromWire(body.scopes().get(i)));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("scopes[" + i + "]", e.getMessage());
            }
        }
        KeyService.Issued issued = keys.issue(tenantId, body.name(), scopes, body.expiresAt());
        return Response.created(URI.create("/v1/admin/tenants/" + tenantId + "/keys/" + issued.key().id))
                .entity(KeyJson.of(issued.key(), issued.secret())).build();
    }

    /** A page of keys; {@code next} is the cursor of the following page, absent on the last one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyPage(List<KeyJson> keys, String next) {
    }

    /** The tenant's keys in the order they were issued, {@code limit} per page; {@code cursor} is the previous page's {@code next}. */
    @Operation(operationId = "listTenantKeys", summary = "List a tenant's API keys",
            description = "The tenant's keys in issue order, without secrets, one page at a time: pass the previous page's next as cursor.")
    @GET
    public KeyPage list(@PathParam("tenantId") String tenantId, @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int size = Cursors.limit(limit);
        Cursors.After after = Cursors.decodeAfter(cursor, "cursor");
        List<ApiKey> page = keys.page(tenantId, after == null ? null : after.createdAt(), after == null ? null : after.id(), size + 1);
        boolean more = page.size() > size;
        List<ApiKey> shown = more ? page.subList(0, size) : page;
        ApiKey last = shown.isEmpty() ? null : shown.get(shown.size() - 1);
        return new KeyPage(shown.stream().map(k -> KeyJson.of(k, null)).toList(),
                more ? Cursors.encode(new Cursors.After(last.createdAt, last.id)) : null);
    }

    @Operation(operationId = "revokeTenantKey", summary = "Revoke a tenant API key",
            description = "The key stops working at once on every gateway process. Revoking a revoked key changes nothing.")
    @APIResponse(responseCode = "204", description = "The key is revoked.")
    @DELETE
    @Path("{keyId}")
    public Response revoke(@PathParam("tenantId") String tenantId, @PathParam("keyId") String keyId) {
        keys.revoke(tenantId, keyId(keyId));
        return Response.noContent().build();
    }

    /** Issues a replacement with the same name and scopes and ends the old key, at once or after a grace period. */
    @Operation(operationId = "rotateTenantKey", summary = "Rotate a tenant API key",
            description = "Issues a replacement with the same name and scopes; the old key stops at once or after gracePeriodSeconds (at most 30 days).")
    @APIResponse(responseCode = "201", description = "The replacement was issued; key.key holds its secret, shown once.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = RotationJson.class)))
    @POST
    @Path("{keyId}/rotate")
    public Response rotate(@PathParam("tenantId") String tenantId, @PathParam("keyId") String keyId, @Valid RotateKey body) {
        long grace = body == null || body.gracePeriodSeconds() == null ? 0 : body.gracePeriodSeconds();
        KeyService.Rotated rotated = keys.rotate(tenantId, keyId(keyId), Duration.ofSeconds(grace),
                body == null ? null : body.expiresAt());
        KeyService.Issued issued = rotated.replacement();
        return Response.created(URI.create("/v1/admin/tenants/" + tenantId + "/keys/" + issued.key().id))
                .entity(new RotationJson(KeyJson.of(issued.key(), issued.secret()), KeyJson.of(rotated.previous(), null))).build();
    }

    private static UUID keyId(String keyId) {
        try {
            return UUID.fromString(keyId);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("key '" + keyId + "'");
        }
    }
}
