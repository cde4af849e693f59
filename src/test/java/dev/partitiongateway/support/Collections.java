package dev.partitiongateway.support;

import static dev.partitiongateway.support.TestApi.asOperator;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Collections with a partitioning strategy, and what the admin API says of their partitions. */
public final class Collections {

    private Collections() {
    }

    public static String create(String hint, int dimension, String metric, Map<String, Object> partitioning) {
        return create(hint, dimension, metric, partitioning, null);
    }

    public static String create(String hint, int dimension, String metric, Map<String, Object> partitioning, String backend) {
        String name = hint + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        Map<String, Object> body = new HashMap<>(Map.of("name", name, "dimension", dimension, "metric", metric, "partitioning", partitioning));
        if (backend != null) {
            body.put("backend", backend);
        }
        asOperator().body(body).post("/v1/admin/collections").then().statusCode(201);
        return name;
    }

    /** Every partition of the collection (all pages), as the admin API lists them. */
    public static List<Map<String, Object>> partitions(String collection) {
        List<Map<String, Object>> all = new java.util.ArrayList<>();
        String cursor = null;
        do {
            var page = asOperator().queryParam("limit", 50).queryParam("cursor", cursor == null ? "" : cursor)
                    .get("/v1/admin/collections/" + collection + "/partitions").then().statusCode(200).extract();
            List<Map<String, Object>> partitions = page.path("partitions");
            all.addAll(partitions);
            cursor = page.path("next");
        } while (cursor != null);
        return all;
    }

    /** The placement names of one tenant's partitions. */
    public static List<String> placements(String collection, String tenant) {
        return partitions(collection).stream().filter(p -> tenant.equals(p.get("tenant"))).map(p -> (String) p.get("placement")).toList();
    }
}
