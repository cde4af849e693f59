package dev.partitiongateway.adapter.lucene;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Operator settings of the embedded Lucene backend ({@code gateway.lucene.*}). */
@ConfigMapping(prefix = "gateway.lucene")
public interface LuceneConfig {

    /** Neighbours per HNSW graph node: higher improves recall and costs memory and indexing time. */
    @WithDefault("16")
    int hnswM();

    /** Candidates considered while building the graph: higher improves graph quality and slows indexing. */
    @WithDefault("100")
    int hnswBeamWidth();

    /**
     * Candidates collected per segment at query time, at least topK: higher improves recall and
     * slows queries. Lucene otherwise searches with a beam of only topK, which misses neighbours for small k.
     */
    @WithDefault("100")
    int hnswEfSearch();

    /**
     * How many placements stay open at once (each holds a writer, a reader and their files); the
     * least recently used idle one is closed to open another, and reopened when used again.
     */
    @WithDefault("1000")
    int maxOpenIndexes();

    /**
     * How often each open placement with new writes is committed to Lucene, which lets its write-ahead
     * log be truncated. Writes are durable without it (the log is fsynced); a longer interval means
     * fewer commits and more log to apply again when the process restarts after a crash.
     */
    @WithDefault("1s")
    Duration checkpointInterval();
}
