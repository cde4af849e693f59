package dev.partitiongateway.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionStrategy;
import dev.partitiongateway.catalog.PartitionView;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the search and write paths record, read with a clock the test moves. */
class PartitionStatsTest {

    /** A clock the test sets. */
    static final class MovableClock extends Clock {
        long millis;

        MovableClock(Instant at) {
            millis = at.toEpochMilli();
        }

        void advance(java.time.Duration d) {
            millis += d.toMillis();
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    static PartitionView partition(long id, String tenant, String placement) {
        return new PartitionView(id, "articles", tenant, placement, PartitionState.ACTIVE, PartitionStrategy.TENANT, null, null, null, null, 0,
                dev.partitiongateway.catalog.HashShard.WHOLE);
    }

    private final MovableClock clock = new MovableClock(Instant.parse("2026-03-10T12:00:00Z"));
    private final PartitionStats stats = new PartitionStats(clock, 5);

    @Test
    void should_record_each_searched_partition_with_the_latency_of_its_call_and_its_last_search() {
        PartitionView a = partition(1, "acme", "t_acme");
        PartitionView b = partition(2, "globex", "t_globex");
        for (int i = 0; i < 30; i++) {
            stats.searched(List.of(a, b), Map.of("t_acme", 4_000L, "t_globex", 40_000L));
            clock.advance(java.time.Duration.ofSeconds(2));
        }
        // A partition whose call failed before answering has no latency: not counted.
        stats.searched(List.of(a, b), Map.of("t_acme", 4_000L));
        assertThat(stats.figures(1).queries()).isEqualTo(31);
        assertThat(stats.figures(2).queries()).isEqualTo(30);
        assertThat(stats.figures(2).p99Ms()).isCloseTo(40.0, within(0.5));
        assertThat(stats.figures(1).qpm()).isCloseTo(31 / 5.0, within(1e-9));
        assertThat(stats.find(1).orElseThrow().lastQueryMillis()).isEqualTo(clock.millis());
        assertThat(stats.find(2).orElseThrow().lastQueryMillis()).isEqualTo(clock.millis() - 2000);
    }

    @Test
    void should_count_the_vectors_an_upsert_wrote_per_partition_and_a_delete_as_a_write() {
        PartitionView a = partition(1, "acme", "t_acme");
        PartitionView b = partition(2, "acme", "t_acme_m2");
        stats.upserted(Map.of(1L, a, 2L, b), Map.of("x", 1L, "y", 1L, "z", 2L));
        assertThat(stats.figures(1).inserts()).isEqualTo(2);
        assertThat(stats.figures(2).inserts()).isEqualTo(1);
        clock.advance(java.time.Duration.ofMinutes(1));
        stats.deleted(List.of(b));
        assertThat(stats.find(2).orElseThrow().lastWriteMillis()).isEqualTo(clock.millis());
        assertThat(stats.figures(2).inserts()).isEqualTo(1);
        assertThat(stats.find(1).orElseThrow().lastQueryMillis()).isZero();
    }

    @Test
    void should_show_nothing_once_the_window_passed() {
        stats.searched(List.of(partition(1, "acme", "t_acme")), Map.of("t_acme", 1_000L));
        clock.advance(java.time.Duration.ofMinutes(7));
        assertThat(stats.figures(1).idle()).isTrue();
        assertThat(stats.figures(99)).isEqualTo(WindowFigures.NONE);
    }
}
