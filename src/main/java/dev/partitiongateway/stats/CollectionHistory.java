package dev.partitiongateway.stats;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last hour of each collection on this process, minute by minute: search requests and their
 * latency (an HdrHistogram per minute), and vectors written. It feeds the console's charts of queries
 * per minute and p99 over the last hour; {@link HistoryStore} writes it to PostgreSQL so that every
 * process's minutes can be added up. Like {@link PartitionStats}, recording is one lock-free map lookup
 * and a record into the minute's own bucket: nothing on the search or write path touches PostgreSQL.
 */
public final class CollectionHistory {

    /** Minutes kept in memory: an hour, plus the minute being recorded. */
    static final int MINUTES = 60;

    private final Map<String, SlidingWindow> collections = new ConcurrentHashMap<>();
    private final Clock clock;

    CollectionHistory(Clock clock) {
        this.clock = clock;
    }

    /** A search request of {@code collection} whose fan-out took {@code micros} (its slowest backend call). */
    void searched(String collection, long micros) {
        window(collection).searched(clock.millis(), micros);
    }

    /** {@code vectors} written to {@code collection}. */
    void written(String collection, long vectors) {
        if (vectors > 0) {
            window(collection).written(clock.millis(), vectors);
        }
    }

    private SlidingWindow window(String collection) {
        SlidingWindow w = collections.get(collection);
        return w != null ? w : collections.computeIfAbsent(collection, c -> new SlidingWindow(MINUTES));
    }

    /** Copies of each collection's minutes from {@code fromMinute} (epoch minutes) to now that saw traffic. */
    Map<String, List<SlidingWindow.Minute>> minutes(long fromMinute) {
        long now = clock.millis();
        Map<String, List<SlidingWindow.Minute>> found = new LinkedHashMap<>();
        collections.forEach((name, window) -> {
            List<SlidingWindow.Minute> minutes = window.minutes(fromMinute, now);
            if (!minutes.isEmpty()) {
                found.put(name, minutes);
            }
        });
        return found;
    }

    /** Drops minutes older than the hour, and collections with none left. */
    void trim() {
        long now = clock.millis();
        collections.forEach((name, window) -> {
            window.trim(now);
            if (window.minutes(Long.MIN_VALUE, now).isEmpty()) {
                collections.remove(name, window); // a record racing this removal loses that one sample
            }
        });
    }

    long now() {
        return clock.millis();
    }
}
