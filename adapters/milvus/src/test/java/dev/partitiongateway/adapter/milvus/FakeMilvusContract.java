package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.adapter.milvus.fake.FakeMilvusServer;
import dev.partitiongateway.adapter.milvus.fake.MissingKeySemantics;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import org.junit.jupiter.api.AfterAll;

/**
 * The shared contract against the fake Milvus server, one server per test class. Subclasses choose
 * the layout (dedicated partitions or the partition-key collection) and how the server treats
 * missing JSON keys, so that the suite runs under each combination.
 */
abstract class FakeMilvusContract extends VectorBackendContract {

    private static FakeMilvusServer server;

    /** Called once per concrete class, before its tests. */
    static void startServer(MissingKeySemantics semantics) {
        server = FakeMilvusServer.start(FakeMilvusServer.Options.defaults().withMissingKeySemantics(semantics));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    protected static FakeMilvusServer server() {
        return server;
    }

    @Override
    protected VectorBackend openBackend() {
        return new MilvusBackend(MilvusOptions.defaults(server.uri()));
    }
}
