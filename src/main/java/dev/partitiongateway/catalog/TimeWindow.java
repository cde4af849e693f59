package dev.partitiongateway.catalog;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/**
 * One calendar window of a time-partitioned collection, in UTC: {@code [from, to)}. Windows are
 * calendar-correct: real month lengths and leap years, and ISO weeks (Monday to Monday, numbered by
 * ISO week-based year, so that 2021-01-03 is in week 53 of 2020), never 30-day months.
 *
 * @param label a compact, sortable name: {@code h2024030112}, {@code d20240301}, {@code w2020w53}, {@code m202403}
 */
public record TimeWindow(Instant from, Instant to, String label) {

    /** How long one window of a time-partitioned collection is. */
    public enum Granularity {
        HOURLY, DAILY, WEEKLY, MONTHLY
    }

    public TimeWindow {
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("a window needs from < to");
        }
    }

    /** The window that holds {@code instant}. */
    public static TimeWindow of(Granularity granularity, Instant instant) {
        ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
        return switch (granularity) {
            case HOURLY -> {
                ZonedDateTime start = t.truncatedTo(ChronoUnit.HOURS);
                yield new TimeWindow(start.toInstant(), start.plusHours(1).toInstant(),
                        String.format(Locale.ROOT, "h%04d%02d%02d%02d", start.getYear(), start.getMonthValue(), start.getDayOfMonth(), start.getHour()));
            }
            case DAILY -> {
                ZonedDateTime start = t.truncatedTo(ChronoUnit.DAYS);
                yield new TimeWindow(start.toInstant(), start.plusDays(1).toInstant(),
                        String.format(Locale.ROOT, "d%04d%02d%02d", start.getYear(), start.getMonthValue(), start.getDayOfMonth()));
            }
            case WEEKLY -> {
                LocalDate monday = t.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                ZonedDateTime start = monday.atStartOfDay(ZoneOffset.UTC);
                yield new TimeWindow(start.toInstant(), start.plusWeeks(1).toInstant(),
                        String.format(Locale.ROOT, "w%04dw%02d", monday.get(IsoFields.WEEK_BASED_YEAR), monday.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)));
            }
            case MONTHLY -> {
                ZonedDateTime start = t.toLocalDate().withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC);
                yield new TimeWindow(start.toInstant(), start.plusMonths(1).toInstant(),
                        String.format(Locale.ROOT, "m%04d%02d", start.getYear(), start.getMonthValue()));
            }
        };
    }

    /** Whether the window shares at least one instant with {@code [rangeFrom, rangeTo)}; a {@code null} bound is open. */
    public boolean overlaps(Instant rangeFrom, Instant rangeTo) {
        return (rangeTo == null || from.isBefore(rangeTo)) && (rangeFrom == null || to.isAfter(rangeFrom));
    }
}
