package dev.partitiongateway.bench;

import java.util.Random;
import java.util.function.Supplier;

/**
 * Synthetic embeddings with neighbourhood structure for the benchmarks: random centroids plus
 * Gaussian noise. Uniformly random vectors in many dimensions are all nearly equidistant, which
 * says nothing about how real embeddings search.
 */
public final class ClusteredVectors {

    private ClusteredVectors() {
    }

    /** A vector of independent Gaussian components with standard deviation {@code sigma}. */
    public static float[] gaussian(Random random, int dim, double sigma) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (random.nextGaussian() * sigma);
        }
        return v;
    }

    /** A point near {@code centroid}, with Gaussian noise of standard deviation {@code sigma}. */
    public static float[] near(Random random, float[] centroid, double sigma) {
        float[] v = gaussian(random, centroid.length, sigma);
        for (int d = 0; d < v.length; d++) {
            v[d] += centroid[d];
        }
        return v;
    }

    /** The body of an upsert of {@code count} vectors from {@code points}, with ids {@code prefix + first} onwards. */
    public static String upsertBody(String prefix, int first, int count, Supplier<float[]> points) {
        StringBuilder body = new StringBuilder(count * 128 * 12).append("{\"vectors\":[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(prefix).append(first + i).append("\",\"values\":")
                    .append(json(points.get())).append('}');
        }
        return body.append("]}").toString();
    }

    /** A vector as a JSON array. */
    public static String json(float[] vector) {
        StringBuilder s = new StringBuilder(vector.length * 12).append('[');
        for (int i = 0; i < vector.length; i++) {
            s.append(i == 0 ? "" : ",").append(vector[i]);
        }
        return s.append(']').toString();
    }
}
