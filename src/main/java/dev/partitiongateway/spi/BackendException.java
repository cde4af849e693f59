package dev.partitiongateway.spi;

/**
 * The only failures that cross the SPI. Adapters map SDK exceptions to one of the subclasses and
 * never let an SDK exception through.
 */
public abstract sealed class BackendException extends RuntimeException
        permits BackendException.Unavailable, BackendException.Timeout, BackendException.Rejected,
                BackendException.NotFound {

    protected BackendException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same call may succeed if retried later. */
    public abstract boolean retryable();

    /** The backend cannot be reached or is overloaded. Retryable. */
    public static final class Unavailable extends BackendException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean retryable() {
            return true;
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
}
