package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.adapter.milvus.fake.MissingKeySemantics;
import org.junit.jupiter.api.BeforeAll;

/** The shared contract on the fake Milvus: every placement a Milvus partition of the collection; JSON predicates with three-valued logic (PR #50702). */
class MilvusDedicatedPartitionsThreeValuedContractTest extends FakeMilvusContract {

    @BeforeAll
    static void start() {
        startServer(MissingKeySemantics.THREE_VALUED);
    }

    @Override
    protected boolean sharedLayout() {
        return false;
    }
}
