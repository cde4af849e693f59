package dev.partitiongateway.adapter.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.VectorRecord;
import io.qdrant.client.grpc.JsonWithInt.Value;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The payload layout of a record and its way back. */
class PointPayloadTest {

    private static final float[] VALUES = {0.1f, -3.25f, 1e-7f};

    @Test
    void should_carry_scope_id_and_metadata_as_sent() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("count", 42L);
        metadata.put("ratio", 0.25);
        metadata.put("tags", List.of("a", 1L, true));
        metadata.put("author", Map.of("name", "ann"));
        metadata.put("nothing", null);

        Map<String, Value> payload = PointPayload.of("tenant_a", "main", new VectorRecord("r1", VALUES, metadata), false);

        assertThat(payload.get("tenant").getStringValue()).isEqualTo("tenant_a");
        assertThat(payload.get("partition").getStringValue()).isEqualTo("main");
        assertThat(payload.get("id").getStringValue()).isEqualTo("r1");
        assertThat(payload).doesNotContainKeys("timestamp", "values");
        assertThat(PointPayload.metadata(payload)).isEqualTo(metadata);
        assertThat(payload.get("metadata").getStructValue().getFieldsMap().get("count").getKindCase()).isEqualTo(Value.KindCase.INTEGER_VALUE);
    }

    @Test
    @SuppressWarnings("unchecked")
    void should_copy_scalars_by_type_under_the_same_paths_and_list_every_path() {
        Map<String, Object> metadata = Map.of("code", 1, "tags", List.of("a", 2, false, Map.of("deep", "x")), "author", Map.of("name", "ann", "age", 30));

        Map<String, Value> payload = PointPayload.of("t", "p", new VectorRecord("r", VALUES, metadata), false);

        assertThat(PointPayload.fromValue(payload.get("m_str"))).isEqualTo(Map.of("tags", List.of("a"), "author", Map.of("name", "ann")));
        assertThat(PointPayload.fromValue(payload.get("m_num"))).isEqualTo(Map.of("code", 1.0, "tags", List.of(2.0), "author", Map.of("age", 30.0)));
        assertThat(PointPayload.fromValue(payload.get("m_bool"))).isEqualTo(Map.of("tags", List.of(false)));
        assertThat(payload.get("m_num").getStructValue().getFieldsMap().get("code").getKindCase()).isEqualTo(Value.KindCase.DOUBLE_VALUE);
        assertThat((List<Object>) PointPayload.fromValue(payload.get("m_keys"))).containsExactlyInAnyOrder("code", "tags", "author", "author.name", "author.age");
    }

    @Test
    void should_round_trip_timestamps_to_the_nanosecond_with_milliseconds_for_filters() {
        Instant precise = Instant.parse("2024-03-01T12:34:56.789123456Z");
        Instant beforeEpoch = Instant.ofEpochSecond(-1, 999_500_000);

        Map<String, Value> payload = PointPayload.of("t", "p", new VectorRecord("r", VALUES, Map.of(), precise), false);
        Map<String, Value> old = PointPayload.of("t", "p", new VectorRecord("r", VALUES, Map.of(), beforeEpoch), false);

        assertThat(payload.get("timestamp").getIntegerValue()).isEqualTo(precise.toEpochMilli());
        assertThat(PointPayload.timestamp(payload)).isEqualTo(precise);
        assertThat(PointPayload.timestamp(old)).isEqualTo(beforeEpoch);
        assertThat(PointPayload.of("t", "p", new VectorRecord("r", VALUES, Map.of(), Instant.ofEpochMilli(5)), false))
                .doesNotContainKey("timestamp_nanos");
    }

    @Test
    void should_keep_cosine_values_bit_for_bit() {
        Map<String, Value> payload = PointPayload.of("t", "p", new VectorRecord("r", VALUES, Map.of()), true);

        VectorRecord back = PointPayload.record(payload, null, true);

        assertThat(back.values()).containsExactly(VALUES);
    }

    @Test
    void should_refuse_numbers_qdrant_cannot_store() {
        assertThatThrownBy(() -> PointPayload.of("t", "p", new VectorRecord("r", VALUES, Map.of("x", Map.of("y", Double.NaN))), false))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("x.y");
        assertThatThrownBy(() -> PointPayload.of("t", "p", new VectorRecord("r", VALUES, Map.of("x", List.of(Double.POSITIVE_INFINITY))), false))
                .isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> PointPayload.of("t", "p", new VectorRecord("r", VALUES, Map.of("x", new Object())), false))
                .isInstanceOf(BackendException.Rejected.class);
    }
}
