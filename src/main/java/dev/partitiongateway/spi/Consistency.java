package dev.partitiongateway.spi;

/** When a backend's reads see an acknowledged write. */
public enum Consistency {
    /** As soon as the write call returns. */
    STRONG,
    /** Some time after the write call returns (Pinecone serverless, Milvus at Bounded level). */
    EVENTUAL
}
