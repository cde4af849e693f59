package dev.partitiongateway.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.catalog.TimeWindow.Granularity;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Calendar windows in UTC: real month lengths, leap days, ISO weeks (with week 53), year ends. */
class TimeWindowTest {

    private static Instant at(String instant) {
        return Instant.parse(instant);
    }

    @ParameterizedTest(name = "{0} {1} -> [{2}, {3}) {4}")
    @CsvSource({
            // hours, across a day and a year end
            "HOURLY,  2024-03-01T12:34:56.789Z, 2024-03-01T12:00:00Z, 2024-03-01T13:00:00Z, h2024030112",
            "HOURLY,  2023-12-31T23:59:59.999Z, 2023-12-31T23:00:00Z, 2024-01-01T00:00:00Z, h2023123123",
            // days: a leap day, the day after it, a year end
            "DAILY,   2024-02-29T23:59:59.999Z, 2024-02-29T00:00:00Z, 2024-03-01T00:00:00Z, d20240229",
            "DAILY,   2024-03-01T00:00:00Z,     2024-03-01T00:00:00Z, 2024-03-02T00:00:00Z, d20240301",
            "DAILY,   2023-12-31T12:00:00Z,     2023-12-31T00:00:00Z, 2024-01-01T00:00:00Z, d20231231",
            // months of 28, 29, 30 and 31 days, and December into January
            "MONTHLY, 2023-02-15T00:00:00Z,     2023-02-01T00:00:00Z, 2023-03-01T00:00:00Z, m202302",
            "MONTHLY, 2024-02-29T10:00:00Z,     2024-02-01T00:00:00Z, 2024-03-01T00:00:00Z, m202402",
            "MONTHLY, 2024-04-30T23:59:59Z,     2024-04-01T00:00:00Z, 2024-05-01T00:00:00Z, m202404",
            "MONTHLY, 2024-01-31T23:59:59Z,     2024-01-01T00:00:00Z, 2024-02-01T00:00:00Z, m202401",
            "MONTHLY, 2024-12-31T23:59:59Z,     2024-12-01T00:00:00Z, 2025-01-01T00:00:00Z, m202412",
            // ISO weeks: Monday to Monday; 2020 has a week 53 that ends in 2021; week 1 of 2026 starts in 2025
            "WEEKLY,  2020-12-31T12:00:00Z,     2020-12-28T00:00:00Z, 2021-01-04T00:00:00Z, w2020w53",
            "WEEKLY,  2021-01-03T23:59:59Z,     2020-12-28T00:00:00Z, 2021-01-04T00:00:00Z, w2020w53",
            "WEEKLY,  2021-01-04T00:00:00Z,     2021-01-04T00:00:00Z, 2021-01-11T00:00:00Z, w2021w01",
            "WEEKLY,  2025-12-31T00:00:00Z,     2025-12-29T00:00:00Z, 2026-01-05T00:00:00Z, w2026w01",
            "WEEKLY,  2024-03-03T23:00:00Z,     2024-02-26T00:00:00Z, 2024-03-04T00:00:00Z, w2024w09",
    })
    void should_put_an_instant_in_its_calendar_window(Granularity granularity, String instant, String from, String to, String label) {
        TimeWindow window = TimeWindow.of(granularity, at(instant));

        assertThat(window.from()).isEqualTo(at(from));
        assertThat(window.to()).isEqualTo(at(to));
        assertThat(window.label()).isEqualTo(label);
    }

    @Test
    void should_name_every_window_of_the_years_1_to_9999_with_a_four_digit_year() {
        for (Granularity g : Granularity.values()) {
            for (String instant : List.of("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z")) {
                assertThat(TimeWindow.of(g, at(instant)).label()).as("%s at %s", g, instant).matches("[hdwm][0-9]{4}[0-9w]*");
            }
        }
        assertThat(TimeWindow.of(Granularity.WEEKLY, at("0001-01-01T00:00:00Z")).label()).isEqualTo("w0001w01");
        assertThat(TimeWindow.of(Granularity.WEEKLY, at("9999-12-31T23:59:59.999Z")).label()).isEqualTo("w9999w52");
    }

    @Test
    void should_tile_time_without_gaps_or_overlaps_for_every_granularity() {
        for (Granularity g : Granularity.values()) {
            Instant t = at("2019-12-25T00:00:00Z");
            TimeWindow previous = TimeWindow.of(g, t);
            while (t.isBefore(at("2021-03-10T00:00:00Z"))) {
                TimeWindow next = TimeWindow.of(g, previous.to());
                assertThat(next.from()).as("%s after %s", g, previous.label()).isEqualTo(previous.to());
                assertThat(next.label()).isNotEqualTo(previous.label());
                assertThat(TimeWindow.of(g, next.to().minusMillis(1))).isEqualTo(next);
                previous = next;
                t = next.to();
            }
        }
    }

    @Test
    void should_overlap_a_range_that_shares_at_least_one_instant_with_it() {
        TimeWindow march = TimeWindow.of(Granularity.MONTHLY, at("2024-03-10T00:00:00Z"));

        assertThat(march.overlaps(at("2024-03-31T23:59:59Z"), null)).isTrue();
        assertThat(march.overlaps(null, at("2024-03-01T00:00:01Z"))).isTrue();
        assertThat(march.overlaps(null, null)).isTrue();
        assertThat(march.overlaps(at("2024-04-01T00:00:00Z"), null)).as("a range starting at the window's end").isFalse();
        assertThat(march.overlaps(null, at("2024-03-01T00:00:00Z"))).as("a range ending where the window starts").isFalse();
        assertThat(march.overlaps(at("2024-01-01T00:00:00Z"), at("2024-02-01T00:00:00Z"))).isFalse();
    }
}
