package dev.partitiongateway.adapter.qdrant;

import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.JsonWithInt.Struct;
import io.qdrant.client.grpc.JsonWithInt.Value;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the gateway writes into the metadata of every Qdrant collection it creates (collection
 * metadata, Qdrant 1.15.4 and later), under the key {@value #KEY}: which deployment (its
 * {@code collection-prefix}) made it, for which gateway collection, and, for a collection of its own
 * in {@code partition-mode=collection}, for which placement.
 *
 * <p>A cluster may hold collections of other applications, and of other gateways with another prefix,
 * whose names look like the gateway's ({@code docs-archive} beside the gateway's {@code docs}). The
 * gateway therefore never takes over, writes to, or deletes a collection that does not carry exactly
 * the mark it would have written itself: a name alone proves nothing. (The placement registry is not
 * marked: its operator-chosen name contains a '.', which no data collection's name has, and the
 * gateway never deletes it.)
 *
 * @param placement empty unless {@code role} is {@link Role#PLACEMENT}
 */
record OwnerMark(Role role, String prefix, String collection, String placement) {

    static final String KEY = "partition_gateway";

    enum Role {
        /** The Qdrant collection of a gateway collection (its payload partitions and shared buckets). */
        COLLECTION,
        /** The Qdrant collection of one dedicated placement in {@code partition-mode=collection}. */
        PLACEMENT
    }

    private static final String ROLE = "role";
    private static final String PREFIX = "prefix";
    private static final String GATEWAY_COLLECTION = "collection";
    private static final String PLACEMENT_NAME = "placement";

    static OwnerMark ofCollection(String prefix, String collection) {
        return new OwnerMark(Role.COLLECTION, prefix, collection, "");
    }

    static OwnerMark ofPlacement(String prefix, String collection, String placement) {
        return new OwnerMark(Role.PLACEMENT, prefix, collection, placement);
    }

    /** The collection metadata that carries this mark. */
    Map<String, Value> metadata() {
        Struct.Builder mark = Struct.newBuilder()
                .putFields(ROLE, PointPayload.text(role.name().toLowerCase(Locale.ROOT)))
                .putFields(PREFIX, PointPayload.text(prefix))
                .putFields(GATEWAY_COLLECTION, PointPayload.text(collection));
        if (role == Role.PLACEMENT) {
            mark.putFields(PLACEMENT_NAME, PointPayload.text(placement));
        }
        return Map.of(KEY, Value.newBuilder().setStructValue(mark).build());
    }

    /** The mark a collection carries, or empty when it has none (another application's, or made before marks existed). */
    static Optional<OwnerMark> of(CollectionInfo info) {
        Value value = info.getConfig().getMetadataMap().get(KEY);
        if (value == null || !value.hasStructValue()) {
            return Optional.empty();
        }
        Map<String, Value> fields = value.getStructValue().getFieldsMap();
        Role role;
        try {
            role = Role.valueOf(text(fields, ROLE).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
        return Optional.of(new OwnerMark(role, text(fields, PREFIX), text(fields, GATEWAY_COLLECTION), text(fields, PLACEMENT_NAME)));
    }

    /** For messages: what the collection's metadata says about who made it. */
    static String describe(CollectionInfo info) {
        return of(info).map(OwnerMark::toString)
                .orElse(info.getConfig().containsMetadata(KEY) ? "an unreadable " + KEY + " mark" : "no " + KEY + " mark in its metadata");
    }

    @Override
    public String toString() {
        return "the mark of " + switch (role) {
            case COLLECTION -> "gateway collection " + collection;
            case PLACEMENT -> "placement " + placement + " of gateway collection " + collection;
        } + (prefix.isEmpty() ? " (no collection-prefix)" : " (collection-prefix " + prefix + ")");
    }

    private static String text(Map<String, Value> fields, String key) {
        Value value = fields.get(key);
        return value == null || !value.hasStringValue() ? "" : value.getStringValue();
    }
}
