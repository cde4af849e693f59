package dev.partitiongateway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.catalog.PartitionHeat;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Hot and cold verdicts at instants the test chooses. */
class HeatRulesTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    private static final Instant CREATED = NOW.minus(Duration.ofDays(100));
    private final HeatRules rules = new HeatRules(Duration.ofMillis(500), 600, 1_000_000, 20, 30);

    @Test
    void should_be_normal_under_every_threshold() {
        HeatRules.Verdict v = rules.judge(NOW, CREATED, NOW.minusSeconds(5), 100, 20, 120.0, 5_000);
        assertThat(v.heat()).isEqualTo(PartitionHeat.NORMAL);
        assertThat(v.reasons()).isEmpty();
    }

    @Test
    void should_be_hot_over_the_p99_threshold_only_with_enough_searches() {
        HeatRules.Verdict v = rules.judge(NOW, CREATED, NOW, 20, 4, 812.5, 10);
        assertThat(v.heat()).isEqualTo(PartitionHeat.HOT);
        assertThat(v.reasons()).singleElement().asString().contains("p99 search latency 812.5 ms over 500 ms");
        assertThat(rules.judge(NOW, CREATED, NOW, 19, 4, 812.5, 10).heat()).as("19 searches are too few to judge").isEqualTo(PartitionHeat.NORMAL);
        assertThat(rules.judge(NOW, CREATED, NOW, 50, 10, 500.0, 10).heat()).as("at the threshold is not over it").isEqualTo(PartitionHeat.NORMAL);
    }

    @Test
    void should_be_hot_over_the_qpm_or_the_split_threshold_and_name_every_reason() {
        assertThat(rules.judge(NOW, CREATED, NOW, 4000, 800.4, 3.0, 10).reasons()).singleElement().asString()
                .contains("800.4 searches per minute over 600");
        HeatRules.Verdict v = rules.judge(NOW, CREATED, NOW, 4000, 800, 900.0, 2_000_000);
        assertThat(v.heat()).isEqualTo(PartitionHeat.HOT);
        assertThat(v.reasons()).hasSize(3);
        assertThat(v.reasons().get(2)).contains("2000000 vectors over the split threshold 1000000");
    }

    @Test
    void should_be_cold_after_idle_days_without_a_search() {
        Instant lastQuery = NOW.minus(Duration.ofDays(30)).minusSeconds(1);
        HeatRules.Verdict v = rules.judge(NOW, CREATED, lastQuery, 0, 0, null, 10);
        assertThat(v.heat()).isEqualTo(PartitionHeat.COLD);
        assertThat(v.reasons()).singleElement().asString().contains("not searched since " + lastQuery);
        assertThat(rules.judge(NOW, CREATED, NOW.minus(Duration.ofDays(29)), 0, 0, null, 10).heat()).isEqualTo(PartitionHeat.NORMAL);
    }

    @Test
    void should_count_idle_days_from_creation_for_a_partition_never_searched() {
        assertThat(rules.judge(NOW, NOW.minus(Duration.ofDays(31)), null, 0, 0, null, 10).heat()).isEqualTo(PartitionHeat.COLD);
        assertThat(rules.judge(NOW, NOW.minus(Duration.ofDays(2)), null, 0, 0, null, 10).heat()).isEqualTo(PartitionHeat.NORMAL);
    }

    @Test
    void should_prefer_cold_to_hot_for_an_idle_partition_over_the_split_threshold() {
        assertThat(rules.judge(NOW, CREATED, NOW.minus(Duration.ofDays(40)), 0, 0, null, 5_000_000).heat()).isEqualTo(PartitionHeat.COLD);
    }

    @Test
    void should_not_be_cold_while_searches_are_in_the_window_even_if_the_stored_last_search_is_old() {
        assertThat(rules.judge(NOW, CREATED, NOW.minus(Duration.ofDays(40)), 3, 0.6, 2.0, 10).heat()).isEqualTo(PartitionHeat.NORMAL);
    }
}
