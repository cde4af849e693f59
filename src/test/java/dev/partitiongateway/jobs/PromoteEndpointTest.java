package dev.partitiongateway.jobs;

import static dev.partitiongateway.support.PromoteApi.PROMOTE;
import static dev.partitiongateway.support.PromoteApi.promote;
import static dev.partitiongateway.support.PromoteApi.rowsByPlacement;
import static dev.partitiongateway.support.PromoteApi.tenantInBucket;
import static dev.partitiongateway.support.SplitApi.PATIENCE;
import static dev.partitiongateway.support.SplitApi.awaitJob;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.oneOf;
import static org.hamcrest.Matchers.startsWith;

import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.VectorModel;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Promotion requests that must be refused get their problem, and none creates a job or changes the
 * directory or the registry; a tenant without vectors is promoted and takes its next writes in its own
 * partition; a promoted tenant stays promoted and a second promotion is refused.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PromoteEndpointTest {

    private static final int BUCKETS = 4;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_refuse_every_hostile_or_impossible_promotion_with_a_problem_and_change_nothing() throws Exception {
        String collection = Collections.create("promotehostile", 4, "COSINE", Map.of("strategy", "SHARED_HASH", "buckets", BUCKETS));
        String tenant = tenantInBucket("hostile", BUCKETS, 0, 100);
        String key = readWriteKey(tenant);
        new VectorModel(key, collection, 4).fill("v", 5, new Random(71));
        String bucket = new PartitionKey.Bucket(0).placementName(null);
        List<Map<String, Object>> before = Collections.partitions(collection);

        // Bodies other than nothing or {}: unknown fields, not an object, trailing junk, not JSON.
        for (String body : List.of("{\"x\":1}", "[]", "2", "\"x\"", "{} x", "{}{}", "{", "{x:1}", "{\"into\":2}")) {
            asOperator().body(body).post(PROMOTE, collection, tenant).then().statusCode(400)
                    .contentType(startsWith("application/problem+json")).body("code", oneOf("VALIDATION_FAILED", "MALFORMED_JSON"));
        }
        asOperator().contentType(ContentType.TEXT).body("{}").post(PROMOTE, collection, tenant).then().statusCode(415);

        // Tenants: unknown, malformed, NUL, control characters, lone surrogates, very long, injected.
        for (String name : List.of("nobody-" + tenant, "UPPER", "a b", "a\u0000b", "a\u0001b", "\t", "a\nb", "\ud800", "x\udfffy",
                "x".repeat(65), "y".repeat(5000), "a;drop table partitions", "../" + tenant, tenant + "'--", "%00", "\u00e9t\u00e9")) {
            asOperator().post(PROMOTE, collection, name).then().statusCode(oneOf(404, 400, 414));
        }
        asOperator().post(PROMOTE, collection, "nobody-" + tenant).then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        asOperator().post(PROMOTE, collection, "a\u0000b").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        asOperator().post(PROMOTE, collection, "\ud800").then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        asOperator().post(PROMOTE, "no_such_collection", tenant).then().statusCode(404).body("code", equalTo("NOT_FOUND"));
        asOperator().post(PROMOTE, "Bad-Name", tenant).then().statusCode(404);
        given().post(PROMOTE, collection, tenant).then().statusCode(401).body("code", equalTo("UNAUTHENTICATED"));
        as(key).post(PROMOTE, collection, tenant).then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        asOperator().get(PROMOTE, collection, tenant).then().statusCode(405);

        // The wrong strategy: a TENANT collection's tenants have partitions of their own already.
        String dedicated = Collections.create("promotededicated", 4, "COSINE", Map.of("strategy", "TENANT"));
        new VectorModel(key, dedicated, 4).fill("d", 3, new Random(72));
        asOperator().post(PROMOTE, dedicated, tenant).then().statusCode(409).body("code", equalTo("CONFLICT"));

        // Nothing changed: no job, the directory and the registry as they were.
        for (String c : List.of(collection, dedicated)) {
            assertThat(asOperator().queryParam("collection", c).get("/v1/admin/jobs").then().statusCode(200).extract()
                    .jsonPath().getList("jobs")).as("jobs of %s", c).isEmpty();
        }
        assertThat(Collections.partitions(collection)).isEqualTo(before);
        assertThat(rowsByPlacement(dataSource, collection, tenant)).containsExactly(Map.entry(bucket, 5L));

        // Accepted (empty body, and {}), then refused a second time: the tenant is promoted already, and stays so.
        awaitJob(promote(collection, tenant), "SUCCEEDED", PATIENCE);
        String own = new PartitionKey.Dedicated().placementName(tenant);
        assertThat(rowsByPlacement(dataSource, collection, tenant)).containsExactly(Map.entry(own, 5L));
        List<Map<String, Object>> promoted = Collections.partitions(collection);
        asOperator().post(PROMOTE, collection, tenant).then().statusCode(409).body("code", equalTo("CONFLICT"));
        asOperator().body("{}").post(PROMOTE, collection, tenant).then().statusCode(409).body("code", equalTo("CONFLICT"));
        assertThat(Collections.partitions(collection)).isEqualTo(promoted);
        assertThat(asOperator().queryParam("collection", collection).get("/v1/admin/jobs").then().statusCode(200).extract()
                .jsonPath().getList("jobs")).hasSize(1);
        new VectorModel(key, collection, 4).fill("after", 2, new Random(73));
        assertThat(rowsByPlacement(dataSource, collection, tenant)).containsExactly(Map.entry(own, 7L));
        // The promotion is in the audit log like every other admin action.
        assertThat(asOperator().queryParam("action", "promoteTenant").get("/v1/admin/audit").then().statusCode(200).extract()
                .jsonPath().getList("entries.status", Integer.class)).contains(202, 409);
    }

    @Test
    void should_promote_a_tenant_without_vectors_and_send_its_first_writes_to_its_own_partition() throws Exception {
        String collection = Collections.create("promoteempty", 4, "COSINE", Map.of("strategy", "SHARED_HASH", "buckets", BUCKETS));
        String tenant = createTenant(uniqueTenantId("empty"), 100);
        String neighbour = createTenant(uniqueTenantId("other"), 100);
        long job = asOperator().body("{}").post(PROMOTE, collection, tenant).then().statusCode(202)
                .body("job.type", equalTo("PROMOTE")).body("job.target", equalTo(tenant)).extract().jsonPath().getLong("job.id");
        awaitJob(job, "SUCCEEDED", PATIENCE);
        VectorModel model = new VectorModel(readWriteKey(tenant), collection, 4);
        model.fill("v", 3, new Random(74));
        new VectorModel(readWriteKey(neighbour), collection, 4).fill("n", 2, new Random(75));
        String own = new PartitionKey.Dedicated().placementName(tenant);
        assertThat(rowsByPlacement(dataSource, collection, tenant)).containsExactly(Map.entry(own, 3L));
        assertThat(rowsByPlacement(dataSource, collection, neighbour)).doesNotContainKey(own).hasSize(1);
        model.assertStored(List.of());
        assertThat(model.findExactly("v1", model.live().get("v1"))).containsExactly("v1");
    }
}
