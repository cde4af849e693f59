package dev.partitiongateway.jobs;

import dev.partitiongateway.spi.BackendException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test job type, {@code TEST_STEPS}: {@code steps} steps, each committed (fenced) as one row of
 * {@code test_job_steps} whose primary key makes a step done twice an error, resumed from its
 * checkpoint. Parameters: {@code steps}, {@code sleepMs} per step, {@code failOnceAt} (a transient
 * backend failure the first time that step runs).
 */
@ApplicationScoped
public class StepJobs implements JobHandler {

    static final String TYPE = "TEST_STEPS";
    /** Jobs whose transient failure was already thrown. */
    static final Set<Long> FAILED_ONCE = ConcurrentHashMap.newKeySet();

    private final AgroalDataSource dataSource;

    StepJobs(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    static void createTable(AgroalDataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS test_job_steps (job BIGINT, step INT, runner TEXT, attempt INT, PRIMARY KEY (job, step))");
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Outcome run(JobContext ctx) throws Exception {
        int steps = ctx.params().path("steps").asInt();
        long sleep = ctx.params().path("sleepMs").asLong(0);
        int failOnceAt = ctx.params().path("failOnceAt").asInt(-1);
        int next = ctx.checkpoint() == null ? 0 : Integer.parseInt(ctx.checkpoint());
        for (int step = next; step < steps; step++) {
            if (ctx.cancelRequested()) {
                return Outcome.cancelled(Map.of("stoppedAt", step));
            }
            if (ctx.stopRequested()) {
                return Outcome.yielded();
            }
            if (step == failOnceAt && FAILED_ONCE.add(ctx.id())) {
                throw new BackendException.Unavailable("injected transient failure at step " + step, null);
            }
            Thread.sleep(sleep);
            commitStep(ctx, step);
            ctx.progress(step + 1, (long) steps, Integer.toString(step + 1));
        }
        return Outcome.succeeded(Map.of("steps", steps));
    }

    void commitStep(JobContext ctx, int step) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            ctx.fence(c);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO test_job_steps VALUES (?, ?, 'runner', ?)")) {
                s.setLong(1, ctx.id());
                s.setInt(2, step);
                s.setInt(3, ctx.attempt());
                s.executeUpdate();
            }
            c.commit();
        }
    }
}
