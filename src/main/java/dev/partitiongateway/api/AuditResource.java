package dev.partitiongateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.partitiongateway.audit.AuditLog;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.problem.ApiException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The audit log of admin actions, newest first. */
@Path("/v1/admin/audit")
@Tag(name = "Operations")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    /**
     * One admin action: who (never a secret: the configured operator key, or a key's public prefix and id),
     * what (the operation, method, path, and the resource it acted on), when, its outcome (status, and the
     * problem code of a refusal or failure) and the request id its response carried.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuditEntryJson(long id, Instant at, String actor, UUID keyId, String action, String method, String path, String target,
                                 int status, String outcome, String code, String requestId) {
        static AuditEntryJson of(AuditLog.Entry e) {
            return new AuditEntryJson(e.id(), e.at(), e.actor(), e.keyId(), e.action(), e.method(), e.path(), e.target(), e.status(),
                    e.status() < 400 ? "success" : "failure", e.code(), e.requestId());
        }
    }

    /** A page of audit entries, newest first; {@code next} is the cursor of the following (older) page, absent on the last one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuditPage(List<AuditEntryJson> entries, String next) {
    }

    private final AuditLog audit;

    AuditResource(AuditLog audit) {
        this.audit = audit;
    }

    @Operation(operationId = "listAuditEntries", summary = "Read the audit log",
            description = "Every admin action (operator endpoints that change something: tenants, keys, collections, retention, "
                    + "reconcile...) made with a known key, refused and failed ones included, newest first, one page at a time. "
                    + "since keeps entries at or after an instant; action keeps one operation (its operationId, e.g. deleteTenant).")
    @GET
    public AuditPage list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
                          @Parameter(description = "Only entries at or after this ISO-8601 instant",
                                  schema = @Schema(format = "date-time")) @QueryParam("since") String since,
                          @Parameter(description = "Only entries of this operation (an operationId such as createTenant)")
                          @QueryParam("action") String action) {
        int size = Cursors.limit(limit);
        Long before = Cursors.decodeId(Cursors.AUDIT, cursor, "cursor");
        Instant from = null;
        if (since != null && !since.isEmpty()) {
            try {
                from = Instant.parse(since);
            } catch (DateTimeParseException e) {
                throw ApiException.invalid("since", "must be an ISO-8601 instant such as 2025-01-31T12:00:00Z");
            }
            if (from.isBefore(Instant.EPOCH) || from.isAfter(Instant.parse("9999-12-31T23:59:59Z"))) {
                throw ApiException.invalid("since", "must be between 1970 and 9999");
            }
        }
        if (action != null && !action.matches("[a-zA-Z]{1,64}")) {
            throw ApiException.invalid("action", "is not an operation name");
        }
        List<AuditLog.Entry> page = audit.page(before, from, action == null || action.isEmpty() ? null : action, size + 1);
        boolean more = page.size() > size;
        List<AuditLog.Entry> shown = more ? page.subList(0, size) : page;
        return new AuditPage(shown.stream().map(AuditEntryJson::of).toList(),
                more ? Cursors.encodeId(Cursors.AUDIT, shown.get(shown.size() - 1).id()) : null);
    }
}
