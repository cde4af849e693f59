package dev.partitiongateway.support;

import static dev.partitiongateway.support.TestApi.as;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/** What the split and promotion tests run while vectors move: a tenant's writes, and where a move will stop. */
public final class MoveWorkload {

    private MoveWorkload() {
    }

    /**
     * New vectors, new values of existing ones ({@code v0}..{@code v299}) and deletes, one request after
     * the other until {@code stop}, into the model as acknowledged; deleted ids are added to {@code deleted}.
     * A re-written id may be in the batch a move holds: that write waits for the batch.
     */
    public static Void churn(VectorModel model, String collection, AtomicBoolean stop, List<String> deleted, long seed) {
        Random random = new Random(seed);
        int round = 0;
        while (!stop.get()) {
            List<Map<String, Object>> batch = new ArrayList<>();
            Map<String, float[]> written = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                String id = "w" + round + "-" + i;
                float[] v = model.random(random);
                batch.add(VectorModel.json(id, v, Map.of()));
                written.put(id, v);
            }
            String again = "v" + random.nextInt(300);
            float[] v = model.random(random);
            batch.add(VectorModel.json(again, v, Map.of()));
            written.put(again, v);
            as(model.key()).body(Map.of("vectors", batch)).put("/v1/collections/" + collection + "/vectors").then().statusCode(200);
            model.live().putAll(written);
            if (round % 3 == 2) {
                String gone = "w" + (round - 1) + "-0";
                as(model.key()).body(Map.of("ids", List.of(gone))).post("/v1/collections/" + collection + "/vectors/delete").then()
                        .statusCode(200);
                model.live().remove(gone);
                deleted.add(gone);
            }
            round++;
        }
        return null;
    }

    /** The id of the tenant's registry row at {@code offset} in the order a move walks them. */
    public static String rowAt(DataSource dataSource, String collection, String tenant, int offset) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                SELECT external_id FROM vector_registry WHERE tenant_id = ? AND collection = ? ORDER BY tenant_id, external_id OFFSET ? LIMIT 1""")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            s.setInt(3, offset);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
