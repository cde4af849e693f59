package dev.partitiongateway.auth;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Remembers when each key was last used and writes it to PostgreSQL periodically, so that
 * authenticating a request never waits on a database write.
 */
@ApplicationScoped
public class KeyUsageRecorder {

    private static final Logger LOG = Logger.getLogger(KeyUsageRecorder.class);
    private final Map<UUID, Instant> pending = new ConcurrentHashMap<>();

    void used(UUID keyId) {
        pending.put(keyId, Instant.now());
    }

    @Scheduled(every = "${gateway.auth.last-used-flush-interval:30s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        Map<UUID, Instant> batch = Map.copyOf(pending);
        batch.forEach(pending::remove); // keeps an entry that was refreshed meanwhile
        try {
            QuarkusTransaction.requiringNew().run(() -> batch.forEach((id, at) -> ApiKey.update(
                    "lastUsedAt = ?1 where id = ?2 and (lastUsedAt is null or lastUsedAt < ?1)", at, id)));
        } catch (RuntimeException e) {
            batch.forEach(pending::putIfAbsent);
            LOG.warnf("could not record key usage, will retry: %s", e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        flush();
    }
}
