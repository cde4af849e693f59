package dev.partitiongateway.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import org.junit.jupiter.api.Test;

/**
 * The three SDKs need different protobuf and gRPC generations; the pom pins protobuf 4.x and gRPC
 * 1.82 so that all of them load together. This fails first if a dependency change breaks that.
 */
class SdkClasspathTest {

    @Test
    void should_build_a_pinecone_protobuf_message() {
        io.pinecone.proto.UpsertRequest request = io.pinecone.proto.UpsertRequest.newBuilder().setNamespace("ns").build();
        assertThat(roundTrip(request, io.pinecone.proto.UpsertRequest.parser()::parseFrom)).isEqualTo(request);
    }

    @Test
    void should_build_a_qdrant_protobuf_message() {
        io.qdrant.client.grpc.Collections.VectorParams params = io.qdrant.client.grpc.Collections.VectorParams.newBuilder()
                .setSize(8).setDistance(io.qdrant.client.grpc.Collections.Distance.Cosine).build();
        assertThat(roundTrip(params, io.qdrant.client.grpc.Collections.VectorParams.parser()::parseFrom)).isEqualTo(params);
    }

    @Test
    void should_build_a_milvus_protobuf_message() {
        io.milvus.grpc.SearchRequest request = io.milvus.grpc.SearchRequest.newBuilder()
                .setCollectionName("c").addPartitionNames("p").setDsl("tenant == 'a'").build();
        byte[] bytes = request.toByteArray();
        assertThat(bytes).isNotEmpty();
        assertThat(request.getPartitionNamesList()).containsExactly("p");
    }

    interface Parser<T> {
        T parse(byte[] bytes) throws Exception;
    }

    private static <T extends Message> T roundTrip(T message, Parser<T> parser) {
        try {
            return parser.parse(message.toByteArray());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
