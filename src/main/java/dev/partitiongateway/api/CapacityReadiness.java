package dev.partitiongateway.api;

import dev.partitiongateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while requests in progress reach {@code gateway.limits.max-in-flight}: a gateway whose
 * threads are all busy (slow clients, a slow backend) tells its load balancer to send new work elsewhere.
 */
@Readiness
@ApplicationScoped
public class CapacityReadiness implements HealthCheck {

    private final HttpEdge edge;
    private final int maxInFlight;

    CapacityReadiness(HttpEdge edge, GatewayConfig config) {
        this.edge = edge;
        this.maxInFlight = config.limits().maxInFlight();
    }

    @Override
    public HealthCheckResponse call() {
        int inFlight = edge.inFlight();
        return HealthCheckResponse.named("Request capacity")
                .status(inFlight < maxInFlight)
                .withData("inFlight", inFlight)
                .withData("maxInFlight", maxInFlight)
                .build();
    }
}
