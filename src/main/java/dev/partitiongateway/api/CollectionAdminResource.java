package dev.partitiongateway.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.catalog.CollectionCatalog;
import dev.partitiongateway.catalog.CollectionService;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionHeat;
import dev.partitiongateway.catalog.Partition;
import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionStrategy;
import dev.partitiongateway.catalog.Partitioning;
import dev.partitiongateway.jobs.Job;
import dev.partitiongateway.jobs.JobStore;
import dev.partitiongateway.jobs.RetentionJob;
import dev.partitiongateway.jobs.ArchiveJob;
import dev.partitiongateway.jobs.RestoreJob;
import dev.partitiongateway.jobs.PromoteJob;
import dev.partitiongateway.jobs.SplitJob;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.QueryParam;
import dev.partitiongateway.catalog.VectorCollection;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.stats.ClusterFigures;
import dev.partitiongateway.stats.PartitionSort;
import dev.partitiongateway.stats.PartitionStatsStore;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
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
import java.util.List;
import java.util.Map;

@Path("/v1/admin/collections")
@Tag(name = "Admin: collections")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CollectionAdminResource {

    public static final String COLLECTION_NAME = "[a-z][a-z0-9_]{0,62}";

    public record CreateCollection(
            @NotNull @Pattern(regexp = COLLECTION_NAME, message = "must be 1-63 of a-z, 0-9 and '_', starting with a letter") String name,
            @NotNull @Min(1) @Max(4096) Integer dimension,
            @NotNull Metric metric,
            String backend,
            JsonNode partitioning) {
    }

    public record CollectionJson(String name, int dimension, Metric metric, String backend, Map<String, Object> partitioning,
                                 Map<String, Object> lifecycle, Instant createdAt) {
        static CollectionJson of(VectorCollection c) {
            return new CollectionJson(c.name, c.dimension, c.metric, c.backend, c.partitioning,
                    dev.partitiongateway.catalog.LifecyclePolicy.fromStored(c.lifecycle).toJson(), c.createdAt);
        }
    }

    /** A time window's range, {@code [from, to)}. */
    public record WindowJson(Instant from, Instant to) {
    }

    /** An attribute partition's value; {@code value} is absent for the default partition (records without the field). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttributeJson(String field, Object value, boolean defaultPartition) {
    }

    /** A shared bucket: its index, and the tenants with vectors in it. */
    public record BucketJson(int index, List<TenantCount> tenants) {
    }

    public record TenantCount(String tenant, long vectors) {
    }

    /** Search latency percentiles over the window, in milliseconds; absent without searches. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LatencyJson(Double p50, Double p95, Double p99) {
    }

    /**
     * A partition's statistics from every gateway process: searches and vectors written in the sliding
     * window (gateway.partitions.stats.window) and per minute over it, search latency percentiles (the
     * highest of any process), when it was last searched and written (any process, kept across restarts),
     * and {@code measuredAt}, the newest flush the window figures come from (absent: no traffic in the window).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartitionStatsJson(long queries, long inserts, double qpm, double ipm, LatencyJson latencyMs, Instant lastQueryAt,
                                     Instant lastWriteAt, Instant measuredAt) {
        static PartitionStatsJson of(ClusterFigures f) {
            return new PartitionStatsJson(f.queries(), f.inserts(), f.qpm(), f.ipm(),
                    f.p50Ms() == null ? null : new LatencyJson(f.p50Ms(), f.p95Ms(), f.p99Ms()), f.lastQueryAt(), f.lastWriteAt(),
                    f.measuredAt());
        }
    }

    /**
     * Which ids of its key (tenant; window; value; bucket) a partition owns: those whose id hash modulo
     * {@code modulus} is {@code residue}; 1 and 0 unless the key was split. {@code splitOf}: the partition it
     * was split from, if any.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ShardJson(int modulus, int residue, Long splitOf) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartitionJson(long id, String tenant, PartitionStrategy strategy, String backend, String placement,
                                PartitionState state, PartitionHeat heat, List<String> heatReasons, long vectorCount,
                                PartitionStatsJson stats, WindowJson window, AttributeJson attribute, BucketJson bucket,
                                ShardJson shard, Instant createdAt, Instant updatedAt) {
    }

    /** {@code {"into":K}}: how many hash shards to split a partition into. */
    public record SplitRequest(@NotNull @Min(value = 2, message = "must be from 2 to " + SplitJob.MAX_INTO)
                               @Max(value = SplitJob.MAX_INTO, message = "must be from 2 to " + SplitJob.MAX_INTO) Integer into) {
    }

    /** A page of partitions; {@code next} is the cursor of the following page, absent on the last one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartitionPage(List<PartitionJson> partitions, String next) {
    }

    /**
     * {@code {"partitioning":{"retentionDays":N}}} (the one change a collection's partitioning allows)
     * and/or {@code {"lifecycle":{...}}} (the fields given replace the policy's).
     */
    public record PatchCollection(JsonNode partitioning, JsonNode lifecycle, String backend) {
    }

    /** A window retention dropped. */
    public record DroppedWindow(String tenant, Instant from, Instant to, long vectors) {
    }

    /** A retention run: its job, and once it finished, the windows it dropped (the first 1,000; all are counted in the job's result). */
    public record RetentionRun(JobResource.JobJson job, List<DroppedWindow> dropped) {
    }

    /** How long a retention request waits for its job before answering 202 with the job to follow. */
    static final java.time.Duration RETENTION_WAIT = java.time.Duration.ofSeconds(10);

    private final CollectionService collections;
    private final CollectionCatalog catalog;
    private final PartitionStatsStore stats;
    private final RetentionJob retention;
    private final JobStore jobs;
    private final SplitJob split;
    private final ArchiveJob archive;
    private final RestoreJob restore;
    private final PromoteJob promote;
    private final ObjectMapper json;

    CollectionAdminResource(CollectionService collections, CollectionCatalog catalog, PartitionStatsStore stats, RetentionJob retention,
                            JobStore jobs, SplitJob split, ArchiveJob archive, RestoreJob restore, PromoteJob promote, ObjectMapper json) {
        this.promote = promote;
        this.archive = archive;
        this.restore = restore;
        this.jobs = jobs;
        this.collections = collections;
        this.catalog = catalog;
        this.stats = stats;
        this.retention = retention;
        this.split = split;
        this.json = json;
    }

    @Operation(operationId = "createCollection", summary = "Create a collection",
            description = "Creates a collection on a backend (default gateway.backend.default) with a dimension, a metric and a partitioning strategy (TENANT by default). Dimension, metric, backend and strategy never change afterwards.")
    @APIResponse(responseCode = "201", description = "The collection was created; Location names it.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = CollectionJson.class)))
    @POST
    public Response create(@NotNull @Valid CreateCollection body) {
        VectorCollection c = collections.create(body.name(), body.dimension(), body.metric(), body.backend(), body.partitioning());
        return Response.created(URI.create("/v1/admin/collections/" + c.name)).entity(CollectionJson.of(c)).build();
    }

    /** A page of collections; {@code next} is the cursor of the following page, absent on the last one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CollectionPage(List<CollectionJson> collections, String next) {
    }

    static final java.util.regex.Pattern COLLECTION_NAMES = java.util.regex.Pattern.compile(COLLECTION_NAME);

    /** Collections in name order, {@code limit} per page; {@code cursor} is the previous page's {@code next}. */
    @Operation(operationId = "listCollections", summary = "List collections",
            description = "Collections in name order, one page at a time: pass the previous page's next as cursor.")
    @GET
    public CollectionPage list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int size = Cursors.limit(limit);
        String after = Cursors.decodeName(Cursors.COLLECTIONS, cursor, COLLECTION_NAMES, "cursor");
        List<VectorCollection> page = collections.page(after, size + 1);
        boolean more = page.size() > size;
        List<VectorCollection> shown = more ? page.subList(0, size) : page;
        return new CollectionPage(shown.stream().map(CollectionJson::of).toList(),
                more ? Cursors.encodeName(Cursors.COLLECTIONS, shown.get(shown.size() - 1).name) : null);
    }

    @Operation(operationId = "getCollection", summary = "Get a collection",
            description = "The collection's dimension, metric, backend and partitioning.")
    @GET
    @Path("{name}")
    public CollectionJson get(@PathParam("name") String name) {
        return CollectionJson.of(collections.get(name));
    }

    /**
     * Changes a time-partitioned collection's retention ({@code {"partitioning":{"retentionDays":30}}}, {@code null}:
     * keep everything) and/or its lifecycle policy ({@code {"lifecycle":{"splitAboveVectors":1000000}}}).
     */
    @Operation(operationId = "updateCollection", summary = "Change a collection's retention or lifecycle policy",
            description = "partitioning: only retentionDays can change (null keeps every window); windows that end before now minus retentionDays are dropped by the next retention run. lifecycle: splitAboveVectors (split partitions above it), splitInto (2-16, default 2), archiveAfterIdleDays (archive partitions neither queried nor written for that long), deleteArchivesAfterDays, restoreOnAccess; a field given replaces the stored one, null turns it off. The maintenance pass acts on the policy. backend (alone): moves the collection to another configured backend kind, only while no partition holds vectors outside an archive (else 409); archived partitions are restored into it.")
    @Tag(name = "Lifecycle")
    @PATCH
    @Path("{name}")
    public CollectionJson patch(@PathParam("name") String name, @NotNull PatchCollection body) {
        if (body.partitioning() == null && body.lifecycle() == null && body.backend() == null) {
            throw ApiException.invalid("lifecycle", "give partitioning (retentionDays), lifecycle or backend");
        }
        VectorCollection changed = null;
        if (body.backend() != null) {
            if (body.partitioning() != null || body.lifecycle() != null) {
                throw ApiException.invalid("backend", "change the backend in a request of its own");
            }
            collections.changeBackend(name, body.backend());
            return CollectionJson.of(collections.get(name));
        }
        if (body.partitioning() != null) {
            JsonNode partitioning = body.partitioning();
            if (!partitioning.isObject()) {
                throw ApiException.invalid("partitioning", "must be an object such as {\"retentionDays\":30}");
            }
            partitioning.fieldNames().forEachRemaining(f -> {
                if (!f.equals("retentionDays")) {
                    throw ApiException.invalid("partitioning." + f, "cannot change once a collection exists; only retentionDays can");
                }
            });
            if (!partitioning.has("retentionDays")) {
                throw ApiException.invalid("partitioning.retentionDays", "is required (null keeps every window)");
            }
            Integer days = Partitioning.retentionDays(partitioning.get("retentionDays"));
            if (body.lifecycle() != null) {
                dev.partitiongateway.catalog.LifecyclePolicy.NONE.patch(body.lifecycle()); // all or nothing: refuse a bad policy first
            }
            changed = collections.changeRetention(name, days);
        }
        if (body.lifecycle() != null) {
            changed = collections.changeLifecycle(name, body.lifecycle());
        }
        return CollectionJson.of(changed);
    }

    @Operation(operationId = "deleteCollection", summary = "Delete a collection",
            description = "Drops the collection on its backend with every partition and vector in it, and gives the tenants their quota back.")
    @APIResponse(responseCode = "204", description = "The collection and its data are gone.")
    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        collections.delete(name);
        return Response.noContent().build();
    }

    /**
     * The collection's partitions with their statistics, {@code limit} (1..1000, default 100) per page;
     * {@code cursor} is the {@code next} of the previous page. {@code tenant} keeps one tenant's. By default
     * in creation order (id); {@code sort} orders by a figure, {@code order} says which way (default: desc
     * for figures, asc for id).
     */
    @Operation(operationId = "listPartitions", summary = "List a collection's partitions",
            description = "Partitions with their placement, state (ACTIVE; DRAINING while a split empties it; ARCHIVING, ARCHIVED, RESTORING around an archive), hash shard, heat, vector count and statistics (searches and writes per minute, "
                    + "search latency p50/p95/p99 over the sliding window, last search and write), one page at a time; tenant keeps one "
                    + "tenant's (with its shared bucket). sort: id (creation order, the default), qpm, ipm, p50, p95, p99, vectors, "
                    + "lastQuery or lastWrite; order: asc or desc. Figures are those of the last flush of each gateway process "
                    + "(gateway.partitions.stats.flush-interval); a walk over pages sorted by a figure that changes meanwhile may "
                    + "show a partition twice or miss it, a walk in id order never does.")
    @GET
    @Path("{name}/partitions")
    public PartitionPage partitions(@PathParam("name") String name, @QueryParam("limit") String limit,
                                    @QueryParam("cursor") String cursor, @QueryParam("tenant") String tenant,
                                    @Parameter(description = "What to order by (default id: creation order)",
                                            schema = @Schema(enumeration = {"id", "qpm", "ipm", "p50", "p95", "p99", "vectors", "lastQuery", "lastWrite"}))
                                    @QueryParam("sort") String sort,
                                    @Parameter(description = "asc or desc (default: asc for id, desc for the others)",
                                            schema = @Schema(enumeration = {"asc", "desc"}))
                                    @QueryParam("order") String order) {
        int size = Cursors.limit(limit);
        if (tenant != null && !tenant.matches(TenantAdminResource.TENANT_ID)) {
            throw ApiException.invalid("tenant", "is not a tenant id");
        }
        PartitionSort by = sort == null || sort.isEmpty() ? PartitionSort.ID : PartitionSort.of(sort)
                .orElseThrow(() -> ApiException.invalid("sort", "must be one of " + PartitionSort.wireNames()));
        boolean descending;
        if (order == null || order.isEmpty()) {
            descending = by != PartitionSort.ID;
        } else if (order.equals("asc") || order.equals("desc")) {
            descending = order.equals("desc");
        } else {
            throw ApiException.invalid("order", "must be asc or desc");
        }
        VectorCollection collection = collections.get(name);
        boolean plain = by == PartitionSort.ID && !descending;
        Double afterKey = null;
        long afterId = 0;
        if (plain) {
            long after = Cursors.decode(name, cursor, "cursor");
            afterKey = cursor == null || cursor.isEmpty() ? null : (double) after;
            afterId = after;
        } else {
            Cursors.SortedPosition position = Cursors.decodeSorted(name, by.wireName(), descending, cursor, "cursor");
            if (position != null) {
                afterKey = position.key();
                afterId = position.id();
            }
        }
        Integer bucket = tenant == null ? null : PartitionDirectory.bucketOf(catalog.require(name), tenant);
        List<PartitionStatsStore.Listed> page = stats.page(new PartitionStatsStore.Listing(name, tenant, bucket, null, by, descending,
                afterKey, afterId, size + 1));
        boolean more = page.size() > size;
        List<PartitionStatsStore.Listed> shown = more ? page.subList(0, size) : page;
        Map<Long, Map<String, Long>> bucketTenants = collections.bucketTenants(shown.stream().map(PartitionStatsStore.Listed::partition).toList());
        String field = collection.partitioning.getOrDefault("field", "").toString();
        List<PartitionJson> partitions = shown.stream()
                .map(l -> json(l.partition(), l.figures(), field, bucketTenants.get(l.partition().id))).toList();
        String next = null;
        if (more) {
            PartitionStatsStore.Listed last = shown.get(shown.size() - 1);
            next = plain ? Cursors.encode(name, last.partition().id)
                    : Cursors.encodeSorted(name, by.wireName(), descending, last.sortKey(), last.partition().id);
        }
        return new PartitionPage(partitions, next);
    }

    /**
     * Runs the collection's retention now, as a {@code RETENTION} job (or joins the one not yet finished):
     * 200 with the windows dropped once it finishes within a few seconds, else 202 with the job to follow.
     */
    @Operation(operationId = "runRetention", summary = "Run a collection's retention now",
            description = "Enqueues the collection's RETENTION job (or joins the unfinished one), which drops every time window that ended before now minus retentionDays; it also runs on a schedule. 200 with the windows dropped when the job finishes within 10 s, else 202 with the job (follow it at /v1/admin/jobs/{id}).")
    @APIResponse(responseCode = "200", description = "The job finished; dropped lists the windows.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RetentionRun.class)))
    @APIResponse(responseCode = "202", description = "The job is still running; follow it at the Location.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RetentionRun.class)))
    @Tag(name = "Lifecycle")
    @POST
    @Path("{name}/retention")
    public Response retention(@PathParam("name") String name) throws InterruptedException {
        Job job = retention.runNow(name);
        long deadline = System.nanoTime() + RETENTION_WAIT.toNanos();
        while (!job.state().isFinal() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            job = jobs.get(job.id()).orElseThrow();
        }
        if (!job.state().isFinal()) {
            return Response.accepted(new RetentionRun(JobResource.JobJson.of(job), null)).location(URI.create("/v1/admin/jobs/" + job.id())).build();
        }
        List<DroppedWindow> dropped = new java.util.ArrayList<>();
        Object listed = job.result() == null ? null : job.result().get("dropped");
        if (listed instanceof List<?> windows) {
            for (Object w : windows) {
                Map<?, ?> window = (Map<?, ?>) w;
                dropped.add(new DroppedWindow((String) window.get("tenant"), Instant.parse((String) window.get("from")),
                        Instant.parse((String) window.get("to")), ((Number) window.get("vectors")).longValue()));
            }
        }
        return Response.ok(new RetentionRun(JobResource.JobJson.of(job), dropped)).build();
    }

    /** Starts a live split of one partition into {@code into} hash shards, as a job. */
    @Operation(operationId = "splitPartition", summary = "Split a partition into hash shards, live",
            description = "Splits the partition (its placement, as listPartitions shows it) into `into` (2 to " + SplitJob.MAX_INTO
                    + ") shards by a stable hash of the vector id, while searches, upserts and deletes go on, as a SPLIT job: follow it "
                    + "with getJob or jobEvents, stop it with cancelJob (what was moved moves back). A shard can be split again. 409 if "
                    + "the partition, or another partition of its key, is being split, or it has an unfinished job.")
    @APIResponse(responseCode = "202", description = "The split job was created (PENDING); Location names it.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobResource.JobJson.class)))
    @Tag(name = "Lifecycle")
    @POST
    @Path("{name}/partitions/{partition}/split")
    public Response split(@PathParam("name") String name, @PathParam("partition") String partition, @NotNull @Valid SplitRequest body) {
        checkNames(name, partition);
        return accepted(split.request(name, partition, body.into(), "operator"));
    }

    /** A promotion takes no options: the body is empty or {@code {}}. */
    public record PromoteRequest() {
    }

    static final java.util.regex.Pattern TENANT_IDS = java.util.regex.Pattern.compile(TenantAdminResource.TENANT_ID);

    /** Starts the promotion of one tenant out of its shared bucket into a partition of its own, as a job. */
    @Operation(operationId = "promoteTenant", summary = "Promote a tenant out of its shared bucket, live",
            description = "In a SHARED_HASH collection, gives the tenant a partition of its own and moves its vectors (only its) out of "
                    + "its shared bucket into it, while it goes on upserting, deleting, fetching and searching, as a PROMOTE job: follow it "
                    + "with getJob or jobEvents, stop it with cancelJob (what was moved moves back to the bucket). From the job's switch on, "
                    + "the tenant's new writes go to its own partition and its searches cover both until every vector has left the bucket; "
                    + "then only its own partition. The other tenants of the bucket are not moved and do not wait. The body is empty or {}. "
                    + "A tenant without vectors can be promoted too. 404 for an unknown collection or tenant; 409 if the collection is not "
                    + "SHARED_HASH, the tenant is promoted already, its bucket is being split, or the bucket has an unfinished job (a "
                    + "promotion of this or another of its tenants: one at a time per bucket).")
    @APIResponse(responseCode = "202", description = "The promotion job was created (PENDING); Location names it.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobResource.JobJson.class)))
    @Tag(name = "Lifecycle")
    @POST
    @Path("{name}/tenants/{tenant}/promote")
    @Consumes(MediaType.WILDCARD) // an empty body needs no Content-Type; a body that is not empty must be JSON
    @org.eclipse.microprofile.openapi.annotations.parameters.RequestBody(required = false, content = @Content(
            mediaType = "application/json", schema = @Schema(implementation = PromoteRequest.class)))
    public Response promote(@PathParam("name") String name, @PathParam("tenant") String tenant,
                            @jakarta.ws.rs.HeaderParam("Content-Type") String contentType, String body)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        if (body != null && !body.isEmpty()) {
            if (!isJson(contentType)) {
                throw new jakarta.ws.rs.NotSupportedException("a promotion's body, when there is one, is application/json");
            }
            json.readValue(body, PromoteRequest.class); // strict: only {} (or whitespace around it) is accepted
        }
        if (!COLLECTION_NAMES.matcher(name).matches()) {
            throw ApiException.notFound("collection '" + shown(name) + "'");
        }
        if (!TENANT_IDS.matcher(tenant).matches()) {
            // Not echoed unless printable: a problem detail never carries control characters or lone surrogates back.
            throw ApiException.notFound(tenant.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f) ? "tenant '" + shown(tenant) + "'"
                    : "tenant (the id has characters no tenant id has)");
        }
        return accepted(promote.request(name, tenant, "operator"));
    }

    private static boolean isJson(String contentType) {
        try {
            return contentType != null && MediaType.valueOf(contentType).isCompatible(MediaType.APPLICATION_JSON_TYPE);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    /** Starts an archive of one partition to the archive store, as a job. */
    @Operation(operationId = "archivePartition", summary = "Archive a partition to object storage",
            description = "Archives the partition (its placement, as listPartitions shows it) to the archive store as Parquet files and a "
                    + "manifest (docs/archive-format.md), then drops it from the backend. From the moment the job starts, the partition "
                    + "is ARCHIVING: writes, fetches and deletes of its ids get 409 PARTITION_ARCHIVED while searches still read it. The "
                    + "archive is read back and its count compared with the registry before the partition becomes ARCHIVED and its "
                    + "placement is dropped; its vectors still count against the quota. Cancel before that: the partition is ACTIVE again "
                    + "and the partial archive deleted. 409 unless the partition is ACTIVE, for a shared bucket (it holds many tenants), "
                    + "for one shard of a split key, or while it has an unfinished job.")
    @APIResponse(responseCode = "202", description = "The archive job was created (PENDING); Location names it.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobResource.JobJson.class)))
    @Tag(name = "Lifecycle")
    @POST
    @Path("{name}/partitions/{partition}/archive")
    public Response archive(@PathParam("name") String name, @PathParam("partition") String partition) {
        checkNames(name, partition);
        return accepted(archive.request(name, partition, "operator"));
    }

    /** Starts a restore of one archived partition, as a job. */
    @Operation(operationId = "restorePartition", summary = "Restore an archived partition",
            description = "Streams the partition's archive back into the collection's current backend (which may be of another kind "
                    + "than the one it was archived from), checks the backend's count and the content checksum of what it now holds "
                    + "against the manifest, then makes the partition ACTIVE. RESTORING meanwhile: still skipped by searches, still 409 "
                    + "PARTITION_ARCHIVED to writes. A damaged archive fails the job and leaves the partition ARCHIVED. The archive is "
                    + "kept. 409 unless the partition is ARCHIVED, or while it has an unfinished job.")
    @APIResponse(responseCode = "202", description = "The restore job was created (PENDING); Location names it.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobResource.JobJson.class)))
    @Tag(name = "Lifecycle")
    @POST
    @Path("{name}/partitions/{partition}/restore")
    public Response restore(@PathParam("name") String name, @PathParam("partition") String partition) {
        checkNames(name, partition);
        return accepted(restore.request(name, partition, "operator"));
    }

    /** 202 with the job created, and its URL in Location. */
    private static Response accepted(Job job) {
        return Response.accepted(JobResource.JobJson.of(job)).location(URI.create("/v1/admin/jobs/" + job.id())).build();
    }

    private static void checkNames(String name, String partition) {
        if (!COLLECTION_NAMES.matcher(name).matches()) {
            throw ApiException.notFound("collection '" + shown(name) + "'");
        }
        if (!PLACEMENT_NAMES.matcher(partition).matches()) {
            throw ApiException.notFound("partition '" + shown(partition) + "' of collection '" + name + "'");
        }
    }

    /** A name from a path, as a problem detail repeats it: at most 40 characters. */
    private static String shown(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    /** A placement name as the directory makes them (see {@code Placement}). */
    static final java.util.regex.Pattern PLACEMENT_NAMES = java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,199}");

    private PartitionJson json(Partition p, ClusterFigures figures, String field, Map<String, Long> bucketTenants) {
        WindowJson window = p.windowStart == null ? null : new WindowJson(p.windowStart, p.windowEnd);
        AttributeJson attribute = p.strategy != PartitionStrategy.TENANT_ATTRIBUTE ? null
                : new AttributeJson(field, p.attributeValue == null ? null : parse(p.attributeValue), p.attributeValue == null);
        BucketJson bucket = p.bucket == null ? null : new BucketJson(p.bucket, bucketTenants == null ? List.of()
                : bucketTenants.entrySet().stream().map(e -> new TenantCount(e.getKey(), e.getValue())).toList());
        return new PartitionJson(p.id, p.tenantId, p.strategy, p.backend, p.placement, p.state, p.heat,
                figures.heatReasons().isEmpty() ? null : figures.heatReasons(), p.vectorCount, PartitionStatsJson.of(figures), window,
                attribute, bucket, new ShardJson(p.hashModulus, p.hashResidue, p.splitOf), p.createdAt, p.updatedAt);
    }

    private Object parse(String canonicalJson) {
        try {
            return json.readValue(canonicalJson, Object.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored attribute value is not JSON: " + canonicalJson, e);
        }
    }
}
