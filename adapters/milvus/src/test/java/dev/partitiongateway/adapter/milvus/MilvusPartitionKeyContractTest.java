package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.adapter.milvus.fake.MissingKeySemantics;
import org.junit.jupiter.api.BeforeAll;

/** The shared contract on the fake Milvus: every placement a shared bucket in the partition-key collection; JSON predicates with Milvus 2.5 (not/!= true on missing keys). */
class MilvusPartitionKeyContractTest extends FakeMilvusContract {

    @BeforeAll
    static void start() {
        startServer(MissingKeySemantics.TWO_VALUED);
    }

    @Override
    protected boolean sharedLayout() {
        return true;
    }
}
