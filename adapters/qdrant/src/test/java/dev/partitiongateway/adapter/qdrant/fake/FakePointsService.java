package dev.partitiongateway.adapter.qdrant.fake;

import static dev.partitiongateway.adapter.qdrant.fake.FakeCollectionsService.respond;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Points.CountPoints;
import io.qdrant.client.grpc.Points.CountResponse;
import io.qdrant.client.grpc.Points.CountResult;
import io.qdrant.client.grpc.Points.CreateFieldIndexCollection;
import io.qdrant.client.grpc.Points.DeleteFieldIndexCollection;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.DenseVector;
import io.qdrant.client.grpc.Points.GetPoints;
import io.qdrant.client.grpc.Points.GetResponse;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsOperationResponse;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.QueryResponse;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.UpdateResult;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.qdrant.client.grpc.Points.Vector;
import io.qdrant.client.grpc.Points.VectorInput;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.qdrant.client.grpc.Points.VectorsOutput;
import io.qdrant.client.grpc.Points.WithPayloadSelector;
import io.qdrant.client.grpc.Points.WithVectorsSelector;
import io.qdrant.client.grpc.PointsGrpc;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Qdrant's {@code Points} service for one unnamed dense vector per point:
 * <ul>
 *   <li>upsert and delete go through the update queue: {@code wait=true} answers {@code Completed}
 *       once applied, {@code wait} unset or false answers {@code Acknowledged} and applies later;
 *       delete answers no count;</li>
 *   <li>a vector of the wrong size is "Wrong input: Vector dimension error: expected dim: D, got N";</li>
 *   <li>query ranks by the collection's distance (Cosine and Dot descending, Euclid as the real
 *       distance ascending) after the same preprocessing as storage; limit defaults to 10;</li>
 *   <li>scroll returns points in id order from {@code offset} inclusive, with {@code next_page_offset}
 *       the first id of the next page and absent on the last one; a limit of 0 is a validation error;</li>
 *   <li>count is exact unless {@code exact=false}, when a filtered count is only an estimate (the
 *       fake answers with the size of the collection, an upper bound);</li>
 *   <li>filters on unindexed keys are refused in strict mode; payload indexes hold one schema per key.</li>
 * </ul>
 */
final class FakePointsService extends PointsGrpc.PointsImplBase {

    private final FakeQdrant qdrant;

    FakePointsService(FakeQdrant qdrant) {
        this.qdrant = qdrant;
    }

    @Override
    public void upsert(UpsertPoints request, StreamObserver<PointsOperationResponse> response) {
        respond(response, () -> {
            if (request.hasUpdateFilter() || (request.hasUpdateMode() && request.getUpdateModeValue() != 0)) {
                throw QdrantStatus.invalidArgument("the fake Qdrant does not implement conditional upserts or update modes");
            }
            String name = request.getCollectionName();
            List<StoredPoint> points = new ArrayList<>();
            synchronized (qdrant) {
                FakeCollection collection = qdrant.collection(name);
                for (PointStruct point : request.getPointsList()) {
                    PointId id = PointId.of(point.getId());
                    float[] vector = vector(collection, point);
                    ObjectNode payload = PayloadJson.toJson(point.getPayloadMap());
                    points.add(new StoredPoint(id, collection.preprocess(vector), payload));
                }
            }
            long operation = qdrant.write(() -> {
                FakeCollection collection = qdrant.collection(name);
                points.forEach(p -> collection.points.put(p.id(), p));
            }, request.getWait());
            return updated(operation, request.getWait());
        });
    }

    private static float[] vector(FakeCollection collection, PointStruct point) {
        Vector vector = switch (point.getVectors().getVectorsOptionsCase()) {
            case VECTOR -> point.getVectors().getVector();
            case VECTORS -> {
                Map<String, Vector> named = point.getVectors().getVectors().getVectorsMap();
                for (String vectorName : named.keySet()) {
                    if (!vectorName.isEmpty()) {
                        throw QdrantStatus.wrongInput("Not existing vector name error: " + vectorName);
                    }
                }
                yield named.get("");
            }
            case VECTORSOPTIONS_NOT_SET -> null;
        };
        if (vector == null) {
            throw QdrantStatus.wrongInput("Vector dimension error: expected dim: " + collection.dimension + ", got 0");
        }
        List<Float> values = switch (vector.getVectorCase()) {
            case DENSE -> vector.getDense().getDataList();
            case VECTOR_NOT_SET -> legacyData(vector);
            default -> throw QdrantStatus.invalidArgument("the fake Qdrant implements dense vectors only");
        };
        return checkedDimension(collection, values);
    }

    @SuppressWarnings("deprecation")
    private static List<Float> legacyData(Vector vector) {
        return vector.getDataList();
    }

    private static float[] checkedDimension(FakeCollection collection, List<Float> values) {
        if (values.size() != collection.dimension) {
            throw QdrantStatus.wrongInput("Vector dimension error: expected dim: " + collection.dimension + ", got " + values.size());
        }
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i);
        }
        return vector;
    }

    private static PointsOperationResponse updated(long operation, boolean wait) {
        return PointsOperationResponse.newBuilder()
                .setResult(UpdateResult.newBuilder().setOperationId(operation).setStatus(wait ? UpdateStatus.Completed : UpdateStatus.Acknowledged))
                .build();
    }

    @Override
    public void delete(DeletePoints request, StreamObserver<PointsOperationResponse> response) {
        respond(response, () -> {
            String name = request.getCollectionName();
            Predicate<StoredPoint> selected;
            synchronized (qdrant) {
                FakeCollection collection = qdrant.collection(name);
                selected = switch (request.getPoints().getPointsSelectorOneOfCase()) {
                    case POINTS -> {
                        Set<PointId> ids = new LinkedHashSet<>();
                        request.getPoints().getPoints().getIdsList().forEach(id -> ids.add(PointId.of(id)));
                        yield p -> ids.contains(p.id());
                    }
                    case FILTER -> {
                        PointFilter filter = PointFilter.of(request.getPoints().getFilter());
                        refuseUnindexed(collection, filter, true);
                        yield filter::test;
                    }
                    case POINTSSELECTORONEOF_NOT_SET -> throw QdrantStatus.invalidArgument("PointsSelector is missing");
                };
            }
            long operation = qdrant.write(() -> qdrant.collection(name).points.values().removeIf(selected), request.getWait());
            return updated(operation, request.getWait());
        });
    }

    @Override
    public void get(GetPoints request, StreamObserver<GetResponse> response) {
        respond(response, () -> {
            synchronized (qdrant) {
                FakeCollection collection = qdrant.collection(request.getCollectionName());
                Set<PointId> ids = new LinkedHashSet<>();
                request.getIdsList().forEach(id -> ids.add(PointId.of(id)));
                GetResponse.Builder result = GetResponse.newBuilder();
                boolean payload = !request.hasWithPayload() || wantsPayload(request.getWithPayload());
                for (PointId id : ids) {
                    StoredPoint point = collection.points.get(id);
                    if (point != null) {
                        result.addResult(retrieved(point, payload ? request.getWithPayload() : null, request.getWithVectors()));
                    }
                }
                return result.build();
            }
        });
    }

    @Override
    public void scroll(ScrollPoints request, StreamObserver<ScrollResponse> response) {
        respond(response, () -> {
            if (request.hasLimit() && request.getLimit() == 0) {
                throw QdrantStatus.validation("limit", "value 0 invalid, must be 1 or larger");
            }
            if (request.hasOrderBy()) {
                throw QdrantStatus.invalidArgument("the fake Qdrant does not implement order_by");
            }
            int limit = request.hasLimit() ? request.getLimit() : 10;
            synchronized (qdrant) {
                FakeCollection collection = qdrant.collection(request.getCollectionName());
                PointFilter filter = request.hasFilter() ? PointFilter.of(request.getFilter()) : PointFilter.none();
                refuseUnindexed(collection, filter, false);
                Map<PointId, StoredPoint> from = request.hasOffset()
                        ? collection.points.tailMap(PointId.of(request.getOffset()), true) : collection.points;
                List<StoredPoint> page = from.values().stream().filter(filter::test).limit(limit + 1L).toList();
                ScrollResponse.Builder result = ScrollResponse.newBuilder();
                boolean payload = !request.hasWithPayload() || wantsPayload(request.getWithPayload());
                page.stream().limit(limit).forEach(p -> result.addResult(retrieved(p, payload ? request.getWithPayload() : null, request.getWithVectors())));
                if (page.size() > limit) {
                    result.setNextPageOffset(page.get(limit).id().toProto());
                }
                return result.build();
            }
        });
    }

    @Override
    public void count(CountPoints request, StreamObserver<CountResponse> response) {
        respond(response, () -> {
            synchronized (qdrant) {
                FakeCollection collection = qdrant.collection(request.getCollectionName());
                PointFilter filter = request.hasFilter() ? PointFilter.of(request.getFilter()) : PointFilter.none();
                refuseUnindexed(collection, filter, false);
                boolean exact = !request.hasExact() || request.getExact();
                long count = exact || !request.hasFilter()
                        ? collection.points.values().stream().filter(filter::test).count()
                        : collection.points.size();
                return CountResponse.newBuilder().setResult(CountResult.newBuilder().setCount(count)).build();
            }
        });
    }

    @Override
    public void query(QueryPoints request, StreamObserver<QueryResponse> response) {
        respond(response, () -> {
            if (request.getPrefetchCount() > 0 || !request.hasQuery() || request.getQuery().getVariantCase() != io.qdrant.client.grpc.Points.Query.VariantCase.NEAREST) {
                throw QdrantStatus.invalidArgument("the fake Qdrant implements nearest-vector queries only");
            }
            if (!request.getUsing().isEmpty()) {
                throw QdrantStatus.wrongInput("Not existing vector name error: " + request.getUsing());
            }
            VectorInput input = request.getQuery().getNearest();
            if (input.getVariantCase() != VectorInput.VariantCase.DENSE) {
                throw QdrantStatus.invalidArgument("the fake Qdrant implements dense query vectors only");
            }
            long limit = request.hasLimit() ? request.getLimit() : 10;
            long offset = request.hasOffset() ? request.getOffset() : 0;
            synchronized (qdrant) {
                FakeCollection collection = qdrant.collection(request.getCollectionName());
                float[] query = collection.preprocess(checkedDimension(collection, input.getDense().getDataList()));
                PointFilter filter = request.hasFilter() ? PointFilter.of(request.getFilter()) : PointFilter.none();
                refuseUnindexed(collection, filter, false);
                Comparator<ScoredPoint> best = Comparator.comparingDouble(ScoredPoint::getScore);
                if (collection.higherIsBetter()) {
                    best = best.reversed();
                }
                boolean payload = request.hasWithPayload() && wantsPayload(request.getWithPayload());
                List<ScoredPoint> ranked = new ArrayList<>();
                for (StoredPoint point : collection.points.values()) {
                    if (!filter.test(point)) {
                        continue;
                    }
                    float score = collection.score(query, point.vector());
                    if (request.hasScoreThreshold() && !passes(collection, score, request.getScoreThreshold())) {
                        continue;
                    }
                    RetrievedPoint shaped = retrieved(point, payload ? request.getWithPayload() : null, request.getWithVectors());
                    ScoredPoint.Builder scored = ScoredPoint.newBuilder().setId(shaped.getId()).putAllPayload(shaped.getPayloadMap())
                            .setScore(score).setVersion(0);
                    if (shaped.hasVectors()) {
                        scored.setVectors(shaped.getVectors());
                    }
                    ranked.add(scored.build());
                }
                ranked.sort(best.thenComparing(p -> PointId.of(p.getId())));
                return QueryResponse.newBuilder().addAllResult(ranked.stream().skip(offset).limit(limit).toList()).build();
            }
        });
    }

    private static boolean passes(FakeCollection collection, float score, float threshold) {
        return collection.higherIsBetter() ? score > threshold : score < threshold;
    }

    @Override
    public void createFieldIndex(CreateFieldIndexCollection request, StreamObserver<PointsOperationResponse> response) {
        respond(response, () -> {
            String name = request.getCollectionName();
            PayloadPath key = PayloadPath.parse(request.getFieldName());
            PayloadSchemaType type = schemaType(request);
            PayloadIndexParams params = request.hasFieldIndexParams() ? request.getFieldIndexParams() : null;
            synchronized (qdrant) {
                String refusal = qdrant.collection(name).payloadIndexLimitProblem();
                if (refusal != null) {
                    throw QdrantStatus.badRequest(refusal);
                }
            }
            long operation = qdrant.write(() -> qdrant.collection(name).payloadIndexes.put(key,
                    new FakeCollection.PayloadIndex(request.getFieldName(), type, params)), request.getWait());
            return updated(operation, request.getWait());
        });
    }

    private static PayloadSchemaType schemaType(CreateFieldIndexCollection request) {
        PayloadSchemaType fromParams = !request.hasFieldIndexParams() ? null : switch (request.getFieldIndexParams().getIndexParamsCase()) {
            case KEYWORD_INDEX_PARAMS -> PayloadSchemaType.Keyword;
            case INTEGER_INDEX_PARAMS -> PayloadSchemaType.Integer;
            case FLOAT_INDEX_PARAMS -> PayloadSchemaType.Float;
            case GEO_INDEX_PARAMS -> PayloadSchemaType.Geo;
            case TEXT_INDEX_PARAMS -> PayloadSchemaType.Text;
            case BOOL_INDEX_PARAMS -> PayloadSchemaType.Bool;
            case DATETIME_INDEX_PARAMS -> PayloadSchemaType.Datetime;
            case UUID_INDEX_PARAMS -> PayloadSchemaType.Uuid;
            case INDEXPARAMS_NOT_SET -> null;
        };
        PayloadSchemaType fromType = !request.hasFieldType() ? null : switch (request.getFieldType()) {
            case FieldTypeKeyword -> PayloadSchemaType.Keyword;
            case FieldTypeInteger -> PayloadSchemaType.Integer;
            case FieldTypeFloat -> PayloadSchemaType.Float;
            case FieldTypeGeo -> PayloadSchemaType.Geo;
            case FieldTypeText -> PayloadSchemaType.Text;
            case FieldTypeBool -> PayloadSchemaType.Bool;
            case FieldTypeDatetime -> PayloadSchemaType.Datetime;
            case FieldTypeUuid -> PayloadSchemaType.Uuid;
            case UNRECOGNIZED -> null;
        };
        if (fromType == null && fromParams == null) {
            throw QdrantStatus.wrongInput("Can't auto-detect field type, please specify `field_schema` in the request");
        }
        if (fromType != null && fromParams != null && fromType != fromParams) {
            throw QdrantStatus.invalidArgument("field_type " + fromType + " does not match field_index_params " + fromParams);
        }
        return fromType != null ? fromType : fromParams;
    }

    @Override
    public void deleteFieldIndex(DeleteFieldIndexCollection request, StreamObserver<PointsOperationResponse> response) {
        respond(response, () -> {
            String name = request.getCollectionName();
            PayloadPath key = PayloadPath.parse(request.getFieldName());
            synchronized (qdrant) {
                qdrant.collection(name);
            }
            long operation = qdrant.write(() -> qdrant.collection(name).payloadIndexes.remove(key), request.getWait());
            return updated(operation, request.getWait());
        });
    }

    private static void refuseUnindexed(FakeCollection collection, PointFilter filter, boolean update) {
        String problem = collection.unindexedKeyProblem(filter, update);
        if (problem != null) {
            throw QdrantStatus.badRequest(problem);
        }
    }

    private static boolean wantsPayload(WithPayloadSelector selector) {
        return selector.getSelectorOptionsCase() != WithPayloadSelector.SelectorOptionsCase.ENABLE || selector.getEnable();
    }

    /** The point as Qdrant returns it: the payload shaped by the selector, the stored (preprocessed) vector if asked. */
    private static RetrievedPoint retrieved(StoredPoint point, WithPayloadSelector payload, WithVectorsSelector vectors) {
        RetrievedPoint.Builder retrieved = RetrievedPoint.newBuilder().setId(point.id().toProto());
        if (payload != null) {
            ObjectNode shaped = switch (payload.getSelectorOptionsCase()) {
                case INCLUDE -> {
                    List<PayloadPath> include = payload.getInclude().getFieldsList().stream().map(PayloadPath::parse).toList();
                    yield PayloadPath.filter(point.payload(), path -> include.stream().anyMatch(path::compatibleWith));
                }
                case EXCLUDE -> {
                    List<PayloadPath> exclude = payload.getExclude().getFieldsList().stream().map(PayloadPath::parse).toList();
                    yield PayloadPath.filter(point.payload(), path -> exclude.stream().noneMatch(path::isAtOrUnder));
                }
                default -> point.payload();
            };
            retrieved.putAllPayload(PayloadJson.toProto(shaped));
        }
        boolean withVectors = vectors.getSelectorOptionsCase() == WithVectorsSelector.SelectorOptionsCase.ENABLE
                ? vectors.getEnable()
                : vectors.getSelectorOptionsCase() == WithVectorsSelector.SelectorOptionsCase.INCLUDE && vectors.getInclude().getNamesList().contains("");
        if (withVectors) {
            DenseVector.Builder dense = DenseVector.newBuilder();
            for (float v : point.vector()) {
                dense.addData(v);
            }
            retrieved.setVectors(VectorsOutput.newBuilder().setVector(VectorOutput.newBuilder().setDense(dense)));
        }
        return retrieved.build();
    }
}
