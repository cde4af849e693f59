package dev.partitiongateway.adapter.qdrant.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qdrant.client.grpc.JsonWithInt.ListValue;
import io.qdrant.client.grpc.JsonWithInt.NullValue;
import io.qdrant.client.grpc.JsonWithInt.Struct;
import io.qdrant.client.grpc.JsonWithInt.Value;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Payload values between the protocol and storage, as Qdrant converts them
 * ({@code lib/api/src/conversions/json.rs}): an integer stays an integer and a double stays a double
 * (so a stored {@code 1.0} is not the integer {@code 1}), a double that is not finite is refused, and a
 * value without a kind is JSON null.
 */
final class PayloadJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PayloadJson() {
    }

    static ObjectNode toJson(Map<String, Value> payload) {
        ObjectNode object = NODES.objectNode();
        payload.forEach((key, value) -> object.set(key, toJson(value)));
        return object;
    }

    static JsonNode toJson(Value value) {
        return switch (value.getKindCase()) {
            case NULL_VALUE, KIND_NOT_SET -> NODES.nullNode();
            case DOUBLE_VALUE -> {
                double d = value.getDoubleValue();
                if (!Double.isFinite(d)) {
                    throw QdrantStatus.invalidArgument("cannot convert to json number");
                }
                yield NODES.numberNode(d);
            }
            case INTEGER_VALUE -> NODES.numberNode(value.getIntegerValue());
            case STRING_VALUE -> NODES.textNode(value.getStringValue());
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case STRUCT_VALUE -> toJson(value.getStructValue().getFieldsMap());
            case LIST_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                value.getListValue().getValuesList().forEach(element -> array.add(toJson(element)));
                yield array;
            }
        };
    }

    static Map<String, Value> toProto(ObjectNode payload) {
        Map<String, Value> map = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = payload.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            map.put(field.getKey(), toProto(field.getValue()));
        }
        return map;
    }

    static Value toProto(JsonNode node) {
        Value.Builder value = Value.newBuilder();
        if (node.isNull()) {
            value.setNullValue(NullValue.NULL_VALUE);
        } else if (node.isIntegralNumber() && node.canConvertToLong()) {
            value.setIntegerValue(node.longValue());
        } else if (node.isNumber()) {
            value.setDoubleValue(node.doubleValue());
        } else if (node.isTextual()) {
            value.setStringValue(node.textValue());
        } else if (node.isBoolean()) {
            value.setBoolValue(node.booleanValue());
        } else if (node.isObject()) {
            value.setStructValue(Struct.newBuilder().putAllFields(toProto((ObjectNode) node)));
        } else {
            ListValue.Builder list = ListValue.newBuilder();
            node.forEach(element -> list.addValues(toProto(element)));
            value.setListValue(list);
        }
        return value.build();
    }
}
