package dev.partitiongateway.backend;

import dev.partitiongateway.spi.BackendHealth;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when every opened vector backend answers its health probe. */
@Readiness
@ApplicationScoped
public class BackendReadiness implements HealthCheck {

    private final BackendRegistry backends;

    BackendReadiness(BackendRegistry backends) {
        this.backends = backends;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Vector backends").up();
        backends.opened().forEach((kind, backend) -> {
            BackendHealth health;
            try {
                health = backend.health();
            } catch (RuntimeException e) {
                health = BackendHealth.down(e.getMessage());
            }
            response.withData(kind, (health.up() ? "UP: " : "DOWN: ") + health.detail());
            if (!health.up()) {
                response.down();
            }
        });
        return response.build();
    }
}
