package dev.partitiongateway.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.support.GatewayProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The calls the process-level tests make, on whichever gateway process they give. */
final class GatewayClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private GatewayClient() {
    }

    static JsonNode json(GatewayProcess.Answer answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + answer.status() + "): " + answer.body(), e);
        }
    }

    static GatewayProcess.Answer admin(GatewayProcess g, String method, String path, String body) {
        return g.call(method, path, GatewayProcess.OPERATOR_KEY, body);
    }

    /** Creates a tenant and returns a read-write key for it. */
    static String tenantWithKey(GatewayProcess g, String tenant, long quota) {
        expect(admin(g, "POST", "/v1/admin/tenants", "{\"id\":\"" + tenant + "\",\"quota\":{\"maxVectors\":" + quota + "}}"), 201);
        return json(expect(admin(g, "POST", "/v1/admin/tenants/" + tenant + "/keys", "{\"name\":\"it\",\"scopes\":[\"read\",\"write\"]}"), 201))
                .get("key").asText();
    }

    static void collection(GatewayProcess g, String name, int dimension, String metric) {
        expect(admin(g, "POST", "/v1/admin/collections", "{\"name\":\"" + name + "\",\"dimension\":" + dimension + ",\"metric\":\"" + metric + "\"}"), 201);
    }

    static String vectors(List<String> ids, int dimension, Random random) {
        StringBuilder body = new StringBuilder("{\"vectors\":[");
        for (int i = 0; i < ids.size(); i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(ids.get(i)).append("\",\"values\":[");
            for (int d = 0; d < dimension; d++) {
                body.append(d == 0 ? "" : ",").append(random.nextFloat() * 2 - 1);
            }
            body.append("]}");
        }
        return body.append("]}").toString();
    }

    /** Ids of every vector a search sees (the collection must hold fewer than {@code topK}). */
    static List<String> allIds(GatewayProcess g, String key, String collection, int dimension, int topK) {
        StringBuilder vector = new StringBuilder("[1");
        for (int d = 1; d < dimension; d++) {
            vector.append(",0");
        }
        vector.append("]");
        JsonNode results = json(expect(g.call("POST", "/v1/collections/" + collection + "/search", key,
                "{\"vector\":" + vector + ",\"topK\":" + topK + ",\"includeMetadata\":false}"), 200)).get("results");
        List<String> ids = new ArrayList<>();
        results.forEach(r -> ids.add(r.get("id").asText()));
        return ids;
    }

    static long usage(GatewayProcess g, String key) {
        return json(expect(g.call("GET", "/v1/tenant", key, null), 200)).get("usage").get("vectors").asLong();
    }

    static GatewayProcess.Answer expect(GatewayProcess.Answer answer, int status) {
        if (answer.status() != status) {
            throw new AssertionError("expected " + status + " but got " + answer.status() + ": " + answer.body());
        }
        return answer;
    }
}
