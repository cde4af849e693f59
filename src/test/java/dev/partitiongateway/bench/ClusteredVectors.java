package dev.partitiongateway.bench;

import java.util.Random;

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
}
