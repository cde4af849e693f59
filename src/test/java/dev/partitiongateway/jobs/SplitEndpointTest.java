package dev.partitiongateway.jobs;

import static dev.partitiongateway.jobs.SplitShardsTest.byPlacement;
import static dev.partitiongateway.jobs.SplitShardsTest.onlyPlacement;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.SplitApi.split;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.VectorModel;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile and malformed split requests: each gets its 4xx problem with a stable code, and none
 * creates a job or changes the partition.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SplitEndpointTest {

    private static final String SPLIT = "/v1/admin/collections/{c}/partitions/{p}/split";

    @Test
    void should_answer_every_hostile_split_request_with_a_problem_and_change_nothing() {
        String collection = Collections.create("splithostile", 4, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId("hostile"), 100);
        String key = readWriteKey(tenant);
        new VectorModel(key, collection, 4).fill("v", 5, new Random(41));
        String placement = onlyPlacement(collection, tenant);

        // Bodies: wrong types, out of range, unknown fields, duplicate keys, trailing junk, not JSON, not an object.
        for (String body : List.of("{\"into\":1}", "{\"into\":0}", "{\"into\":-2}", "{\"into\":17}", "{\"into\":2147483648}",
                "{\"into\":99999999999999999999}", "{\"into\":\"2\"}", "{\"into\":2.0}", "{\"into\":2.5}", "{\"into\":true}",
                "{\"into\":null}", "{\"into\":[2]}", "{\"into\":{\"k\":2}}", "{}", "[]", "2", "null", "\"into\"",
                "{\"into\":2,\"by\":\"tenant\"}", "{\"into\":2,\"into\":3}", "{\"into\":2}{\"into\":3}", "{\"into\":2} x", "{\"into\":",
                "{into:2}", "", "{\"into\":2,\"x\":" + "[".repeat(100) + "]".repeat(100) + "}")) {
            asOperator().body(body).post(SPLIT, collection, placement).then().statusCode(400)
                    .contentType(startsWith("application/problem+json")).body("code", org.hamcrest.Matchers.oneOf("VALIDATION_FAILED",
                            "MALFORMED_JSON"));
        }
        asOperator().contentType(ContentType.TEXT).body("{\"into\":2}").post(SPLIT, collection, placement).then().statusCode(415);

        // Names: unknown, malformed, injected, too long, another collection's, a tenant's key instead of the operator's.
        for (String name : List.of("nothing_here", "T_UPPER", "a b", "a;drop table partitions", "../" + placement, placement + "'--",
                "x".repeat(300), "b_0000", "\u00e9t\u00e9", "%00")) {
            asOperator().body(Map.of("into", 2)).post(SPLIT, collection, name).then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        }
        asOperator().body(Map.of("into", 2)).post(SPLIT, "no_such_collection", placement).then().statusCode(404);
        asOperator().body(Map.of("into", 2)).post(SPLIT, "Bad-Name", placement).then().statusCode(404);
        String other = Collections.create("splitother", 4, "COSINE", Map.of("strategy", "TENANT"));
        asOperator().body(Map.of("into", 2)).post(SPLIT, other, placement).then().statusCode(404);
        given().contentType(ContentType.JSON).body(Map.of("into", 2)).post(SPLIT, collection, placement).then().statusCode(401)
                .body("code", equalTo("UNAUTHENTICATED"));
        as(key).body(Map.of("into", 2)).post(SPLIT, collection, placement).then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        asOperator().body(Map.of("into", 2)).get(SPLIT, collection, placement).then().statusCode(405);

        // Nothing changed: no job, the partition as it was.
        assertThat(asOperator().queryParam("collection", collection).get("/v1/admin/jobs").then().statusCode(200).extract()
                .jsonPath().getList("jobs")).isEmpty();
        Map<String, Map<String, Object>> partitions = byPlacement(collection, tenant);
        assertThat(partitions.keySet()).containsExactly(placement);
        assertThat(partitions.get(placement).get("state")).isEqualTo("ACTIVE");
        assertThat(partitions.get(placement).get("shard")).isEqualTo(Map.of("modulus", 1, "residue", 0));
    }

    @Test
    void should_refuse_a_split_finer_than_4096_shards_of_a_key() {
        String collection = Collections.create("splitfine", 4, "COSINE", Map.of("strategy", "TENANT"));
        String tenant = createTenant(uniqueTenantId("fine"), 100);
        new VectorModel(readWriteKey(tenant), collection, 4).fill("v", 1, new Random(42));
        String whole = onlyPlacement(collection, tenant);

        awaitJob(split(collection, whole, 16), "SUCCEEDED", PATIENCE);
        awaitJob(split(collection, whole + "_s16_3", 16), "SUCCEEDED", PATIENCE);
        awaitJob(split(collection, whole + "_s256_3", 16), "SUCCEEDED", PATIENCE);

        asOperator().body(Map.of("into", 2)).post(SPLIT, collection, whole + "_s4096_3").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("into"));
        assertThat(byPlacement(collection, tenant)).hasSize(15 + 15 + 16).containsKey(whole + "_s4096_3");
    }
}
