package dev.partitiongateway.adapter.qdrant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Point ids and collection names: deterministic, distinct where they must be, within Qdrant's rules. */
class NamingTest {

    @Test
    void should_derive_rfc_9562_version_5_uuids() {
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        assertThat(PointIds.nameBased(dns, "www.example.com")).isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    }

    @Test
    void should_give_the_same_id_the_same_uuid_and_every_other_part_a_different_one() {
        UUID id = PointIds.of("docs", "main", "tenant_a", "r1");

        assertThat(PointIds.of("docs", "main", "tenant_a", "r1")).isEqualTo(id);
        assertThat(id.version()).isEqualTo(5);
        Set<UUID> others = Stream.of(
                PointIds.of("docs", "main", "tenant_b", "r1"),
                PointIds.of("docs", "other", "tenant_a", "r1"),
                PointIds.of("docs2", "main", "tenant_a", "r1"),
                PointIds.of("docs", "main", "tenant_a", "r2"),
                // Without length prefixes these two would name the same string.
                PointIds.of("docs", "main", "tenant_a|", "r1"),
                PointIds.of("docs", "main", "tenant_a", "|r1")).collect(Collectors.toSet());
        assertThat(others).hasSize(6).doesNotContain(id);
    }

    @Test
    void should_name_placement_collections_after_their_collection_within_255_characters() {
        CollectionNames names = new CollectionNames("gw_");
        String longPlacement = "p" + "x".repeat(199);
        String otherLong = "p" + "x".repeat(198) + "y";
        String collection = "c" + "o".repeat(62);

        assertThat(names.base("docs")).isEqualTo("gw_docs");
        assertThat(names.dedicated("docs", "tenant_a")).isEqualTo("gw_docs-tenant_a");
        assertThat(names.dedicated(collection, longPlacement)).hasSizeLessThanOrEqualTo(255).startsWith("gw_" + collection + "-pxxx");
        assertThat(names.dedicated(collection, longPlacement)).isNotEqualTo(names.dedicated(collection, otherLong));
        assertThat(names.isPlacementOf("gw_docs-tenant_a", "docs")).isTrue();
        assertThat(names.isPlacementOf("gw_docs_v2-tenant_a", "docs")).isFalse();
        assertThat(names.isPlacementOf("gw_docs", "docs")).isFalse();
    }
}
