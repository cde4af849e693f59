package dev.partitiongateway.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.DatabaseOutage;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.stats.JobMeters;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Runs lifecycle jobs, one at a time per process, across every process sharing the database: each
 * process polls for a job it can claim ({@link JobStore#claim}), runs it with its {@link JobHandler}
 * while renewing the lease, and records the outcome. A run that fails transiently (backend or
 * PostgreSQL unavailable) is retried later from its checkpoint; at shutdown a running job stops at
 * its next batch and goes back to PENDING, so another process resumes it at once.
 */
@ApplicationScoped
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final JobStore store;
    private final JobMeters meters;
    private final ObjectMapper json;
    private final GatewayConfig.Jobs config;
    private final String runner;
    private final Map<String, JobHandler> handlers = new TreeMap<>();
    private final AtomicBoolean busy = new AtomicBoolean();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "job-runner"));
    private final ScheduledExecutorService leases = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "job-lease"));
    private volatile boolean stopping;

    JobRunner(JobStore store, ObjectMapper json, GatewayConfig config, ScheduledRounds rounds, JobMeters meters,
              @Any Instance<JobHandler> available) {
        this.store = store;
        this.meters = meters;
        this.json = json;
        this.config = config.jobs();
        this.runner = rounds.runner();
        for (JobHandler handler : available) {
            if (handlers.put(handler.type(), handler) != null) {
                throw new IllegalStateException("two handlers claim job type '" + handler.type() + "'");
            }
        }
    }

    /** The job types this process can run. */
    public List<String> types() {
        return List.copyOf(handlers.keySet());
    }

    @Scheduled(every = "${gateway.jobs.poll-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void poll() {
        if (!config.enabled() || stopping || handlers.isEmpty() || !busy.compareAndSet(false, true)) {
            return;
        }
        try {
            Optional<JobStore.Claimed> claimed = store.claim(runner, config.lease(), types());
            if (claimed.isEmpty()) {
                busy.set(false);
                return;
            }
            worker.execute(() -> {
                try {
                    run(claimed.get());
                } finally {
                    busy.set(false);
                }
            });
        } catch (RuntimeException e) {
            busy.set(false);
            LOG.debugf("no job claimed: %s", e.getMessage());
        }
    }

    private void run(JobStore.Claimed claimed) {
        Job job = claimed.job();
        JsonNode params;
        try {
            params = json.readTree(claimed.params());
        } catch (Exception e) {
            store.finish(job.id(), runner, job.attempt(), JobState.FAILED, null, "unreadable parameters: " + e.getMessage(), null);
            return;
        }
        JobContext ctx = new JobContext(job, params, claimed.checkpoint(), store, runner, () -> stopping);
        Duration renewEvery = config.lease().dividedBy(3);
        ScheduledFuture<?> renewal = leases.scheduleAtFixedRate(() -> {
            try {
                if (!store.renew(ctx, runner, config.lease())) {
                    LOG.warnf("job %d: lease lost; this run stops at its next batch", job.id());
                }
            } catch (RuntimeException e) {
                LOG.debugf("job %d: lease not renewed this time: %s", job.id(), e.getMessage());
            }
        }, renewEvery.toMillis(), renewEvery.toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("job %d (%s %s) attempt %d started by %s", job.id(), job.type(), job.target(), job.attempt(), runner);
        try (JobMeters.Running gauge = meters.running(job.type(), Long.toString(job.id()), ctx::ratio)) {
            JobHandler.Outcome outcome = handlers.get(job.type()).run(ctx);
            store.finish(job.id(), runner, job.attempt(), outcome.state(), outcome.result(), null, Duration.ZERO);
            LOG.infof("job %d (%s %s) %s", job.id(), job.type(), job.target(), outcome.state());
        } catch (JobContext.LeaseLost e) {
            LOG.warnf("job %d: %s", job.id(), e.getMessage());
        } catch (Exception | Error e) {
            fail(job, ctx, e);
        } finally {
            renewal.cancel(false);
        }
    }

    private void fail(Job job, JobContext ctx, Throwable e) {
        boolean transientFailure = e instanceof BackendException.Unavailable || e instanceof BackendException.Timeout
                || DatabaseOutage.isCause(e);
        String error = e instanceof ApiException || e instanceof BackendException ? e.getMessage() : e.toString();
        try {
            if (transientFailure && job.attempt() < config.maxAttempts()) {
                Duration backoff = Duration.ofSeconds(Math.min(60, 1L << Math.min(6, job.attempt())));
                store.finish(job.id(), runner, job.attempt(), JobState.PENDING, null, error, backoff);
                LOG.warnf("job %d (%s %s) attempt %d failed, retried in %s: %s", job.id(), job.type(), job.target(), job.attempt(),
                        backoff, error);
            } else {
                try {
                    handlers.get(job.type()).abandon(ctx, e);
                } catch (Exception | Error undo) {
                    LOG.errorf(undo, "job %d (%s %s) failed and what it holds could not be given back", job.id(), job.type(), job.target());
                }
                store.finish(job.id(), runner, job.attempt(), JobState.FAILED, null, error, null);
                LOG.errorf(e, "job %d (%s %s) failed", job.id(), job.type(), job.target());
            }
        } catch (RuntimeException recording) {
            // The lease runs out and another run resumes the job from its checkpoint.
            LOG.warnf("job %d: outcome not recorded (%s); it is resumed when its lease runs out", job.id(), recording.getMessage());
        }
    }

    void shutdown(@Observes ShutdownEvent event) {
        stopping = true;
        worker.shutdown();
        try {
            if (!worker.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("a job is still running at shutdown; it is resumed elsewhere when its lease runs out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leases.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
