package dev.partitiongateway.adapter.pinecone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.partitiongateway.adapter.pinecone.fake.FakeIndex;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.VectorRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How records become Pinecone records: ids scoped by tenant within 512 bytes, metadata Pinecone accepts. */
class RecordMappingTest {

    private static VectorRecord record(String id, Map<String, Object> metadata) {
        return new VectorRecord(id, new float[] {1}, metadata);
    }

    // ---------------------------------------------------------------- ids

    @Test
    void should_scope_ids_by_tenant_readably_when_they_fit() {
        assertThat(StoredIds.storedId("tenant_a", "doc-1#chunk/2")).isEqualTo("tenant_a/doc-1#chunk/2");
        assertThat(StoredIds.externalId("tenant_a", "tenant_a/doc-1#chunk/2")).isEqualTo("doc-1#chunk/2");
        assertThat(StoredIds.externalId("tenant_b", "tenant_a/doc-1")).isNull();
    }

    @Test
    void should_hash_ids_whose_scoped_form_exceeds_512_bytes_and_keep_them_apart() {
        String longAscii = "i".repeat(512);
        String longUnicode = "\u00e9".repeat(512);

        for (String id : List.of(longAscii, longUnicode, "i".repeat(503) + "x")) {
            String stored = StoredIds.storedId("tenant_a", id);
            assertThat(stored.getBytes(StandardCharsets.UTF_8).length).as(id).isLessThanOrEqualTo(512);
            assertThat(stored).startsWith(StoredIds.hashedPrefix("tenant_a"));
            assertThat(StoredIds.externalId("tenant_a", stored)).isNull();
            assertThat(StoredIds.belongsTo("tenant_a", stored)).isTrue();
        }
        assertThat(StoredIds.storedId("tenant_a", longAscii)).isNotEqualTo(StoredIds.storedId("tenant_a", longAscii + "j"));
        assertThat(StoredIds.storedId("tenant_a", "i".repeat(503))).as("exactly 512 bytes").startsWith("tenant_a/");
    }

    @Test
    void should_never_let_one_tenants_id_range_contain_anothers() {
        assertThat(StoredIds.belongsTo("ab", StoredIds.storedId("abc", "x"))).isFalse();
        assertThat(StoredIds.belongsTo("a", StoredIds.storedId("a/b", "x"))).isFalse();
        assertThat(StoredIds.belongsTo("a", StoredIds.storedId("a#b", "x"))).isFalse();
        assertThat(StoredIds.storedId("a/b", "c")).isNotEqualTo(StoredIds.storedId("a", "b/c"));
        String hugeTenant = "t".repeat(32_000);
        assertThat(StoredIds.storedId(hugeTenant, "x").getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(512);
        assertThat(StoredIds.storedId(hugeTenant, "x")).isNotEqualTo(StoredIds.storedId(hugeTenant + "u", "x"));
    }

    // ---------------------------------------------------------------- metadata

    @Test
    void should_keep_the_namespace_marker_outside_every_tenants_id_range_and_valid_for_pinecone() {
        for (String tenant : List.of("pg:namespace", "pg", "p", "pg:namespace/", "t".repeat(200))) {
            assertThat(StoredIds.belongsTo(tenant, NamespaceMarker.ID)).as(tenant).isFalse();
        }
        var marker = NamespaceMarker.of("docs", 3);
        FakeIndex.validateMetadata(marker.getMetadata());
        assertThat(marker.getValuesList()).containsExactly(1f, 0f, 0f);
        assertThat(marker.getMetadata().getFieldsMap()).doesNotContainKey(RecordMetadata.TENANT);
        assertThat(NamespaceMarker.marks(marker, "docs")).isTrue();
        assertThat(NamespaceMarker.marks(marker, "notes")).isFalse();
        assertThat(NamespaceMarker.marks(null, "docs")).isFalse();
    }

    @Test
    void should_store_only_what_pinecone_accepts_and_round_trip_nested_metadata_exactly() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("title", "hello");
        metadata.put("count", 42);
        metadata.put("ratio", 0.25);
        metadata.put("tags", List.of("a", "b", "a"));
        metadata.put("mixed", List.of("s", 2, false, Map.of("deep", 1), List.of(1)));
        metadata.put("author", Map.of("name", "ann", "address", Map.of("city", "Oslo", "zip", 150)));
        metadata.put("none", Map.of());
        Instant timestamp = Instant.parse("2024-03-01T12:34:56.789123456Z");

        Struct stored = RecordMetadata.toStruct("tenant_a", new VectorRecord("r1", new float[] {1}, metadata, timestamp));

        FakeIndex.validateMetadata(stored); // what the fake (Pinecone's rules) accepts
        RecordMetadata.Decoded decoded = RecordMetadata.fromStruct(stored);
        assertThat(decoded.metadata()).isEqualTo(metadata);
        assertThat(decoded.timestamp()).isEqualTo(timestamp);
        assertThat(decoded.id()).isEqualTo("r1");
        assertThat(decoded.tenant()).isEqualTo("tenant_a");
        assertThat(stored.getFieldsMap().get("author.address.city").getStringValue()).isEqualTo("Oslo");
        assertThat(stored.getFieldsMap().get("tags").getListValue().getValuesCount()).as("duplicates dropped").isEqualTo(2);
        assertThat(stored.getFieldsMap().get("num:count").getStringValue()).isEqualTo("42.0");
        assertThat(stored.getFieldsMap().get("min:mixed").getNumberValue()).isEqualTo(2.0);
        assertThat(stored.getFieldsMap().get("bool:mixed").getListValue().getValues(0).getStringValue()).isEqualTo("false");
        assertThat(stored.getFieldsMap().get(RecordMetadata.PATHS).getListValue().getValuesList()).extracting(Value::getStringValue)
                .contains("none", "author", "author.address", "author.address.zip");
        assertThat(stored.getFieldsMap().get(RecordMetadata.TIMESTAMP).getNumberValue()).isEqualTo(timestamp.toEpochMilli());
    }

    @Test
    void should_keep_untimed_and_empty_records_minimal() {
        Struct stored = RecordMetadata.toStruct("t", record("r", Map.of()));

        assertThat(stored.getFieldsMap()).containsOnlyKeys(RecordMetadata.TENANT, RecordMetadata.ID);
        assertThat(RecordMetadata.fromStruct(stored).metadata()).isEmpty();
        assertThat(RecordMetadata.fromStruct(stored).timestamp()).isNull();
    }

    @Test
    void should_refuse_keys_that_could_collide_with_flattened_or_reserved_fields() {
        for (String key : List.of("a.b", "pg:tenant", "$x", "")) {
            assertThatThrownBy(() -> RecordMetadata.toStruct("t", record("r", Map.of(key, 1)))).as(key)
                    .isInstanceOf(BackendException.Rejected.class);
        }
    }

    @Test
    void should_refuse_a_record_whose_mapped_metadata_exceeds_40960_bytes() {
        Map<String, Object> fits = Map.of("text", "x".repeat(19_000));
        Map<String, Object> tooBig = Map.of("text", "x".repeat(21_000));

        FakeIndex.validateMetadata(RecordMetadata.toStruct("t", record("r", fits)));
        assertThatThrownBy(() -> RecordMetadata.toStruct("t", record("r", tooBig)))
                .isInstanceOf(BackendException.Rejected.class).hasMessageContaining("40960");
    }

    @Test
    void should_give_equal_numbers_one_token_and_every_other_number_another() {
        assertThat(RecordMetadata.canonical(1)).isEqualTo(RecordMetadata.canonical(1.0)).isEqualTo(RecordMetadata.canonical(1L));
        assertThat(RecordMetadata.canonical(-0.0)).isEqualTo(RecordMetadata.canonical(0.0));
        assertThat(RecordMetadata.canonical(0.1 + 0.2)).isNotEqualTo(RecordMetadata.canonical(0.3));
        assertThat(RecordMetadata.canonical(1e300)).isNotEqualTo(RecordMetadata.canonical(Math.nextUp(1e300)));
    }

    @Test
    void should_refuse_non_finite_numbers_and_unsupported_types() {
        assertThatThrownBy(() -> RecordMetadata.toStruct("t", record("r", Map.of("x", Double.NaN)))).isInstanceOf(BackendException.Rejected.class);
        assertThatThrownBy(() -> RecordMetadata.toStruct("t", record("r", Map.of("x", new Object())))).isInstanceOf(BackendException.Rejected.class);
    }
}
