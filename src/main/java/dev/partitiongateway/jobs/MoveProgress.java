package dev.partitiongateway.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.moves.PartitionMover;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A moving job's progress (a split's, a promotion's) as vectors moved (either way) and what is left to
 * move, and its checkpoint: the partition being emptied and the (tenant, id) after which to resume.
 * Also the mover's fence and stop signal (cancel or shutdown).
 */
final class MoveProgress implements PartitionMover.Hooks {
    private final JobContext ctx;
    private final ObjectMapper json;
    private long done;
    private long base;
    private long left;
    private long draining;
    /** Whether a cancel asked stops the drain (it does not once the drain is the move back, or a cancel was refused). */
    boolean stopOnCancel = true;

    MoveProgress(JobContext ctx, ObjectMapper json) {
        this.ctx = ctx;
        this.json = json;
        this.done = ctx.job().done();
    }

    /** Vectors moved so far, either way. */
    long done() {
        return done;
    }

    /** Where to resume emptying {@code partition}, which has {@code remaining} rows now. */
    PartitionMover.Cursor cursorFor(PartitionView partition, long remaining) {
        draining = partition.id();
        base = done;
        left = remaining;
        JsonNode checkpoint = read(ctx.checkpoint());
        if (checkpoint != null && checkpoint.path("partition").asLong() == partition.id() && checkpoint.hasNonNull("tenant")) {
            return new PartitionMover.Cursor(checkpoint.get("tenant").asText(), checkpoint.path("after").asText());
        }
        return PartitionMover.Cursor.START;
    }

    @Override
    public void fence(Connection c) throws SQLException {
        ctx.fence(c);
    }

    /** Nothing is left to move: the total is what was moved (vectors deleted or rewritten meanwhile needed no move). */
    void finish() {
        ctx.progress(done, done, ctx.checkpoint());
    }

    @Override
    public boolean afterBatch(long moved, PartitionMover.Cursor next) {
        done = base + moved;
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("partition", draining);
        checkpoint.put("tenant", next.tenant());
        checkpoint.put("after", next.afterId());
        ctx.progress(done, done + Math.max(0, left - moved), write(checkpoint));
        return (stopOnCancel && ctx.cancelRequested()) || ctx.stopRequested();
    }

    private JsonNode read(String text) {
        try {
            return text == null ? null : json.readTree(text);
        } catch (JsonProcessingException e) {
            return null; // an unreadable checkpoint: start over, which is always safe
        }
    }

    private String write(Map<String, Object> value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
