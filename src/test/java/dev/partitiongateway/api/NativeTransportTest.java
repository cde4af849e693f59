package dev.partitiongateway.api;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The HTTP server runs on Netty's epoll transport where the build ships it (Linux on x86_64 and
 * aarch64): the dependency and {@code quarkus.vertx.prefer-native-transport} must both be there, or
 * Vert.x silently uses Java NIO, which cost about a fifth more server CPU per search in
 * SideBySideBenchmark.
 */
@QuarkusTest
class NativeTransportTest {

    @Inject
    Vertx vertx;

    @Test
    void should_serve_on_the_native_epoll_transport_on_linux() {
        assumeTrue(System.getProperty("os.name").toLowerCase().startsWith("linux")
                        && Set.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch")),
                "epoll ships for Linux on x86_64 and aarch64 only");
        assertTrue(vertx.isNativeTransportEnabled(), "Vert.x fell back to NIO: " + vertx.unavailableNativeTransportCause());
    }
}
