package dev.partitiongateway.adapter.lucene;

import java.io.IOException;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * The codec the adapter writes with: Lucene's default, with the HNSW parameters from configuration
 * and a vector dimension limit of {@value #MAX_DIMENSIONS} instead of Lucene's 1024.
 *
 * <p>Lucene checks the limit only when it indexes a document, and records each format by name in
 * the segment. Both the codec and the vector format therefore keep the stock names, so an index
 * written here reads back with the stock codec (and Lucene tools such as CheckIndex).
 */
final class HnswCodec {

    /** The largest dimension the gateway accepts for any collection. */
    static final int MAX_DIMENSIONS = 4096;

    private HnswCodec() {
    }

    static Codec create(int maxConn, int beamWidth) {
        KnnVectorsFormat vectors = new HighDimensionHnswFormat(new Lucene99HnswVectorsFormat(maxConn, beamWidth));
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return vectors;
            }
        };
    }

    /** Lucene's HNSW format with a higher dimension limit; everything else is the delegate's. */
    private static final class HighDimensionHnswFormat extends KnnVectorsFormat {
        private final KnnVectorsFormat delegate;

        HighDimensionHnswFormat(KnnVectorsFormat delegate) {
            super(delegate.getName());
            this.delegate = delegate;
        }

        @Override
        public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
            return delegate.fieldsWriter(state);
        }

        @Override
        public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
            return delegate.fieldsReader(state);
        }

        @Override
        public int getMaxDimensions(String fieldName) {
            return MAX_DIMENSIONS;
        }

        @Override
        public String toString() {
            return "HighDimensionHnswFormat(" + delegate + ", maxDimensions=" + MAX_DIMENSIONS + ")";
        }
    }
}
