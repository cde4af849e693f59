package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Metric;
import io.pinecone.proto.DescribeIndexStatsResponse;
import io.pinecone.proto.ListNamespacesResponse;
import io.pinecone.proto.NamespaceDescription;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.openapitools.db_control.client.model.IndexModel;

/**
 * Which Pinecone index holds a gateway collection, and its data-plane connection.
 *
 * <h2>Where a collection lives</h2>
 * <ol>
 *   <li>{@code gateway.pinecone.indexes."<collection>".name|host}: an index chosen for this collection;</li>
 *   <li>otherwise {@code gateway.pinecone.default-index.name|host}: one index for every other collection;</li>
 *   <li>otherwise the index named {@code <index-name-prefix><collection>} ({@code _} becomes {@code -};
 *       a name over Pinecone's 45 characters is shortened and suffixed with a hash).</li>
 * </ol>
 * An index given by name is described once through the control plane (host, dimension, metric) and
 * cached; an index given by host is never looked up there, and its dimension and metric come from
 * its stats. Namespaces always start with {@code <collection>-} (see {@link #namespace}), so
 * collections that share an index never share a namespace.
 *
 * <h2>Creation and deletion</h2>
 * A missing index is created only with {@code create-indexes=true} (serverless, the configured
 * cloud and region), tagged with the collection it was made for, and waited for until ready. Dropping
 * a collection deletes its index only if the index was derived from the collection's name and is
 * tagged with it; otherwise it deletes the collection's namespaces that the gateway created (marked
 * with a {@link NamespaceMarker}, or created by this process) and leaves the index and everything else in it.
 */
final class IndexDirectory implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(IndexDirectory.class);

    static final String COLLECTION_TAG = "partition-gateway-collection";
    static final String SHARED_TAG = "partition-gateway-shared";
    private static final int MAX_INDEX_NAME = 45;

    /** How a collection's index was found; only a {@link #DERIVED} index may be deleted with its collection. */
    enum Source { CONFIGURED, DEFAULT, DERIVED }

    /** A collection's index, resolved. */
    record Target(String description, String name, String host, int dimension, Metric metric, Source source,
                  boolean taggedForCollection, DataPlane dataPlane, KnownNamespaces namespaces) {
    }

    private record Location(PineconeOptions.IndexLocation index, Source source) {
    }

    private final PineconeOptions options;
    private final PineconeCalls calls;
    private final ControlPlane controlPlane;
    private final Map<String, Target> byCollection = new ConcurrentHashMap<>();
    private final Map<String, DataPlane> byHost = new ConcurrentHashMap<>();
    private final Map<String, KnownNamespaces> namespacesByHost = new ConcurrentHashMap<>();
    private final Object structure = new Object();

    IndexDirectory(PineconeOptions options, PineconeCalls calls) {
        this.options = options;
        this.calls = calls;
        this.controlPlane = new ControlPlane(options, calls);
    }

    /** The namespace of a placement: the collection, a dash (never in a collection name), the placement. */
    static String namespace(String collection, String placement) {
        return collectionPrefix(collection) + placement;
    }

    static String collectionPrefix(String collection) {
        return collection + "-";
    }

    static String metricName(Metric metric) {
        return switch (metric) {
            case COSINE -> "cosine";
            case DOT -> "dotproduct";
            case L2 -> "euclidean";
        };
    }

    static Metric metricOf(String pinecone) {
        if (pinecone == null) {
            return null;
        }
        return switch (pinecone) {
            case "cosine" -> Metric.COSINE;
            case "dotproduct" -> Metric.DOT;
            case "euclidean" -> Metric.L2;
            default -> null;
        };
    }

    /** The index name derived from a collection name (rule 3 above). */
    static String derivedIndexName(String prefix, String collection) {
        String readable = (prefix + collection).replace('_', '-');
        if (readable.length() <= MAX_INDEX_NAME && readable.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?")) {
            return readable;
        }
        String hash = sha256Hex(collection).substring(0, 10);
        String head = readable.substring(0, Math.min(readable.length(), MAX_INDEX_NAME - hash.length() - 1)).replaceAll("-+$", "");
        return (head.isEmpty() ? "pg" : head) + "-" + hash;
    }

    // ---------------------------------------------------------------- collections

    /** Finds (or, when allowed, creates) the collection's index and checks its dimension and metric. */
    Target ensure(CollectionSpec spec) {
        synchronized (structure) {
            Target target = resolve(spec, true);
            if (!fits(target, spec)) {
                throw new BackendException.Rejected(shapeProblem(target, spec));
            }
            byCollection.put(spec.name(), target);
            return target;
        }
    }

    /**
     * The collection's index for a data call; never creates one. The index is described once and
     * cached; a cached index of another shape than the collection's is described again before the
     * call is refused, since another replica may have dropped the collection and created it again
     * with another dimension or metric.
     */
    Target require(CollectionSpec spec) {
        Target cached = byCollection.get(spec.name());
        if (cached != null && fits(cached, spec)) {
            return cached;
        }
        synchronized (structure) {
            Target target = byCollection.get(spec.name());
            if (target == null || !fits(target, spec)) {
                target = resolve(spec, false);
                byCollection.put(spec.name(), target);
            }
            if (!fits(target, spec)) {
                // A collection of another shape cannot have been ensured in this index, so it is not there.
                throw new BackendException.NotFound(shapeProblem(target, spec));
            }
            return target;
        }
    }

    /** The collection's index if it exists, without creating or caching anything. */
    Optional<Target> find(CollectionSpec spec) {
        Target cached = byCollection.get(spec.name());
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            return Optional.of(resolve(spec, false));
        } catch (BackendException.NotFound e) {
            return Optional.empty();
        }
    }

    /** Removes the collection: its index if the gateway made it for the collection, else its namespaces. */
    void drop(CollectionSpec spec) {
        synchronized (structure) {
            Optional<Target> found = find(spec);
            byCollection.remove(spec.name());
            if (found.isEmpty()) {
                return;
            }
            Target target = found.get();
            if (target.source() == Source.DERIVED && target.taggedForCollection()) {
                controlPlane.delete(target.name());
                namespacesByHost.remove(target.host());
                DataPlane removed = byHost.remove(target.host());
                if (removed != null) {
                    removed.close();
                }
                return;
            }
            List<String> kept = new ArrayList<>();
            for (String namespace : namespacesOf(target, spec.name())) {
                if (target.namespaces().ensuredHere(namespace) || markedFor(target, namespace, spec.name())) {
                    target.namespaces().drop(namespace);
                    target.dataPlane().deleteNamespace(namespace);
                } else {
                    kept.add(namespace);
                }
            }
            if (!kept.isEmpty()) {
                LOG.warnf("dropping collection '%s' kept %d namespaces of Pinecone %s that start with '%s' but carry no "
                        + "partition-gateway marker: not created by the gateway, created by a version without markers, or "
                        + "created by another replica moments ago (then delete them by hand): %s", spec.name(), kept.size(),
                        target.description(), collectionPrefix(spec.name()), kept.subList(0, Math.min(20, kept.size())));
            }
        }
    }

    /** Whether the namespace carries the gateway's marker for the collection (see {@link NamespaceMarker}). */
    private static boolean markedFor(Target target, String namespace, String collection) {
        return NamespaceMarker.marks(target.dataPlane().fetch(namespace, List.of(NamespaceMarker.ID)).get(NamespaceMarker.ID), collection);
    }

    private List<String> namespacesOf(Target target, String collection) {
        List<String> namespaces = new ArrayList<>();
        String token = null;
        do {
            ListNamespacesResponse page = target.dataPlane().listNamespaces(collectionPrefix(collection), token, PineconeOptions.PINECONE_MAX_LIST_PAGE);
            page.getNamespacesList().stream().map(NamespaceDescription::getName).forEach(namespaces::add);
            token = page.hasPagination() && !page.getPagination().getNext().isEmpty() ? page.getPagination().getNext() : null;
        } while (token != null);
        return namespaces;
    }

    Optional<PineconeOptions.IndexLocation> configuredHost() {
        if (options.defaultIndex() != null && options.defaultIndex().host() != null) {
            return Optional.of(options.defaultIndex());
        }
        return options.indexes().values().stream().filter(l -> l.host() != null).findFirst();
    }

    DataPlane dataPlane(String host, String description) {
        return byHost.computeIfAbsent(host, h -> new DataPlane(options, h, description, calls));
    }

    private KnownNamespaces namespaces(String host) {
        return namespacesByHost.computeIfAbsent(host, h -> new KnownNamespaces());
    }

    ControlPlane controlPlane() {
        return controlPlane;
    }

    @Override
    public void close() {
        byHost.values().forEach(DataPlane::close);
        byHost.clear();
        byCollection.clear();
        namespacesByHost.clear();
    }

    // ---------------------------------------------------------------- resolution

    private Location locate(String collection) {
        PineconeOptions.IndexLocation configured = options.indexes().get(collection);
        if (configured != null) {
            return new Location(configured, Source.CONFIGURED);
        }
        if (options.defaultIndex() != null) {
            return new Location(options.defaultIndex(), Source.DEFAULT);
        }
        return new Location(PineconeOptions.IndexLocation.named(derivedIndexName(options.indexNamePrefix(), collection)), Source.DERIVED);
    }

    private Target resolve(CollectionSpec spec, boolean mayCreate) {
        Location location = locate(spec.name());
        PineconeOptions.IndexLocation index = location.index();
        if (index.host() != null) {
            DataPlane dataPlane = dataPlane(index.host(), index.describe());
            DescribeIndexStatsResponse stats = dataPlane.stats();
            Metric metric = stats.hasMetric() ? metricOf(stats.getMetric()) : null;
            return new Target(index.describe(), index.name(), index.host(), stats.getDimension(), metric, location.source(),
                    false, dataPlane, namespaces(index.host()));
        }
        String name = index.name();
        Optional<IndexModel> model = describeUnlessTerminating(name, mayCreate);
        if (model.isEmpty()) {
            if (!mayCreate) {
                throw new BackendException.NotFound("collection '" + spec.name() + "' has no Pinecone index: index '" + name
                        + "' does not exist (was the collection created through the gateway?)");
            }
            if (!options.createIndexes()) {
                throw new BackendException.Rejected("Pinecone index '" + name + "' for collection '" + spec.name()
                        + "' does not exist. Create it (dimension " + spec.dimension() + ", metric " + metricName(spec.metric())
                        + "), map the collection to an existing index with gateway.pinecone.indexes.\"" + spec.name()
                        + "\".name or .host (or gateway.pinecone.default-index), or let the gateway create serverless indexes "
                        + "with gateway.pinecone.create-indexes=true and a cloud and region");
            }
            Map<String, String> tags = location.source() == Source.DERIVED
                    ? Map.of(COLLECTION_TAG, spec.name())
                    : Map.of(SHARED_TAG, "true");
            controlPlane.createServerless(name, spec.dimension(), metricName(spec.metric()), options.cloud(), options.region(), tags);
            model = Optional.of(awaitReady(name));
        } else if (!Boolean.TRUE.equals(model.get().getStatus().getReady())) {
            if (!mayCreate) {
                throw new BackendException.Unavailable("Pinecone index '" + name + "' is not ready yet ("
                        + model.get().getStatus().getState() + ")", null);
            }
            model = Optional.of(awaitReady(name));
        }
        IndexModel found = model.get();
        String tagged = found.getTags() == null ? null : found.getTags().get(COLLECTION_TAG);
        if (location.source() == Source.DERIVED && tagged != null && !tagged.equals(spec.name())) {
            throw new BackendException.Rejected("Pinecone index '" + name + "' was created for collection '" + tagged
                    + "', not '" + spec.name() + "'; map '" + spec.name() + "' to another index with gateway.pinecone.indexes");
        }
        String description = "index '" + name + "'";
        return new Target(description, name, found.getHost(), found.getDimension() == null ? 0 : found.getDimension(),
                metricOf(found.getMetric()), location.source(), spec.name().equals(tagged),
                dataPlane(found.getHost(), description), namespaces(found.getHost()));
    }

    /**
     * A deleted index stays "Terminating" for a while and its name cannot be reused until it is gone:
     * for the gateway it no longer exists, and a creation first waits for it to disappear.
     */
    private Optional<IndexModel> describeUnlessTerminating(String name, boolean waitUntilGone) {
        long deadline = System.nanoTime() + options.indexReadyTimeout().toNanos();
        Duration pause = Duration.ofMillis(50);
        for (;;) {
            Optional<IndexModel> model = controlPlane.describe(name);
            if (model.isEmpty() || !"Terminating".equalsIgnoreCase(model.get().getStatus().getState())) {
                return model;
            }
            if (!waitUntilGone) {
                return Optional.empty();
            }
            if (System.nanoTime() > deadline) {
                throw new BackendException.Unavailable("Pinecone index '" + name + "' is still being deleted after "
                        + options.indexReadyTimeout() + " (gateway.pinecone.index-ready-timeout)", null);
            }
            pause = pause(pause);
        }
    }

    private IndexModel awaitReady(String name) {
        long deadline = System.nanoTime() + options.indexReadyTimeout().toNanos();
        Duration pause = Duration.ofMillis(50);
        for (;;) {
            Optional<IndexModel> model = controlPlane.describe(name);
            if (model.isPresent() && Boolean.TRUE.equals(model.get().getStatus().getReady())) {
                return model.get();
            }
            if (System.nanoTime() > deadline) {
                throw new BackendException.Unavailable("Pinecone index '" + name + "' was not ready within "
                        + options.indexReadyTimeout() + " (gateway.pinecone.index-ready-timeout); it keeps initialising, "
                        + "retry later", null);
            }
            pause = pause(pause);
        }
    }

    private static Duration pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException.Unavailable("interrupted while waiting for a Pinecone index", e);
        }
        return pause.multipliedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : pause.multipliedBy(2);
    }

    private static boolean fits(Target target, CollectionSpec spec) {
        // An index whose stats do not tell its metric (older API versions) is trusted on the metric.
        return target.dimension() == spec.dimension() && (target.metric() == null || target.metric() == spec.metric());
    }

    private static String shapeProblem(Target target, CollectionSpec spec) {
        return "collection '" + spec.name() + "' needs dimension " + spec.dimension() + " and metric "
                + metricName(spec.metric()) + ", but Pinecone " + target.description() + " has dimension " + target.dimension()
                + " and metric " + (target.metric() == null ? "unknown" : metricName(target.metric()));
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
