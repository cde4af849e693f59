package dev.partitiongateway.adapter.qdrant.fake;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A point as stored: its vector after the distance's preprocessing (normalised for Cosine) and its payload. */
record StoredPoint(PointId id, float[] vector, ObjectNode payload) {
}
