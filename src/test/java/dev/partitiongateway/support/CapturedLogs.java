package dev.partitiongateway.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;

/** Log records of the running gateway, with the MDC they were logged with, while open. */
public final class CapturedLogs extends Handler implements AutoCloseable {

    /** One captured line: its message and the MDC value asked for. */
    public record Line(String message, String mdcValue, String thread) {
    }

    private final String mdcKey;
    private final List<Line> lines = new CopyOnWriteArrayList<>();

    private CapturedLogs(String mdcKey) {
        this.mdcKey = mdcKey;
    }

    public static CapturedLogs start(String mdcKey) {
        CapturedLogs handler = new CapturedLogs(mdcKey);
        LogContext.getLogContext().getLogger("").addHandler(handler);
        return handler;
    }

    @Override
    public void publish(LogRecord record) {
        if (record instanceof ExtLogRecord ext) {
            ext.copyMdc();
            lines.add(new Line(ext.getFormattedMessage(), ext.getMdc(mdcKey), ext.getThreadName()));
        }
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        LogContext.getLogContext().getLogger("").removeHandler(this);
    }
}
