package dev.partitiongateway.adapter.qdrant.fake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionDescription;
import io.qdrant.client.grpc.Collections.CollectionExists;
import io.qdrant.client.grpc.Collections.CollectionExistsRequest;
import io.qdrant.client.grpc.Collections.CollectionExistsResponse;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CollectionOperationResponse;
import io.qdrant.client.grpc.Collections.CollectionParams;
import io.qdrant.client.grpc.Collections.CollectionStatus;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.DeleteCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.GetCollectionInfoRequest;
import io.qdrant.client.grpc.Collections.GetCollectionInfoResponse;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.ListCollectionsRequest;
import io.qdrant.client.grpc.Collections.ListCollectionsResponse;
import io.qdrant.client.grpc.Collections.OptimizerStatus;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Collections.StrictModeConfig;
import io.qdrant.client.grpc.Collections.UpdateCollection;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.CollectionsGrpc;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Qdrant's {@code Collections} service: create (ALREADY_EXISTS for an existing name, the node's
 * collection limit as "Bad request: ... Max collections limit reached"), info, list, exists, and
 * delete, which answers {@code result=false} rather than an error for a collection that does not exist.
 * Collections keep the metadata they were created with and report it in their info; an update merges
 * new metadata into it ({@code lib/storage/src/content_manager/toc/collection_meta_ops.rs}). One
 * unnamed dense vector per collection; named and sparse vectors, and updates of anything but the
 * metadata, are refused as unimplemented.
 */
final class FakeCollectionsService extends CollectionsGrpc.CollectionsImplBase {

    private static final String INVALID_NAME_CHARS = "<>:\"/\\|?*\u0000\u001f";
    private static final HnswConfigDiff DEFAULT_HNSW = HnswConfigDiff.newBuilder()
            .setM(16).setEfConstruct(100).setFullScanThreshold(10_000).setOnDisk(false).build();

    private final FakeQdrant qdrant;

    FakeCollectionsService(FakeQdrant qdrant) {
        this.qdrant = qdrant;
    }

    @Override
    public void create(CreateCollection request, StreamObserver<CollectionOperationResponse> response) {
        respond(response, () -> {
            String name = request.getCollectionName();
            validateName(name);
            if (!request.hasVectorsConfig() || !request.getVectorsConfig().hasParams()) {
                throw QdrantStatus.invalidArgument("the fake Qdrant implements collections with one unnamed dense vector only");
            }
            VectorParams params = request.getVectorsConfig().getParams();
            if (params.getSize() < 1) {
                throw QdrantStatus.validation("vectors_config.params.size", "value 0 invalid, must be 1 or larger");
            }
            if (params.getDistance() == Distance.UnknownDistance || params.getDistance() == Distance.UNRECOGNIZED) {
                throw QdrantStatus.invalidArgument("Unknown distance");
            }
            synchronized (qdrant) {
                if (qdrant.collections.containsKey(name)) {
                    throw QdrantStatus.collectionExists(name);
                }
                Integer limit = qdrant.maxCollectionsLimit();
                if (limit != null && qdrant.collections.size() >= limit) {
                    throw QdrantStatus.badRequest("Can't create collection with name " + name + ". Max collections limit reached: " + limit);
                }
                HnswConfigDiff hnsw = DEFAULT_HNSW.toBuilder().mergeFrom(request.getHnswConfig()).build();
                StrictModeConfig strict = strictMode(request);
                // An empty map is no metadata (conversions.rs): the info then reports none.
                ObjectNode metadata = PayloadJson.toJson(qdrant.keepsCollectionMetadata() ? request.getMetadataMap() : Map.of());
                qdrant.collections.put(name, new FakeCollection(name, (int) params.getSize(), params.getDistance(), hnsw, strict, metadata));
            }
            return CollectionOperationResponse.newBuilder().setResult(true).build();
        });
    }

    /** Qdrant Cloud creates collections in strict mode with filtering on unindexed keys refused, unless the request says otherwise. */
    private StrictModeConfig strictMode(CreateCollection request) {
        StrictModeConfig.Builder strict = StrictModeConfig.newBuilder();
        StrictModeConfig defaults = qdrant.strictModeByDefault();
        if (defaults != null) {
            strict.mergeFrom(defaults);
        }
        if (request.hasStrictModeConfig()) {
            strict.mergeFrom(request.getStrictModeConfig());
        }
        return strict.hasEnabled() ? strict.build() : null;
    }

    private static void validateName(String name) {
        if (name.isEmpty() || name.length() > 255) {
            throw QdrantStatus.validation("collection_name", "length must be between 1 and 255");
        }
        for (char c : INVALID_NAME_CHARS.toCharArray()) {
            if (name.indexOf(c) >= 0) {
                throw QdrantStatus.validation("collection_name", "collection name cannot contain \"" + c + "\" char");
            }
        }
    }

    @Override
    public void get(GetCollectionInfoRequest request, StreamObserver<GetCollectionInfoResponse> response) {
        respond(response, () -> {
            synchronized (qdrant) {
                FakeCollection collection = qdrant.collection(request.getCollectionName());
                CollectionConfig.Builder config = CollectionConfig.newBuilder()
                        .setParams(CollectionParams.newBuilder().setShardNumber(1).setReplicationFactor(1).setWriteConsistencyFactor(1)
                                .setVectorsConfig(VectorsConfig.newBuilder().setParams(VectorParams.newBuilder()
                                        .setSize(collection.dimension).setDistance(collection.distance))))
                        .setHnswConfig(collection.hnsw);
                if (collection.strictMode != null) {
                    config.setStrictModeConfig(collection.strictMode);
                }
                config.putAllMetadata(PayloadJson.toProto(collection.metadata));
                CollectionInfo.Builder info = CollectionInfo.newBuilder()
                        .setStatus(CollectionStatus.Green)
                        .setOptimizerStatus(OptimizerStatus.newBuilder().setOk(true))
                        .setSegmentsCount(1)
                        .setConfig(config)
                        .setPointsCount(collection.points.size())
                        .setIndexedVectorsCount(0);
                collection.payloadIndexes.forEach((path, index) -> {
                    long points = collection.points.values().stream()
                            .filter(p -> path.values(p.payload()).stream().anyMatch(v -> !v.isNull())).count();
                    PayloadSchemaInfo.Builder schema = PayloadSchemaInfo.newBuilder().setDataType(index.type()).setPoints(points);
                    if (index.params() != null && index.params().getIndexParamsCase() != io.qdrant.client.grpc.Collections.PayloadIndexParams.IndexParamsCase.INDEXPARAMS_NOT_SET) {
                        schema.setParams(index.params());
                    }
                    info.putPayloadSchema(index.key(), schema.build());
                });
                return GetCollectionInfoResponse.newBuilder().setResult(info).build();
            }
        });
    }

    @Override
    public void list(ListCollectionsRequest request, StreamObserver<ListCollectionsResponse> response) {
        respond(response, () -> {
            synchronized (qdrant) {
                ListCollectionsResponse.Builder list = ListCollectionsResponse.newBuilder();
                qdrant.collections.keySet().forEach(name -> list.addCollections(CollectionDescription.newBuilder().setName(name)));
                return list.build();
            }
        });
    }

    @Override
    public void update(UpdateCollection request, StreamObserver<CollectionOperationResponse> response) {
        respond(response, () -> {
            if (request.hasOptimizersConfig() || request.hasParams() || request.hasHnswConfig() || request.hasVectorsConfig()
                    || request.hasQuantizationConfig() || request.hasSparseVectorsConfig() || request.hasStrictModeConfig()) {
                throw QdrantStatus.invalidArgument("the fake Qdrant implements updates of collection metadata only");
            }
            ObjectNode update = PayloadJson.toJson(qdrant.keepsCollectionMetadata() ? request.getMetadataMap() : Map.of());
            synchronized (qdrant) {
                qdrant.collection(request.getCollectionName()).mergeMetadata(update);
            }
            return CollectionOperationResponse.newBuilder().setResult(true).build();
        });
    }

    @Override
    public void delete(DeleteCollection request, StreamObserver<CollectionOperationResponse> response) {
        respond(response, () -> {
            synchronized (qdrant) {
                boolean existed = qdrant.collections.remove(request.getCollectionName()) != null;
                return CollectionOperationResponse.newBuilder().setResult(existed).build();
            }
        });
    }

    @Override
    public void collectionExists(CollectionExistsRequest request, StreamObserver<CollectionExistsResponse> response) {
        respond(response, () -> {
            synchronized (qdrant) {
                boolean exists = qdrant.collections.containsKey(request.getCollectionName());
                return CollectionExistsResponse.newBuilder().setResult(CollectionExists.newBuilder().setExists(exists)).build();
            }
        });
    }

    static <T> void respond(StreamObserver<T> response, Supplier<T> handler) {
        T result;
        try {
            result = handler.get();
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
