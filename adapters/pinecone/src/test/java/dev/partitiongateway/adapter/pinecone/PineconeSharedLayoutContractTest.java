package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.adapter.pinecone.fake.FakePinecone;

/**
 * The contract with every placement a shared bucket (a namespace holding many tenants, filtered by
 * tenant on every call), with the other setting of each undocumented behaviour: {@code $ne}/{@code $nin}
 * NOT matching records without the field, and deletes in missing namespaces accepted.
 */
class PineconeSharedLayoutContractTest extends PineconeFakeContract {

    @Override
    protected FakePinecone.Behaviour behaviour() {
        return FakePinecone.Behaviour.DEFAULTS.withVisibilityDelay(VISIBILITY_DELAY)
                .withNegationsMatchingMissingFields(false)
                .withMissingNamespaceDelete(FakePinecone.MissingNamespaceDelete.OK);
    }

    @Override
    protected boolean sharedLayout() {
        return true;
    }
}
