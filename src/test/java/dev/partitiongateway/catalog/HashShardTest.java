package dev.partitiongateway.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Hash shards: splits own exactly their parent's ids, so the routable shards of a key always tile it. */
class HashShardTest {

    @Test
    void should_hash_ids_as_shared_buckets_do_pinned() {
        assertThat(HashShard.hash("hello")).isEqualTo(0x248bfa47L);
        assertThat(HashShard.hash("")).isZero();
        assertThat(new HashShard(2, 1).owns("hello")).isTrue(); // 0x248bfa47 is odd
    }

    @Test
    void should_give_each_id_to_exactly_one_routable_shard_through_any_sequence_of_splits_and_cancels() {
        Random random = new Random(5);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ids.add(i % 3 == 0 ? UUID.randomUUID().toString() : "doc-" + i + "-\u00fc");
        }
        for (int round = 0; round < 50; round++) {
            List<PartitionView> shards = new ArrayList<>(List.of(view(1, HashShard.WHOLE, PartitionState.ACTIVE)));
            long next = 2;
            for (int step = 0; step < 6; step++) {
                List<PartitionView> routable = shards.stream().filter(p -> p.state().routable()).toList();
                PartitionView source = routable.get(random.nextInt(routable.size()));
                int into = 2 + random.nextInt(5);
                if (!source.shard().canSplit(into)) {
                    continue;
                }
                // The split's switch: the source DRAINING, its shards ACTIVE...
                shards.remove(source);
                shards.add(view(source.id(), source.shard(), PartitionState.DRAINING));
                List<PartitionView> made = new ArrayList<>();
                for (HashShard s : source.shard().split(into)) {
                    made.add(view(next++, s, PartitionState.ACTIVE));
                }
                shards.addAll(made);
                assertTiled(shards, ids);
                if (random.nextBoolean()) {
                    // ...then either the source is dropped once drained, or the split is cancelled and its shards are.
                    shards.removeIf(p -> p.id() == source.id());
                } else {
                    shards.removeIf(p -> p.id() == source.id());
                    shards.removeAll(made);
                    shards.add(source);
                }
                assertTiled(shards, ids);
            }
        }
    }

    @Test
    void should_split_into_shards_that_own_exactly_the_parents_ids() {
        HashShard parent = new HashShard(6, 4);
        List<HashShard> children = parent.split(3);
        assertThat(children).containsExactly(new HashShard(18, 4), new HashShard(18, 10), new HashShard(18, 16));
        for (int i = 0; i < 5000; i++) {
            String id = "id" + i;
            long owners = children.stream().filter(c -> c.owns(id)).count();
            assertThat(owners).isEqualTo(parent.owns(id) ? 1 : 0);
        }
    }

    @Test
    void should_name_shard_placements_after_their_key_and_stop_at_4096_shards() {
        assertThat(HashShard.WHOLE.placementSuffix()).isEmpty();
        assertThat(new HashShard(4, 3).placementSuffix()).isEqualTo("_s4_3");
        assertThat(new HashShard(256, 3).canSplit(16)).isTrue();
        assertThat(new HashShard(4096, 3).canSplit(2)).isFalse();
        assertThat(HashShard.WHOLE.canSplit(1)).isFalse();
        assertThatThrownBy(() -> new HashShard(2, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HashShard(8192, 0)).isInstanceOf(IllegalArgumentException.class);
        PartitionView shard = new PartitionView(1, "c", "t", "t_acme_822b33ad_m202601_s4_3", PartitionState.ACTIVE,
                PartitionStrategy.TENANT_TIME, Instant.EPOCH, Instant.EPOCH, null, null, 0, new HashShard(4, 3));
        assertThat(PartitionDirectory.placementOf(shard, new HashShard(12, 7))).isEqualTo("t_acme_822b33ad_m202601_s12_7");
        assertThat(PartitionDirectory.placementOf(shard, HashShard.WHOLE)).isEqualTo("t_acme_822b33ad_m202601");
    }

    private static void assertTiled(List<PartitionView> shards, List<String> ids) {
        for (String id : ids) {
            long owners = shards.stream().filter(p -> p.state().routable() && p.shard().owns(id)).count();
            assertThat(owners).as("routable shards owning %s among %s", id, shards).isEqualTo(1);
            assertThat(HashShard.ownerOf(shards, id)).isNotNull();
        }
    }

    private static PartitionView view(long id, HashShard shard, PartitionState state) {
        return new PartitionView(id, "c", "t", "p" + shard.placementSuffix(), state, PartitionStrategy.TENANT, null, null, null, null, 0, shard);
    }
}
