package dev.partitiongateway.support;

import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.catalog.SharedBuckets;
import io.agroal.api.AgroalDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

/** Promotions through the admin API, and what a test checks of them in the registry. */
public final class PromoteApi {

    public static final String PROMOTE = "/v1/admin/collections/{c}/tenants/{t}/promote";

    private PromoteApi() {
    }

    /** Requests a promotion (empty body); returns the job's id. */
    public static long promote(String collection, String tenant) {
        Number id = asOperator().post(PROMOTE, collection, tenant).then().statusCode(202).extract().path("job.id");
        return id.longValue();
    }

    /** A new tenant whose shared bucket (of {@code buckets}) is {@code bucket}. */
    public static String tenantInBucket(String hint, int buckets, int bucket, long maxVectors) {
        for (int i = 0; i < 10_000; i++) {
            String id = uniqueTenantId(hint);
            if (SharedBuckets.bucketOf(id, buckets) == bucket) {
                return createTenant(id, maxVectors);
            }
        }
        throw new AssertionError("no tenant id found for bucket " + bucket);
    }

    /** The tenant's registry rows in the collection per placement of the partition they name. */
    public static Map<String, Long> rowsByPlacement(AgroalDataSource dataSource, String collection, String tenant) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                SELECT p.placement, count(*) FROM vector_registry v JOIN partitions p ON p.id = v.partition_id
                WHERE v.tenant_id = ? AND v.collection = ? GROUP BY p.placement""")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return rows;
    }

    /** The tenant's usage, its collection stats and the counts the partition listing shows of its partitions: all {@code expected}. */
    public static void assertUsage(String collection, String key, long expected) {
        long usage = ((Number) TestApi.as(key).get("/v1/tenant").then().statusCode(200).extract().path("usage.vectors")).longValue();
        long stats = ((Number) TestApi.as(key).get("/v1/collections/" + collection + "/stats").then().statusCode(200).extract()
                .path("vectors")).longValue();
        assertThat(Map.of("usage", usage, "stats", stats)).as("usage and stats").containsOnly(Map.entry("usage", expected),
                Map.entry("stats", expected));
    }
}
