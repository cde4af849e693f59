package dev.partitiongateway.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.tenant.Tenant;
import dev.partitiongateway.tenant.TenantService;
import dev.partitiongateway.tenant.TenantStatus;
import dev.partitiongateway.validation.CleanText;
import jakarta.validation.Valid;
import dev.partitiongateway.tenant.TenantView;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;

@Path("/v1/admin/tenants")
@Tag(name = "Admin: tenants")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TenantAdminResource {

    /** 1-64 of lower-case letters, digits, '-' and '_', starting with a letter or digit. */
    public static final String TENANT_ID = "[a-z0-9][a-z0-9_-]{0,63}";

    public record QuotaBody(@NotNull @PositiveOrZero Long maxVectors) {
    }

    /** A tenant's own limits, per gateway process; a field left out (or null) means the configured default. */
    public record LimitsBody(@Positive @Max(1_000_000) Integer requestsPerSecond, @Positive @Max(100_000_000) Integer vectorsPerSecond,
                             @Positive @Max(10_000) Integer maxConcurrentRequests) {
        TenantView.Limits view() {
            return new TenantView.Limits(requestsPerSecond, vectorsPerSecond, maxConcurrentRequests);
        }
    }

    public record CreateTenant(
            @NotNull @Pattern(regexp = TENANT_ID, message = "must be 1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit") String id,
            @Size(min = 1, max = 200) @CleanText String name,
            @Valid QuotaBody quota,
            @Valid LimitsBody limits) {
    }

    public record PatchTenant(@Size(min = 1, max = 200) @CleanText String name, @Valid QuotaBody quota, TenantStatus status,
                              @Valid LimitsBody limits) {
    }

    private final TenantService tenants;

    TenantAdminResource(TenantService tenants) {
        this.tenants = tenants;
    }

    @Operation(operationId = "createTenant", summary = "Create a tenant",
            description = "Creates a tenant with a vector quota (default gateway.tenants.default-max-vectors) and optional per-process rate limits. The tenant has no key yet: issue one with createTenantKey.")
    @APIResponse(responseCode = "201", description = "The tenant was created; Location names it.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = TenantJson.class)))
    @POST
    public Response create(@NotNull @Valid CreateTenant body) {
        Tenant t = tenants.create(body.id(), body.name(), body.quota() == null ? null : body.quota().maxVectors(),
                body.limits() == null ? null : body.limits().view());
        return Response.created(URI.create("/v1/admin/tenants/" + t.id)).entity(json(t, 0)).build();
    }

    /** A page of tenants; {@code next} is the cursor of the following page, absent on the last one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantPage(List<TenantJson> tenants, String next) {
    }

    /** Tenants in id order, {@code limit} per page; {@code cursor} is the previous page's {@code next}. */
    @Operation(operationId = "listTenants", summary = "List tenants",
            description = "Tenants in id order with their usage, one page at a time: pass the previous page's next as cursor.")
    @GET
    public TenantPage list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int size = Cursors.limit(limit);
        String after = Cursors.decodeName(Cursors.TENANTS, cursor, java.util.regex.Pattern.compile(TENANT_ID), "cursor");
        List<Tenant> page = tenants.page(after, size + 1);
        boolean more = page.size() > size;
        List<Tenant> shown = more ? page.subList(0, size) : page;
        Map<String, Long> used = tenants.usedVectors(shown.stream().map(t -> t.id).toList());
        return new TenantPage(shown.stream().map(t -> json(t, used.getOrDefault(t.id, 0L))).toList(),
                more ? Cursors.encodeName(Cursors.TENANTS, shown.get(shown.size() - 1).id) : null);
    }

    @Operation(operationId = "getTenant", summary = "Get a tenant",
            description = "The tenant with its quota, usage and the limits in force.")
    @GET
    @Path("{id}")
    public TenantJson get(@PathParam("id") String id) {
        return json(tenants.get(id), tenants.usedVectors(id));
    }

    @Operation(operationId = "updateTenant", summary = "Update a tenant",
            description = "Changes any of name, quota, status (ACTIVE or SUSPENDED) and limits; fields left out keep their value. A limits object replaces the tenant's limits.")
    @PATCH
    @Path("{id}")
    public TenantJson patch(@PathParam("id") String id, @NotNull @Valid PatchTenant body) {
        Tenant t = tenants.update(id, body.name(), body.quota() == null ? null : body.quota().maxVectors(), body.status(),
                body.limits() == null ? null : body.limits().view());
        return json(t, tenants.usedVectors(id));
    }

    @Operation(operationId = "deleteTenant", summary = "Delete a tenant",
            description = "Deletes the tenant, its keys, its partitions and every vector it stored. Its keys stop working at once, also if a tenant of the same id is created later.")
    @APIResponse(responseCode = "204", description = "The tenant and its data are gone.")
    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) {
        tenants.delete(id);
        return Response.noContent().build();
    }

    private TenantJson json(Tenant t, long used) {
        return TenantJson.of(t, used, tenants.effectiveLimits(t));
    }
}
