package dev.partitiongateway.adapter.milvus;

/** The shared contract on a real Milvus (MILVUS_URI), every placement a Milvus partition. */
class MilvusLiveContractTest extends LiveMilvusContract {
}
