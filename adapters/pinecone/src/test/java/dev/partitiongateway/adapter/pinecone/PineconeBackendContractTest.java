package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.adapter.pinecone.fake.FakePinecone;

/**
 * The contract with dedicated placements (one namespace per partition), an index created per
 * collection, writes visible only after a delay, {@code $ne}/{@code $nin} matching records without
 * the field, and NOT_FOUND for deletes in missing namespaces.
 */
class PineconeBackendContractTest extends PineconeFakeContract {

    @Override
    protected FakePinecone.Behaviour behaviour() {
        return FakePinecone.Behaviour.DEFAULTS.withVisibilityDelay(VISIBILITY_DELAY)
                .withNegationsMatchingMissingFields(true)
                .withMissingNamespaceDelete(FakePinecone.MissingNamespaceDelete.NOT_FOUND)
                .withIndexInitialisation(java.time.Duration.ofMillis(30));
    }
}
