package dev.partitiongateway.adapter.milvus;

/** The shared contract on a real Milvus (MILVUS_URI), every placement a shared bucket of the partition-key collection. */
class MilvusLivePartitionKeyContractTest extends LiveMilvusContract {

    @Override
    protected boolean sharedLayout() {
        return true;
    }
}
