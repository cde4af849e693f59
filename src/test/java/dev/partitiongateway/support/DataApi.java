package dev.partitiongateway.support;

import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;

import io.restassured.response.ValidatableResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Helpers for tests of the tenant data API. */
public final class DataApi {

    private DataApi() {
    }

    public static String createCollection(String hint, int dimension, String metric) {
        String name = hint + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        asOperator().body(Map.of("name", name, "dimension", dimension, "metric", metric))
                .post("/v1/admin/collections").then().statusCode(201);
        return name;
    }

    public static Map<String, Object> vector(String id, List<Double> values, Map<String, Object> metadata) {
        Map<String, Object> v = new HashMap<>();
        v.put("id", id);
        v.put("values", values);
        if (metadata != null) {
            v.put("metadata", metadata);
        }
        return v;
    }

    public static Map<String, Object> vector(String id, double... values) {
        List<Double> list = new ArrayList<>();
        for (double d : values) {
            list.add(d);
        }
        return vector(id, list, null);
    }

    public static ValidatableResponse upsert(String key, String collection, List<Map<String, Object>> vectors) {
        return as(key).body(Map.of("vectors", vectors)).put("/v1/collections/" + collection + "/vectors").then();
    }

    public static ValidatableResponse search(String key, String collection, Map<String, Object> body) {
        return as(key).body(body).post("/v1/collections/" + collection + "/search").then();
    }

    public static ValidatableResponse fetch(String key, String collection, String id) {
        return as(key).get("/v1/collections/{c}/vectors/{id}", collection, id).then();
    }

    public static ValidatableResponse delete(String key, String collection, Map<String, Object> body) {
        return as(key).body(body).post("/v1/collections/" + collection + "/vectors/delete").then();
    }

    public static long usage(String key) {
        return ((Number) as(key).get("/v1/tenant").then().statusCode(200).extract().path("usage.vectors")).longValue();
    }
}
