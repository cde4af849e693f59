package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.VectorRecord;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import java.util.List;
import java.util.function.Function;

/**
 * Pages through a placement with Qdrant's scroll: points in id order, each page starting at the
 * previous page's {@code next_page_offset} (inclusive), the scan done when a page comes without one.
 * Holds nothing on the server, so closing only stops it.
 */
final class QdrantRecordCursor implements RecordCursor {

    private final ScrollPoints first;
    private final Function<ScrollPoints, ScrollResponse> scroll;
    private final Function<List<RetrievedPoint>, List<VectorRecord>> records;
    private PointId offset;
    private boolean done;

    QdrantRecordCursor(ScrollPoints first, Function<ScrollPoints, ScrollResponse> scroll,
                       Function<List<RetrievedPoint>, List<VectorRecord>> records) {
        this.first = first;
        this.scroll = scroll;
        this.records = records;
    }

    @Override
    public List<VectorRecord> next() {
        while (!done) {
            ScrollPoints request = offset == null ? first : first.toBuilder().setOffset(offset).build();
            ScrollResponse page = scroll.apply(request);
            if (page.hasNextPageOffset()) {
                offset = page.getNextPageOffset();
            } else {
                done = true;
            }
            List<VectorRecord> converted = records.apply(page.getResultList());
            if (!converted.isEmpty()) {
                return converted;
            }
        }
        return List.of();
    }

    @Override
    public void close() {
        done = true;
    }
}
