package dev.partitiongateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.partitiongateway.auth.ApiKey;
import dev.partitiongateway.auth.KeyService;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.auth.Scope;
import dev.partitiongateway.problem.ApiException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

@Path("/v1/admin/tenants/{tenantId}/keys")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class KeyAdminResource {

    public record IssueKey(@NotNull @Size(min = 1, max = 200) String name, @NotEmpty List<@NotNull String> scopes) {
    }

    /** A key as listed; {@code key} (the secret) is present only in the response that issued it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyJson(UUID id, String name, String prefix, List<String> scopes, Instant createdAt,
                          Instant lastUsedAt, Instant revokedAt, String key) {
        static KeyJson of(ApiKey k, String secret) {
            return new KeyJson(k.id, k.name, k.prefix, k.scopeSet().stream().map(Scope::wireName).toList(),
                    k.createdAt, k.lastUsedAt, k.revokedAt, secret);
        }
    }

    private final KeyService keys;

    KeyAdminResource(KeyService keys) {
        this.keys = keys;
    }

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
        KeyService.Issued issued = keys.issue(tenantId, body.name(), scopes);
        return Response.created(URI.create("/v1/admin/tenants/" + tenantId + "/keys/" + issued.key().id))
                .entity(KeyJson.of(issued.key(), issued.secret())).build();
    }

    @GET
    public Map<String, List<KeyJson>> list(@PathParam("tenantId") String tenantId) {
        return Map.of("keys", keys.list(tenantId).stream().map(k -> KeyJson.of(k, null)).toList());
    }

    @DELETE
    @Path("{keyId}")
    public Response revoke(@PathParam("tenantId") String tenantId, @PathParam("keyId") String keyId) {
        UUID id;
        try {
            id = UUID.fromString(keyId);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("key '" + keyId + "'");
        }
        keys.revoke(tenantId, id);
        return Response.noContent().build();
    }
}
