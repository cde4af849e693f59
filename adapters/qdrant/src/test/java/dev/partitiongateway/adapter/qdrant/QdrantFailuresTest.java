package dev.partitiongateway.adapter.qdrant;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import dev.partitiongateway.spi.BackendException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** How Qdrant's answers become SPI failures, and which of them are retried. */
class QdrantFailuresTest {

    @Test
    void should_map_each_qdrant_status_to_its_spi_failure() {
        assertThat(translate(Status.NOT_FOUND, "Not found: Collection `x` doesn't exist!")).isInstanceOf(BackendException.NotFound.class);
        assertThat(translate(Status.INVALID_ARGUMENT, "Wrong input: Vector dimension error: expected dim: 4, got 3"))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("expected dim: 4, got 3");
        assertThat(translate(Status.ALREADY_EXISTS, "Wrong input: Collection `x` already exists!")).isInstanceOf(BackendException.Rejected.class);
        assertThat(translate(Status.DEADLINE_EXCEEDED, "deadline exceeded")).isInstanceOf(BackendException.Timeout.class);
        assertThat(translate(Status.UNAVAILABLE, "io exception")).isInstanceOf(BackendException.Unavailable.class);
        assertThat(translate(Status.FAILED_PRECONDITION, "Storage locked: write is forbidden")).isInstanceOf(BackendException.Unavailable.class);
        assertThat(translate(Status.UNAUTHENTICATED, "Invalid API key or JWT"))
                .isInstanceOf(BackendException.Unavailable.class).hasMessageContaining("gateway.qdrant.api-key");
        assertThat(translate(Status.INTERNAL, "Service internal error")).isInstanceOf(BackendException.Unavailable.class);
    }

    @Test
    void should_turn_qdrants_collection_limit_into_capacity_exceeded_that_says_what_to_do() {
        BackendException e = translate(Status.INVALID_ARGUMENT, "Bad request: Can't create collection with name x. Max collections limit reached: 1000");

        assertThat(e).isInstanceOf(BackendException.CapacityExceeded.class).hasMessageContaining("partition-mode=payload");
        assertThat(e.retryable()).isFalse();
    }

    @Test
    void should_carry_the_rate_limiters_retry_after() {
        Metadata trailers = new Metadata();
        trailers.put(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER), "3");

        BackendException e = QdrantFailures.translate(Status.RESOURCE_EXHAUSTED.withDescription("Rate limiting exceeded: ...")
                .asRuntimeException(trailers), "upsert");

        assertThat(e).isInstanceOf(BackendException.Unavailable.class);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
    }

    @Test
    void should_tell_a_full_node_and_an_oversized_message_from_a_rate_limit() {
        Metadata full = new Metadata();
        full.put(Metadata.Key.of("qdrant-insufficient-storage", Metadata.ASCII_STRING_MARSHALLER), "1");

        assertThat(QdrantFailures.translate(Status.RESOURCE_EXHAUSTED.withDescription("Insufficient storage: disk").asRuntimeException(full), "upsert"))
                .isInstanceOf(BackendException.CapacityExceeded.class);
        assertThat(translate(Status.RESOURCE_EXHAUSTED, "gRPC message exceeds maximum size 4194304: 9000000"))
                .isInstanceOf(BackendException.Rejected.class);
        assertThat(translate(Status.RESOURCE_EXHAUSTED, "Rate limiting exceeded").retryAfter()).isEmpty();
    }

    @Test
    void should_never_let_a_client_exception_through() {
        BackendException e = QdrantFailures.translate(new ExecutionException(new QdrantException("Collection 'x' could not be created")), "create");

        assertThat(e).isInstanceOf(BackendException.Unavailable.class).hasMessageContaining("could not be created");
    }

    @Test
    void should_retry_unavailable_a_bounded_number_of_times() {
        QdrantRpc rpc = new QdrantRpc(Duration.ofSeconds(5), 2, Duration.ZERO);
        AtomicInteger attempts = new AtomicInteger();

        String answer = rpc.call("probe", timeout -> attempts.incrementAndGet() < 3 ? failed(Status.UNAVAILABLE) : Futures.immediateFuture("ok"));
        Throwable exhausted = Assertions.catchThrowable(() -> rpc.call("probe", timeout -> {
            attempts.incrementAndGet();
            return failed(Status.UNAVAILABLE);
        }));

        assertThat(answer).isEqualTo("ok");
        assertThat(exhausted).isInstanceOf(BackendException.Unavailable.class);
        assertThat(attempts).hasValue(3 + 3);
    }

    @Test
    void should_not_retry_timeouts_rate_limits_or_refusals() {
        QdrantRpc rpc = new QdrantRpc(Duration.ofSeconds(5), 5, Duration.ZERO);
        Metadata trailers = new Metadata();
        trailers.put(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER), "1");
        for (StatusRuntimeException refusal : List.of(Status.DEADLINE_EXCEEDED.asRuntimeException(),
                Status.RESOURCE_EXHAUSTED.asRuntimeException(trailers), Status.INVALID_ARGUMENT.asRuntimeException(),
                Status.FAILED_PRECONDITION.asRuntimeException())) {
            AtomicInteger attempts = new AtomicInteger();

            Throwable thrown = Assertions.catchThrowable(() -> rpc.call("probe", timeout -> {
                attempts.incrementAndGet();
                return Futures.immediateFailedFuture(refusal);
            }));

            assertThat(thrown).isInstanceOf(BackendException.class);
            assertThat(attempts).as("attempts after %s", refusal.getStatus().getCode()).hasValue(1);
        }
    }

    private static ListenableFuture<String> failed(Status status) {
        return Futures.immediateFailedFuture(status.asRuntimeException());
    }

    private static BackendException translate(Status status, String description) {
        return QdrantFailures.translate(status.withDescription(description).asRuntimeException(), "test call");
    }
}
