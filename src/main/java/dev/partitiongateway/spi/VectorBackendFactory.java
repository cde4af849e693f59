package dev.partitiongateway.spi;

/**
 * A CDI bean per adapter that the gateway finds by {@link #kind()}. Creating the factory must be
 * cheap and side-effect free: the backend itself (connections, files) is only made by
 * {@link #create()}, and only for kinds the gateway actually uses.
 */
public interface VectorBackendFactory {

    /** The name operators use in configuration ({@code gateway.backend.default}, a collection's {@code backend}). */
    String kind();

    /** Opens the backend from its own configuration ({@code gateway.<kind>.*}). */
    VectorBackend create();
}
