package dev.partitiongateway.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.PackedHistogram;

/**
 * One partition's recent searches and writes in one-minute buckets: a ring of {@code window + 1}
 * buckets, each with an HdrHistogram of the minute's search latencies (packed: it holds only the
 * values it saw, 1 to 2 KB for a busy minute) and the vectors written in it.
 *
 * <p>The bucket of the current minute is found by its index in the ring and replaced by compare-and-set
 * when it holds an older minute, without a lock. A search's latency is recorded under the lock of its
 * partition's bucket of the minute, held for the ~100 ns of one record: never a lock shared between
 * partitions. (HdrHistogram's own concurrent packed histogram was tried first and can livelock while
 * it grows under concurrent recording; {@code SlidingWindowTest} catches it.) Writes are counted in a
 * {@link LongAdder}. A bucket holds nothing until something is recorded in its minute, so an idle
 * partition costs no histogram at all, and {@link #trim} drops buckets that left the window.
 *
 * <p>What a reading says, at instant {@code now} in minute {@code m}, a fraction {@code f} into it:
 * rates are exact over the last {@code window} minutes (the buckets of {@code m-window+1 .. m} whole,
 * the bucket of {@code m-window} weighted by {@code 1-f}, the part of it still inside the window);
 * percentiles and counts cover the searches of the buckets {@code m-window .. m}, so a search leaves
 * them one whole minute after it left the window, never before.
 */
final class SlidingWindow {

    static final long MINUTE_MILLIS = 60_000;
    /** Latencies are recorded in microseconds, from 1 µs to 1 h (longer ones count as 1 h). */
    static final long HIGHEST_MICROS = 3_600_000_000L;
    private static final int SIGNIFICANT_DIGITS = 2;

    private final int minutes;
    private final AtomicReferenceArray<Bucket> ring;

    private static final class Bucket {
        final long minute;
        final LongAdder inserts = new LongAdder();
        /** Created on the minute's first search: a bucket of writes alone carries no histogram. Guarded by this bucket. */
        private PackedHistogram latency;

        Bucket(long minute) {
            this.minute = minute;
        }

        synchronized void searched(long micros) {
            if (latency == null) {
                latency = new PackedHistogram(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS);
            }
            latency.recordValue(micros);
        }

        synchronized long searches() {
            return latency == null ? 0 : latency.getTotalCount();
        }

        /** Adds this minute's latencies to {@code target}; returns how many there were. */
        synchronized long addTo(AbstractHistogram target) {
            if (latency == null) {
                return 0;
            }
            target.add(latency);
            return latency.getTotalCount();
        }
    }

    SlidingWindow(int minutes) {
        if (minutes < 1 || minutes > 60) {
            throw new IllegalArgumentException("a window of " + minutes + " minutes; it must be 1 to 60");
        }
        this.minutes = minutes;
        this.ring = new AtomicReferenceArray<>(minutes + 1);
    }

    int minutes() {
        return minutes;
    }

    /** A search of this partition that took {@code micros}, at {@code nowMillis}. */
    void searched(long nowMillis, long micros) {
        Bucket b = bucket(nowMillis);
        if (b != null) {
            b.searched(Math.max(1, Math.min(HIGHEST_MICROS, micros)));
        }
    }

    /** {@code vectors} written to this partition at {@code nowMillis}. */
    void written(long nowMillis, long vectors) {
        Bucket b = bucket(nowMillis);
        if (b != null && vectors > 0) {
            b.inserts.add(vectors);
        }
    }

    /** The bucket of {@code nowMillis}'s minute; {@code null} if that minute already left the ring (a caller stalled for minutes). */
    private Bucket bucket(long nowMillis) {
        long minute = Math.floorDiv(nowMillis, MINUTE_MILLIS);
        int index = (int) Math.floorMod(minute, (long) ring.length());
        Bucket b = ring.get(index);
        while (b == null || b.minute != minute) {
            if (b != null && b.minute > minute) {
                return null;
            }
            Bucket fresh = new Bucket(minute);
            if (ring.compareAndSet(index, b, fresh)) {
                return fresh;
            }
            b = ring.get(index);
        }
        return b;
    }

    /** The window's figures at {@code nowMillis}. */
    WindowFigures figures(long nowMillis) {
        long minute = Math.floorDiv(nowMillis, MINUTE_MILLIS);
        double into = (nowMillis - minute * MINUTE_MILLIS) / (double) MINUTE_MILLIS;
        long oldest = minute - minutes;
        double weightedSearches = 0;
        double weightedInserts = 0;
        long searches = 0;
        long inserts = 0;
        AbstractHistogram merged = null;
        for (int i = 0; i < ring.length(); i++) {
            Bucket b = ring.get(i);
            if (b == null || b.minute < oldest || b.minute > minute) {
                continue;
            }
            double weight = b.minute == oldest ? 1 - into : 1;
            if (merged == null) {
                merged = new PackedHistogram(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS);
            }
            long s = b.addTo(merged);
            long w = b.inserts.sum();
            weightedSearches += weight * s;
            weightedInserts += weight * w;
            searches += s;
            inserts += w;
        }
        if (searches == 0 && inserts == 0) {
            return WindowFigures.NONE;
        }
        Double p50 = null;
        Double p95 = null;
        Double p99 = null;
        if (merged != null && merged.getTotalCount() > 0) {
            p50 = millis(merged.getValueAtPercentile(50));
            p95 = millis(merged.getValueAtPercentile(95));
            p99 = millis(merged.getValueAtPercentile(99));
        }
        return new WindowFigures(searches, inserts, weightedSearches / minutes, weightedInserts / minutes, p50, p95, p99);
    }

    /** Searches plus vectors written per minute over exactly the window at {@code nowMillis}: {@link WindowFigures#load()} without the percentiles. */
    double load(long nowMillis) {
        long minute = Math.floorDiv(nowMillis, MINUTE_MILLIS);
        double into = (nowMillis - minute * MINUTE_MILLIS) / (double) MINUTE_MILLIS;
        long oldest = minute - minutes;
        double weighted = 0;
        for (int i = 0; i < ring.length(); i++) {
            Bucket b = ring.get(i);
            if (b != null && b.minute >= oldest && b.minute <= minute) {
                weighted += (b.minute == oldest ? 1 - into : 1) * (b.searches() + b.inserts.sum());
            }
        }
        return weighted / minutes;
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }

    /** One minute of the ring: its searches' latencies (a copy) and the vectors written in it. */
    record Minute(long minute, long inserts, AbstractHistogram latency) {
        long searches() {
            return latency.getTotalCount();
        }
    }

    /**
     * Copies of the minutes from {@code fromMinute} to {@code nowMillis}'s minute that saw a search or a
     * write, oldest first. A minute still being recorded is copied as it is at this instant.
     */
    List<Minute> minutes(long fromMinute, long nowMillis) {
        long current = Math.floorDiv(nowMillis, MINUTE_MILLIS);
        List<Minute> found = new ArrayList<>();
        for (int i = 0; i < ring.length(); i++) {
            Bucket b = ring.get(i);
            if (b == null || b.minute < fromMinute || b.minute > current) {
                continue;
            }
            AbstractHistogram copy = new PackedHistogram(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS);
            b.addTo(copy);
            long inserts = b.inserts.sum();
            if (copy.getTotalCount() > 0 || inserts > 0) {
                found.add(new Minute(b.minute, inserts, copy));
            }
        }
        found.sort(Comparator.comparingLong(Minute::minute));
        return found;
    }

    /** An empty latency histogram of the precision the window records with. */
    static AbstractHistogram emptyLatency() {
        return new PackedHistogram(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS);
    }

    /** Drops the buckets that left the window, so that an idle partition holds no histogram. */
    void trim(long nowMillis) {
        long oldest = Math.floorDiv(nowMillis, MINUTE_MILLIS) - minutes;
        for (int i = 0; i < ring.length(); i++) {
            Bucket b = ring.get(i);
            if (b != null && b.minute < oldest) {
                ring.compareAndSet(i, b, null);
            }
        }
    }
}
