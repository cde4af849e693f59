package dev.partitiongateway.api;

import dev.partitiongateway.auth.OperatorOnly;
import dev.partitiongateway.jobs.Job;
import dev.partitiongateway.jobs.JobState;
import dev.partitiongateway.jobs.JobStore;
import dev.partitiongateway.problem.ApiException;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Lifecycle jobs: list, inspect, cancel, and follow one live. */
@Path("/v1/admin/jobs")
@Tag(name = "Lifecycle")
@OperatorOnly
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Z0-9_]{0,31}");
    private static final Pattern JOB_ID = Pattern.compile("[0-9]{1,18}");
    /** How often the event stream reads the job: it may run on any gateway process, so the database is where progress is. */
    static final Duration EVENT_INTERVAL = Duration.ofMillis(500);

    /** A page of jobs, newest first; {@code next} is the cursor of the following page, absent on the last one. */
    public record JobPage(List<JobJson> jobs, String next) {
    }

    /** A job with its progress as a percentage. */
    public record JobJson(Job job, Double percent) {
        static JobJson of(Job job) {
            return new JobJson(job, job.percent());
        }
    }

    private final JobStore jobs;
    private final ManagedExecutor executor;

    JobResource(JobStore jobs, ManagedExecutor executor) {
        this.jobs = jobs;
        this.executor = executor;
    }

    @Operation(operationId = "listJobs", summary = "List lifecycle jobs",
            description = "Jobs newest first, filtered by state, type and collection, one page at a time: pass the previous page's next as cursor.")
    @GET
    public JobPage list(@QueryParam("state") String state, @QueryParam("type") String type, @QueryParam("collection") String collection,
                        @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int size = Cursors.limit(limit);
        JobStore.Page page = jobs.list(state(state), type(type), collection(collection), Cursors.decodeJob(cursor, "cursor"), size);
        return new JobPage(page.jobs().stream().map(JobJson::of).toList(), page.nextBelow() == null ? null : Cursors.encodeJob(page.nextBelow()));
    }

    @Operation(operationId = "getJob", summary = "Get a job", description = "State, progress (done, total, percent, rate, ETA), checkpoint owner and outcome.")
    @GET
    @Path("{id}")
    public JobJson get(@PathParam("id") String id) {
        return JobJson.of(find(id));
    }

    @Operation(operationId = "cancelJob", summary = "Cancel a job",
            description = "A PENDING job is cancelled at once; a RUNNING one stops at its next batch and leaves the data consistent (a split moves back what it moved). 409 for a finished job.")
    @POST
    @Path("{id}/cancel")
    public JobJson cancel(@PathParam("id") String id) {
        return JobJson.of(jobs.requestCancel(parse(id)));
    }

    @Operation(operationId = "jobEvents", summary = "Follow a job's progress",
            description = "Server-sent events: the job (as GET returns it) whenever it changes (while it runs, its rate and ETA change at every read, every 0.5 s), until it is finished. Authenticate with the Authorization header (read the stream with fetch, not EventSource).")
    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JobJson> events(@PathParam("id") String id) {
        long jobId = find(id).id();
        AtomicBoolean finished = new AtomicBoolean();
        return Multi.createFrom().ticks().every(EVENT_INTERVAL)
                .emitOn(executor)
                .map(tick -> jobs.get(jobId).map(JobJson::of).orElse(null))
                .select().where(Objects::nonNull)
                // every read up to and including the first that finds the job finished, then the stream ends (before the
                // repetitions are skipped: a finished job reads the same at every tick, so after them nothing would end it)
                .select().first(job -> !finished.getAndSet(job.job().state().isFinal()))
                .skip().repetitions();
    }

    private Job find(String id) {
        return jobs.get(parse(id)).orElseThrow(() -> ApiException.notFound("job " + id));
    }

    private static long parse(String id) {
        if (id == null || !JOB_ID.matcher(id).matches()) {
            throw ApiException.notFound("job " + (id == null ? "" : id.length() > 40 ? id.substring(0, 40) + "..." : id));
        }
        return Long.parseLong(id);
    }

    private static JobState state(String state) {
        if (state == null || state.isEmpty()) {
            return null;
        }
        try {
            return JobState.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("state", "must be one of PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED");
        }
    }

    private static String type(String type) {
        if (type == null || type.isEmpty()) {
            return null;
        }
        String upper = type.toUpperCase(Locale.ROOT);
        if (!TYPE.matcher(upper).matches()) {
            throw ApiException.invalid("type", "must be a job type such as SPLIT, ARCHIVE, RESTORE or RETENTION");
        }
        return upper;
    }

    private static String collection(String collection) {
        if (collection == null || collection.isEmpty()) {
            return null;
        }
        if (!collection.matches(CollectionAdminResource.COLLECTION_NAME)) {
            throw ApiException.invalid("collection", "is not a collection name");
        }
        return collection;
    }
}
