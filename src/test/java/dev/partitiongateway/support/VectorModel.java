package dev.partitiongateway.support;

import static dev.partitiongateway.support.TestApi.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What one tenant's vectors in one collection must be: id -> values. Writes go through the API and
 * into the model when acknowledged; {@link #assertStored} compares the two through batch fetches.
 * Every vector carries its own id in metadata {@code key}, so a search can pin it with a filter.
 */
public final class VectorModel {

    private final String key;
    private final String collection;
    private final int dimension;
    private final Map<String, float[]> live = new LinkedHashMap<>();

    public VectorModel(String key, String collection, int dimension) {
        this.key = key;
        this.collection = collection;
        this.dimension = dimension;
    }

    /** The tenant's read-write key. */
    public String key() {
        return key;
    }

    public Map<String, float[]> live() {
        return live;
    }

    public float[] random(Random random) {
        float[] v = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            v[d] = random.nextFloat() * 2 - 1;
        }
        v[0] += 3; // never all-zero (cosine refuses it)
        return v;
    }

    /** The JSON of one vector with its id in metadata {@code key} plus {@code extra}. */
    public static Map<String, Object> json(String id, float[] values, Map<String, Object> extra) {
        List<Double> list = new ArrayList<>(values.length);
        for (float f : values) {
            list.add((double) f);
        }
        Map<String, Object> metadata = new HashMap<>(extra);
        metadata.put("key", id);
        return Map.of("id", id, "values", list, "metadata", metadata);
    }

    /** Upserts {@code count} new vectors named {@code prefix + i}, in batches; returns their ids. */
    public List<String> fill(String prefix, int count, Random random) {
        List<String> ids = new ArrayList<>();
        List<Map<String, Object>> batch = new ArrayList<>();
        Map<String, float[]> pending = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + i;
            float[] v = random(random);
            batch.add(json(id, v, Map.of()));
            pending.put(id, v);
            ids.add(id);
            if (batch.size() == 1000 || i == count - 1) {
                as(key).body(Map.of("vectors", batch)).put("/v1/collections/" + collection + "/vectors").then().statusCode(200);
                live.putAll(pending);
                batch.clear();
                pending.clear();
            }
        }
        return ids;
    }

    /** Every live vector is fetched with its values, and every id in {@code deleted} is missing. */
    public void assertStored(List<String> deleted) {
        List<String> ids = new ArrayList<>(live.keySet());
        for (int i = 0; i < ids.size(); i += 1000) {
            List<String> chunk = ids.subList(i, Math.min(i + 1000, ids.size()));
            JsonPath page = as(key).body(Map.of("ids", chunk)).post("/v1/collections/" + collection + "/vectors/fetch")
                    .then().statusCode(200).extract().jsonPath();
            assertThat(page.getList("missing", String.class)).as("acknowledged vectors missing").isEmpty();
            List<Map<String, Object>> vectors = page.getList("vectors");
            for (Map<String, Object> v : vectors) {
                assertThat(toFloats(v.get("values"))).as("values of " + v.get("id")).containsExactly(live.get((String) v.get("id")));
            }
        }
        for (int i = 0; i < deleted.size(); i += 1000) {
            List<String> chunk = deleted.subList(i, Math.min(i + 1000, deleted.size()));
            JsonPath page = as(key).body(Map.of("ids", chunk)).post("/v1/collections/" + collection + "/vectors/fetch")
                    .then().statusCode(200).extract().jsonPath();
            assertThat(page.getList("vectors.id", String.class)).as("deleted vectors that came back").isEmpty();
        }
    }

    /** A search for the vector with its exact values, pinned to its id by a filter: the ids it returns (each must be the one). */
    public List<String> findExactly(String id, float[] values) {
        List<Double> vector = new ArrayList<>();
        for (float f : values) {
            vector.add((double) f);
        }
        return as(key).body(Map.of("vector", vector, "topK", 3, "filter", Map.of("key", id), "includeMetadata", false))
                .post("/v1/collections/" + collection + "/search").then().statusCode(200).extract().jsonPath().getList("results.id", String.class);
    }

    public static float[] toFloats(Object values) {
        List<?> list = (List<?>) values;
        float[] f = new float[list.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) list.get(i)).floatValue();
        }
        return f;
    }
}
