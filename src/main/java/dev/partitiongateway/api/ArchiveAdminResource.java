package dev.partitiongateway.api;

import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.jobs.ArchiveCatalog;
import dev.partitiongateway.problem.ApiException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The archives that archive jobs wrote: list them, delete one the operator no longer needs. */
@Path("/v1/admin/archives")
@Tag(name = "Lifecycle")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class ArchiveAdminResource {

    /** One page of archives; {@code next} is the cursor of the next page, absent on the last. */
    public record ArchivePage(List<ArchiveCatalog.ArchiveEntry> archives, String next) {
    }

    private static final String CURSOR_KIND = "archives";

    private final ArchiveCatalog archives;

    ArchiveAdminResource(ArchiveCatalog archives) {
        this.archives = archives;
    }

    @Operation(operationId = "listArchives", summary = "List partition archives",
            description = "Archives in creation order, one page at a time; collection keeps one collection's. inUse: the archive is the "
                    + "only copy of its partition's vectors (ARCHIVED or RESTORING) and cannot be deleted. deletedAt: deleted by the "
                    + "operator or by the collection's deleteArchivesAfterDays.")
    @GET
    public ArchivePage list(@QueryParam("collection") String collection, @QueryParam("limit") String limit,
                            @QueryParam("cursor") String cursor) {
        int size = Cursors.limit(limit);
        if (collection != null && !CollectionAdminResource.COLLECTION_NAMES.matcher(collection).matches()) {
            throw ApiException.invalid("collection", "is not a collection name");
        }
        long after = Cursors.decode(CURSOR_KIND, cursor, "cursor");
        List<ArchiveCatalog.ArchiveEntry> page = archives.page(collection, after, size + 1);
        boolean more = page.size() > size;
        List<ArchiveCatalog.ArchiveEntry> shown = more ? page.subList(0, size) : page;
        return new ArchivePage(shown, more ? Cursors.encode(CURSOR_KIND, shown.get(shown.size() - 1).id()) : null);
    }

    @Operation(operationId = "deleteArchive", summary = "Delete a partition archive",
            description = "Deletes the archive's files from the archive store and marks it deleted (it stays listed with deletedAt). 409 "
                    + "while it is the only copy of its partition's vectors: restore the partition first.")
    @DELETE
    @Path("{id}")
    public ArchiveCatalog.ArchiveEntry delete(@PathParam("id") String id) {
        if (id == null || !id.matches("[1-9][0-9]{0,17}")) {
            throw ApiException.notFound("archive '" + (id == null ? "" : id.length() > 40 ? id.substring(0, 40) + "..." : id) + "'");
        }
        return archives.delete(Long.parseLong(id));
    }
}
