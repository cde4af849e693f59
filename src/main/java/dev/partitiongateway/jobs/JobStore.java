package dev.partitiongateway.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.problem.ApiException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code jobs} table: enqueueing, claiming with a lease, progress, fencing and the final outcome.
 * Every change a run makes is conditional on its (runner, attempt) still owning the job, so a run whose
 * lease ran out can no longer change anything once another run has claimed the job.
 */
@ApplicationScoped
public class JobStore {

    /** A job to create. {@code partitionId} {@code null}: a collection-wide job. */
    public record NewJob(String type, String collection, Long partitionId, String target, Map<String, Object> params,
                         String requestedBy) {
    }

    /** A page of jobs, newest first, and the id to continue below ({@code null} at the end). */
    public record Page(List<Job> jobs, Long nextBelow) {
    }

    static final String COLUMNS = """
            id, type, collection, partition_id, target, params, state, cancel_requested, done, total, result, error,
            requested_by, runner, attempt, attempt_started_at, attempt_start_done, created_at, started_at, updated_at,
            finished_at, checkpoint, now() AS read_at""";

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final AgroalDataSource dataSource;
    private final ObjectMapper json;

    JobStore(AgroalDataSource dataSource, ObjectMapper json) {
        this.dataSource = dataSource;
        this.json = json;
    }

    // ---------------------------------------------------------------- enqueue and read

    /** Creates a job on its own connection. 409 if its partition (or collection, for a collection-wide job) already has one unfinished. */
    public Job enqueue(NewJob job) {
        try (Connection c = dataSource.getConnection()) {
            return enqueue(c, job);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Creates a job in the caller's transaction (so a job and the directory change that needs it commit
     * together). 409 if its partition, or its collection for a collection-wide job, has one unfinished.
     */
    public Job enqueue(Connection c, NewJob job) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO jobs (type, collection, partition_id, target, params, state, requested_by, run_after, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?::jsonb, 'PENDING', ?, now(), now(), now())
                ON CONFLICT DO NOTHING RETURNING id""")) {
            s.setString(1, job.type());
            s.setString(2, job.collection());
            if (job.partitionId() == null) {
                s.setNull(3, Types.BIGINT);
            } else {
                s.setLong(3, job.partitionId());
            }
            s.setString(4, job.target());
            s.setString(5, write(job.params()));
            s.setString(6, job.requestedBy());
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    return get(c, rs.getLong(1)).orElseThrow();
                }
            }
        }
        throw ApiException.conflict((job.partitionId() != null ? "partition " + job.target() : "collection '" + job.collection() + "'")
                + " already has an unfinished job; wait for it or cancel it (GET /v1/admin/jobs?state=RUNNING)");
    }

    public Optional<Job> get(long id) {
        try (Connection c = dataSource.getConnection()) {
            return get(c, id);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    public Optional<Job> get(Connection c, long id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM jobs WHERE id = ?")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(view(rs)) : Optional.empty();
            }
        }
    }

    /** Jobs newest first, below {@code belowId} (exclusive; {@code null}: from the newest), filtered by what is not {@code null}. */
    public Page list(JobState state, String type, String collection, Long belowId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE id < ?");
        if (state != null) {
            sql.append(" AND state = ?");
        }
        if (type != null) {
            sql.append(" AND type = ?");
        }
        if (collection != null) {
            sql.append(" AND collection = ?");
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            int i = 1;
            s.setLong(i++, belowId == null ? Long.MAX_VALUE : belowId);
            if (state != null) {
                s.setString(i++, state.name());
            }
            if (type != null) {
                s.setString(i++, type);
            }
            if (collection != null) {
                s.setString(i++, collection);
            }
            s.setInt(i, limit + 1);
            List<Job> jobs = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    jobs.add(view(rs));
                }
            }
            if (jobs.size() > limit) {
                jobs = jobs.subList(0, limit);
                return new Page(List.copyOf(jobs), jobs.get(limit - 1).id());
            }
            return new Page(jobs, null);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Asks a job to stop: a PENDING one is cancelled at once, a RUNNING one stops at its next
     * progress report and leaves the data consistent. A finished job is a 409.
     */
    public Job requestCancel(long id) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE jobs SET state = CASE WHEN state = 'PENDING' THEN 'CANCELLED' ELSE state END,
                           finished_at = CASE WHEN state = 'PENDING' THEN now() ELSE finished_at END,
                           cancel_requested = true, updated_at = now()
                    WHERE id = ? AND state IN ('PENDING', 'RUNNING')""")) {
                s.setLong(1, id);
                if (s.executeUpdate() == 0) {
                    Job job = get(c, id).orElseThrow(() -> ApiException.notFound("job " + id));
                    throw ApiException.conflict("job " + id + " is " + job.state() + "; only a PENDING or RUNNING job can be cancelled");
                }
            }
            return get(c, id).orElseThrow();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    // ---------------------------------------------------------------- runs

    /** A job claimed by a run, with its parameters and checkpoint as text. */
    record Claimed(Job job, String params, String checkpoint) {
    }

    /**
     * Claims the oldest runnable job: PENDING and due, or RUNNING with its lease run out (its run died).
     * Rows another process holds locked are skipped, so two processes never claim the same job.
     */
    Optional<Claimed> claim(String runner, Duration lease, List<String> types) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     UPDATE jobs SET state = 'RUNNING', runner = ?, attempt = attempt + 1, lease_until = now() + make_interval(secs => ?),
                            started_at = coalesce(started_at, now()), attempt_started_at = now(), attempt_start_done = done, updated_at = now()
                     WHERE id = (SELECT id FROM jobs
                                 WHERE ((state = 'PENDING' AND run_after <= now()) OR (state = 'RUNNING' AND lease_until < now()))
                                   AND type = ANY (?)
                                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                     RETURNING id, params::text, checkpoint""")) {
            s.setString(1, runner);
            s.setDouble(2, lease.toMillis() / 1000.0);
            s.setArray(3, c.createArrayOf("varchar", types.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long id = rs.getLong(1);
                String params = rs.getString(2);
                String checkpoint = rs.getString(3);
                return Optional.of(new Claimed(get(c, id).orElseThrow(), params, checkpoint));
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Extends the lease of a run; {@code false} if the run no longer owns the job. Also returns whether cancel was asked, via the context. */
    boolean renew(JobContext ctx, String runner, Duration lease) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     UPDATE jobs SET lease_until = now() + make_interval(secs => ?)
                     WHERE id = ? AND runner = ? AND attempt = ? AND state = 'RUNNING' RETURNING cancel_requested""")) {
            s.setDouble(1, lease.toMillis() / 1000.0);
            s.setLong(2, ctx.id());
            s.setString(3, runner);
            s.setInt(4, ctx.attempt());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                ctx.cancelRequested(rs.getBoolean(1));
                return true;
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Records progress of an owning run; returns whether cancel was asked. {@link JobContext.LeaseLost} if it no longer owns the job. */
    boolean progress(long id, String runner, int attempt, long done, Long total, String checkpoint) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     UPDATE jobs SET done = ?, total = coalesce(?, total), checkpoint = ?, updated_at = now()
                     WHERE id = ? AND runner = ? AND attempt = ? AND state = 'RUNNING' RETURNING cancel_requested""")) {
            s.setLong(1, done);
            if (total == null) {
                s.setNull(2, Types.BIGINT);
            } else {
                s.setLong(2, total);
            }
            s.setString(3, checkpoint);
            s.setLong(4, id);
            s.setString(5, runner);
            s.setInt(6, attempt);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new JobContext.LeaseLost(id);
                }
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Inside the caller's transaction: whether this run owns the job; locks the row (shared) so no other run claims it before the commit. */
    boolean fence(Connection c, long id, String runner, int attempt) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                SELECT 1 FROM jobs WHERE id = ? AND runner = ? AND attempt = ? AND state = 'RUNNING' AND lease_until > now() FOR SHARE""")) {
            s.setLong(1, id);
            s.setString(2, runner);
            s.setInt(3, attempt);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Ends a run: SUCCEEDED, FAILED or CANCELLED (final), or PENDING again (to resume, after {@code retryAfter}). */
    boolean finish(long id, String runner, int attempt, JobState state, Map<String, Object> result, String error, Duration retryAfter) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     UPDATE jobs SET state = ?, result = coalesce(?::jsonb, result), error = ?, updated_at = now(),
                            finished_at = CASE WHEN ? THEN now() ELSE NULL END,
                            runner = CASE WHEN ? THEN runner ELSE NULL END, lease_until = NULL,
                            run_after = now() + make_interval(secs => ?)
                     WHERE id = ? AND runner = ? AND attempt = ? AND state = 'RUNNING'""")) {
            s.setString(1, state.name());
            s.setString(2, result == null ? null : write(result));
            s.setString(3, error);
            s.setBoolean(4, state.isFinal());
            s.setBoolean(5, state.isFinal());
            s.setDouble(6, retryAfter == null ? 0 : retryAfter.toMillis() / 1000.0);
            s.setLong(7, id);
            s.setString(8, runner);
            s.setInt(9, attempt);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    // ---------------------------------------------------------------- mapping

    private Job view(ResultSet rs) throws SQLException {
        long done = rs.getLong("done");
        long total = rs.getLong("total");
        Long totalOrNull = rs.wasNull() ? null : total;
        JobState state = JobState.valueOf(rs.getString("state"));
        Instant attemptStarted = instant(rs, "attempt_started_at");
        Instant finished = instant(rs, "finished_at");
        Instant at = finished != null ? finished : state == JobState.RUNNING ? instant(rs, "read_at") : instant(rs, "updated_at");
        Double rate = Job.rate(done - rs.getLong("attempt_start_done"), attemptStarted, at);
        Long eta = rate == null || totalOrNull == null || state.isFinal() ? null : (long) Math.ceil(Math.max(0, totalOrNull - done) / rate);
        long partition = rs.getLong("partition_id");
        Long partitionId = rs.wasNull() ? null : partition;
        return new Job(rs.getLong("id"), rs.getString("type"), rs.getString("collection"), partitionId, rs.getString("target"),
                read(rs.getString("params")), state, rs.getBoolean("cancel_requested"), done, totalOrNull, rate, eta,
                read(rs.getString("result")), rs.getString("error"), rs.getString("requested_by"), rs.getString("runner"),
                rs.getInt("attempt"), instant(rs, "created_at"), instant(rs, "started_at"), instant(rs, "updated_at"), finished);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private Map<String, Object> read(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readValue(text, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable job JSON", e);
        }
    }

    private String write(Map<String, Object> value) {
        try {
            return json.writeValueAsString(value == null ? Map.of() : value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("job parameters are not JSON", e);
        }
    }

    private static IllegalStateException failed(SQLException e) {
        return new IllegalStateException("jobs: " + e.getMessage(), e);
    }
}
