package dev.partitiongateway.spi;

import java.util.List;

/**
 * A forward-only cursor over a placement. Every record present when the scan started and not
 * changed during it is returned exactly once; pages are never larger than the requested batch size.
 * Not thread-safe. Always close it: it may pin a snapshot or a server-side iterator.
 */
public interface RecordCursor extends AutoCloseable {

    /** The next page; an empty list means the scan is complete. */
    List<VectorRecord> next();

    @Override
    void close();
}
