/**
 * The adapter SPI: the only thing the gateway core knows about a vector database.
 *
 * <p>An adapter implements {@link dev.partitiongateway.spi.VectorBackend} for one backend and
 * exposes it through a {@link dev.partitiongateway.spi.VectorBackendFactory} CDI bean. Nothing in
 * this package refers to an SDK type; adapters translate these small records to and from their SDK
 * and map SDK failures to the {@link dev.partitiongateway.spi.BackendException} hierarchy.
 */
package dev.partitiongateway.spi;
