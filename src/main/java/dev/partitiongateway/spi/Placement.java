package dev.partitiongateway.spi;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where one partition lives on its backend, and whose data a call may touch there.
 *
 * <p>{@code name} is chosen by the gateway and is safe as a Milvus partition, a Pinecone namespace,
 * a Qdrant payload value or collection suffix, and a directory name: 1-200 of lower-case letters,
 * digits and '_', starting with a letter. A shared and a dedicated placement of one collection never
 * have the same name.
 *
 * <p>{@code tenant} is the tenant scope of the call; it is never empty. An adapter stores it with
 * every record it writes and restricts every read, count, scan and delete to it, so that placements
 * shared by several tenants stay isolated; a record's id is unique per (placement, tenant).
 *
 * <p>{@code shared} tells the two layouts apart:
 * <ul>
 *   <li>a <em>shared</em> placement (a {@code SHARED_HASH} bucket) holds the records of many tenants,
 *       and the adapter filters by tenant on every call;</li>
 *   <li>a <em>dedicated</em> placement holds the records of one tenant only. An adapter may rely on
 *       that (for example skip the tenant filter) only where it can prove it, e.g. by recording the
 *       owner when the placement is ensured and refusing calls that name another tenant. Whatever it
 *       does, a call naming another tenant never returns, counts or changes the owner's records.</li>
 * </ul>
 */
public record Placement(CollectionSpec collection, String name, String tenant, boolean shared) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,199}");

    public Placement {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(tenant, "tenant");
        if (tenant.isEmpty()) {
            // An empty tenant must never become "no tenant restriction" in a backend query.
            throw new IllegalArgumentException("the tenant scope of a placement must not be empty");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid placement name: " + name);
        }
    }

    /** A placement that holds one tenant's records. */
    public static Placement dedicated(CollectionSpec collection, String name, String tenant) {
        return new Placement(collection, name, tenant, false);
    }

    /** A placement that holds many tenants' records, each call scoped to {@code tenant}. */
    public static Placement shared(CollectionSpec collection, String name, String tenant) {
        return new Placement(collection, name, tenant, true);
    }

    /**
     * The collection that every one of these placements belongs to, as one multi-placement call
     * requires; refuses placements of several collections. {@code placements} must not be empty.
     */
    public static CollectionSpec commonCollection(List<Placement> placements) {
        CollectionSpec first = placements.get(0).collection();
        if (placements.stream().anyMatch(p -> !p.collection().name().equals(first.name()))) {
            throw new IllegalArgumentException("one search covers placements of one collection");
        }
        return first;
    }
}
