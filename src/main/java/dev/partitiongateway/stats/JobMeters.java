package dev.partitiongateway.stats;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * Where lifecycle jobs (split, archive, restore, promotion, migration) export their progress, for the job
 * engine to call: {@code gateway_job_progress_ratio{kind,job}} (0 to 1) exists only while the job runs on
 * this process, so its label sets are bounded by the jobs running at once, and {@code gateway_jobs_running{kind}}
 * counts them. A job calls {@link #running} when it starts or resumes here, and closes what it got when it
 * ends, fails or moves to another process.
 */
@ApplicationScoped
public class JobMeters {

    /** A running job's series; closing it removes them. */
    public interface Running extends AutoCloseable {
        @Override
        void close();
    }

    private final MeterRegistry meters;
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();

    JobMeters(MeterRegistry meters) {
        this.meters = meters;
    }

    /** Exports {@code progress} (read at each scrape, so it must be cheap: a field, not a query) while the job runs. */
    public Running running(String kind, String jobId, DoubleSupplier progress) {
        AtomicInteger count = running.computeIfAbsent(kind, k -> {
            AtomicInteger c = new AtomicInteger();
            Gauge.builder("gateway.jobs.running", c, AtomicInteger::get).tag("kind", k)
                    .description("Lifecycle jobs running on this process").register(meters);
            return c;
        });
        count.incrementAndGet();
        Gauge gauge = Gauge.builder("gateway.job.progress", progress, DoubleSupplier::getAsDouble).tag("kind", kind).tag("job", jobId)
                .baseUnit("ratio").description("Progress of a running lifecycle job, 0 to 1").register(meters);
        return new Running() {
            private boolean closed;

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    meters.remove(gauge);
                    count.decrementAndGet();
                }
            }
        };
    }
}
