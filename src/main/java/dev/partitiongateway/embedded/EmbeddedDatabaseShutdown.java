package dev.partitiongateway.embedded;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Stops the launcher's embedded PostgreSQL as the last shutdown observer, after the ones that still
 * write to it (observers with a higher priority value are notified later).
 */
@ApplicationScoped
class EmbeddedDatabaseShutdown {

    void stop(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent event) {
        GatewayMain.stopEmbedded();
    }
}
