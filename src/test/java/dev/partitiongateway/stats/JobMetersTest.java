package dev.partitiongateway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The hook the lifecycle job engine exports progress through: series exist only while a job runs. */
class JobMetersTest {

    @Test
    void should_export_a_running_jobs_progress_and_remove_it_when_the_job_ends() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMeters jobs = new JobMeters(registry);
        AtomicLong copied = new AtomicLong();
        JobMeters.Running split = jobs.running("split", "42", () -> copied.get() / 1000.0);
        copied.set(250);
        assertThat(registry.get("gateway.job.progress").tag("job", "42").gauge().value()).isEqualTo(0.25);
        assertThat(registry.get("gateway.jobs.running").tag("kind", "split").gauge().value()).isEqualTo(1);
        split.close();
        split.close();
        assertThat(registry.find("gateway.job.progress").gauges()).isEmpty();
        assertThat(registry.get("gateway.jobs.running").tag("kind", "split").gauge().value()).isZero();
    }
}
