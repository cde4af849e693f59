package dev.partitiongateway.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * The only failures that cross the SPI. Adapters map SDK exceptions to one of the subclasses and
 * never let an SDK exception through.
 */
public abstract sealed class BackendException extends RuntimeException
        permits BackendException.Unavailable, BackendException.Timeout, BackendException.Rejected,
                BackendException.NotFound, BackendException.CapacityExceeded {

    protected BackendException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same call may succeed if retried later. */
    public abstract boolean retryable();

    /** How long the backend asked callers to wait before retrying, when it said so (a rate limit). */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }

    /** The backend cannot be reached, is overloaded or rate-limits the caller. Retryable. */
    public static final class Unavailable extends BackendException {
        private final Duration retryAfter;

        public Unavailable(String message, Throwable cause) {
            this(message, cause, null);
        }

        /** @param retryAfter the wait the backend asked for (e.g. a rate limit's retry-after), or {@code null} */
        public Unavailable(String message, Throwable cause, Duration retryAfter) {
            super(message, cause);
            this.retryAfter = retryAfter;
        }

        @Override
        public boolean retryable() {
            return true;
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    /** The call did not finish within its deadline; it may or may not have been applied. Retryable. */
    public static final class Timeout extends BackendException {
        public Timeout(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean retryable() {
            return true;
        }
    }

    /** The backend refused the request as invalid (dimension, id, filter, limits). Not retryable. */
    public static final class Rejected extends BackendException {
        public Rejected(String message) {
            super(message, null);
        }

        public Rejected(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }

    /** The collection or placement does not exist on the backend. Not retryable. */
    public static final class NotFound extends BackendException {
        public NotFound(String message) {
            super(message, null);
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }

    /**
     * The backend will not hold more of something (partitions per collection, collections per cluster,
     * namespaces or storage of a plan) until an operator acts. The message names the limit and what
     * to do about it. Not retryable.
     */
    public static final class CapacityExceeded extends BackendException {
        public CapacityExceeded(String message) {
            super(message, null);
        }

        public CapacityExceeded(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }
}
