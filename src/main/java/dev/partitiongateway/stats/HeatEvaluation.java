package dev.partitiongateway.stats;

import dev.partitiongateway.catalog.PartitionHeat;
import dev.partitiongateway.config.GatewayConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Judges every partition's heat every {@code gateway.partitions.heat.interval} from the figures of all
 * gateway processes ({@link HeatRules}) and records it in the directory ({@code partitions.heat}) with
 * its reasons; exports how many partitions of each collection have each heat as
 * {@code gateway_partitions{collection,heat}}. Every process runs it: they read the same figures and reach
 * the same verdicts, and a verdict is written only where it changes something.
 */
@ApplicationScoped
public class HeatEvaluation {

    private static final Logger LOG = Logger.getLogger(HeatEvaluation.class);

    /** The outcome of one evaluation: partitions judged, and those whose heat changed. */
    public record Outcome(int judged, int changed) {
    }

    private final PartitionStatsStore store;
    private final PartitionStatsFlush flush;
    private final GatewayConfig.Partitions config;
    private final MeterRegistry meters;
    /** Partitions per collection and heat, as of the last evaluation, behind the gauges. */
    private final Map<String, Map<PartitionHeat, AtomicLong>> counts = new ConcurrentHashMap<>();
    private final Map<String, List<Gauge>> gauges = new ConcurrentHashMap<>();

    HeatEvaluation(PartitionStatsStore store, PartitionStatsFlush flush, GatewayConfig config, MeterRegistry meters) {
        this.store = store;
        this.flush = flush;
        this.config = config.partitions();
        this.meters = meters;
    }

    @Scheduled(every = "${gateway.partitions.heat.interval:1m}", delayed = "${gateway.partitions.heat.interval:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (!config.heat().enabled()) {
            return;
        }
        try {
            evaluate(HeatRules.of(config), Instant.now());
        } catch (Exception e) {
            LOG.warnf("partition heat evaluation failed; the next one retries: %s", e.toString());
        }
    }

    /** Evaluates every partition now with the configured thresholds. */
    public Outcome evaluate() throws java.sql.SQLException {
        return evaluate(HeatRules.of(config), Instant.now());
    }

    /** Evaluates every partition as of {@code now} with these thresholds; this process's figures are flushed first. */
    public synchronized Outcome evaluate(HeatRules rules, Instant now) throws java.sql.SQLException {
        flush.flush();
        List<PartitionStatsStore.HeatInput> inputs = store.heatInputs();
        List<PartitionStatsStore.HeatChange> changes = new ArrayList<>();
        Map<String, Map<PartitionHeat, Long>> tally = new HashMap<>();
        int changed = 0;
        for (PartitionStatsStore.HeatInput in : inputs) {
            HeatRules.Verdict verdict = rules.judge(now, in.createdAt(), in.lastQueryAt(), in.queries(), in.qpm(), in.p99Ms(), in.vectors());
            boolean heatChanged = verdict.heat() != in.heat();
            if (heatChanged || !verdict.reasons().equals(in.reasons())) {
                changes.add(new PartitionStatsStore.HeatChange(in.partitionId(), verdict.heat(), verdict.reasons(), heatChanged));
            }
            if (heatChanged) {
                changed++;
                LOG.infof("partition %d of %s is now %s: %s", in.partitionId(), in.collection(), verdict.heat(),
                        verdict.reasons().isEmpty() ? "back under every threshold" : String.join("; ", verdict.reasons()));
            }
            tally.computeIfAbsent(in.collection(), c -> new HashMap<>()).merge(verdict.heat(), 1L, Long::sum);
        }
        store.applyHeat(changes);
        export(tally);
        return new Outcome(inputs.size(), changed);
    }

    private void export(Map<String, Map<PartitionHeat, Long>> tally) {
        tally.forEach((collection, byHeat) -> {
            Map<PartitionHeat, AtomicLong> held = counts.computeIfAbsent(collection, this::register);
            for (PartitionHeat heat : PartitionHeat.values()) {
                held.get(heat).set(byHeat.getOrDefault(heat, 0L));
            }
        });
        for (String collection : List.copyOf(counts.keySet())) {
            if (!tally.containsKey(collection)) {
                counts.remove(collection);
                gauges.remove(collection).forEach(meters::remove);
            }
        }
    }

    private Map<PartitionHeat, AtomicLong> register(String collection) {
        Map<PartitionHeat, AtomicLong> held = new HashMap<>();
        List<Gauge> registered = new ArrayList<>();
        for (PartitionHeat heat : PartitionHeat.values()) {
            AtomicLong value = new AtomicLong();
            held.put(heat, value);
            registered.add(Gauge.builder("gateway.partitions", value, AtomicLong::get)
                    .description("Partitions of a collection with each heat (NORMAL, HOT, COLD), as of the last heat evaluation")
                    .tag("collection", collection).tag("heat", heat.name()).register(meters));
        }
        gauges.put(collection, registered);
        return held;
    }
}
