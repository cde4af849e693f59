package dev.partitiongateway.backend;

import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorBackendFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.Guard;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jboss.logging.Logger;

/**
 * The backends the gateway can use, by kind. A backend is opened on first use (the default one at
 * start, so a misconfiguration fails the start and not the first request) and closed at shutdown.
 */
@ApplicationScoped
public class BackendRegistry {

    private static final Logger LOG = Logger.getLogger(BackendRegistry.class);

    private final Map<String, VectorBackendFactory> factories = new TreeMap<>();
    private final ConcurrentMap<String, VectorBackend> open = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Guard> guards = new ConcurrentHashMap<>();
    private final String defaultKind;
    private final MeterRegistry meters;
    private final GatewayConfig.Backend backendConfig;

    BackendRegistry(@Any Instance<VectorBackendFactory> available, GatewayConfig config, MeterRegistry meters) {
        this.meters = meters;
        this.backendConfig = config.backend();
        for (VectorBackendFactory factory : available) {
            VectorBackendFactory previous = factories.put(factory.kind(), factory);
            if (previous != null) {
                throw new IllegalStateException("two adapters claim backend kind '" + factory.kind() + "': "
                        + previous.getClass().getName() + " and " + factory.getClass().getName());
            }
        }
        this.defaultKind = config.backend().defaultKind();
        if (!factories.containsKey(defaultKind)) {
            throw new IllegalStateException("gateway.backend.default is '" + defaultKind
                    + "', but the available backends are " + factories.keySet());
        }
    }

    void openDefaultAtStart(@Observes StartupEvent event) {
        get(defaultKind);
    }

    public String defaultKind() {
        return defaultKind;
    }

    public Set<String> kinds() {
        return factories.keySet();
    }

    public boolean knows(String kind) {
        return factories.containsKey(kind);
    }

    /** The backend of this kind, opened if it is not yet. */
    public VectorBackend get(String kind) {
        VectorBackendFactory factory = factories.get(kind);
        if (factory == null) {
            throw new IllegalArgumentException("unknown backend kind '" + kind + "'");
        }
        return open.computeIfAbsent(kind, k -> {
            LOG.infof("Opening backend '%s'", k);
            Guard guard = guards.computeIfAbsent(k, kind2 -> GuardedBackend.guardFor(kind2, backendConfig));
            return new GuardedBackend(new MeteredBackend(factory.create(), meters), guard, backendConfig);
        });
    }

    /** The backend of this kind if it is open already, else {@code null}: opening one may wait. */
    public VectorBackend openedOrNull(String kind) {
        return open.get(kind);
    }

    /** Backends opened so far, for health checks and metrics. */
    public Map<String, VectorBackend> opened() {
        return Map.copyOf(open);
    }

    @PreDestroy
    void closeAll() {
        open.forEach((kind, backend) -> {
            try {
                backend.close();
            } catch (RuntimeException e) {
                LOG.warnf("closing backend '%s' failed: %s", kind, e.getMessage());
            }
        });
        open.clear();
    }
}
