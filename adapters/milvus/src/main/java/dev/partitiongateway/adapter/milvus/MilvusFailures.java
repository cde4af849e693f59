package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.spi.BackendException;
import io.milvus.v2.exception.ErrorCode;
import io.milvus.v2.exception.MilvusClientException;
import java.time.Duration;
import java.util.Locale;

/**
 * The one place where Milvus and SDK failures become SPI failures. Milvus reports most errors in a
 * response status ({@code code}, with the legacy {@code error_code} for old servers), which the SDK
 * turns into {@link MilvusClientException}; transport errors arrive as gRPC statuses, which the SDK
 * wraps (with the status name in the message once it has retried).
 */
final class MilvusFailures {

    static final int COLLECTION_NOT_FOUND = 100;
    static final int COLLECTION_NOT_LOADED = 101;
    static final int PARTITION_NOT_FOUND = 200;
    static final int PARTITION_NOT_LOADED = 201;
    static final int RATE_LIMITED = 8;
    static final int PARAMETER_INVALID = 1100;
    static final int PARAMETER_MISSING = 1101;
    static final int PARAMETER_TOO_LARGE = 1102;
    /** Legacy (pre-2.3) error_code values. */
    static final int LEGACY_COLLECTION_NOT_EXISTS = 4;
    static final int LEGACY_ILLEGAL_ARGUMENT = 5;
    static final int LEGACY_RATE_LIMIT = 49;
    /** Milvus gives no retry-after; this is what the gateway tells clients after a rate limit. */
    static final Duration RATE_LIMIT_RETRY_AFTER = Duration.ofSeconds(1);

    private MilvusFailures() {
    }

    static int serverCode(Throwable e) {
        return e instanceof MilvusClientException m ? m.getServerErrCode() : 0;
    }

    static boolean isNotLoaded(Throwable e) {
        int code = serverCode(e);
        return code == COLLECTION_NOT_LOADED || code == PARTITION_NOT_LOADED;
    }

    static BackendException translate(String context, Throwable e) {
        if (e instanceof BackendException backend) {
            return backend;
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof MilvusClientException m) {
            int code = m.getServerErrCode();
            int legacy = m.getLegacyServerCode();
            if (m.getErrorCode() == ErrorCode.SERVER_ERROR || code != 0) {
                if (code == COLLECTION_NOT_FOUND || legacy == LEGACY_COLLECTION_NOT_EXISTS) {
                    return new BackendException.NotFound(context + ": Milvus collection not found (" + m.getMessage() + ")");
                }
                if (code == PARTITION_NOT_FOUND) {
                    return new BackendException.NotFound(context + ": Milvus partition not found (" + m.getMessage() + ")");
                }
                if (code == RATE_LIMITED || legacy == LEGACY_RATE_LIMIT) {
                    return new BackendException.Unavailable(context + ": Milvus rate limit (" + m.getMessage() + ")", e, RATE_LIMIT_RETRY_AFTER);
                }
                if (code == PARAMETER_INVALID || code == PARAMETER_MISSING || code == PARAMETER_TOO_LARGE || legacy == LEGACY_ILLEGAL_ARGUMENT) {
                    return new BackendException.Rejected(context + ": Milvus refused the request: " + m.getMessage(), e);
                }
                if (message.contains("exceeds max configuration")) {
                    return new BackendException.CapacityExceeded(context + ": " + m.getMessage()
                            + "; Milvus holds at most rootCoord.maxPartitionNum partitions per collection: use the SHARED_HASH"
                            + " partitioning strategy for many small tenants, or raise rootCoord.maxPartitionNum and"
                            + " gateway.milvus.max-partitions together", e);
                }
                if (code == COLLECTION_NOT_LOADED || code == PARTITION_NOT_LOADED) {
                    return new BackendException.Unavailable(context + ": Milvus has not loaded the data (" + m.getMessage() + ")", e);
                }
                if (m.getErrorCode() == ErrorCode.SERVER_ERROR) {
                    return new BackendException.Unavailable(context + ": Milvus failed (code " + code + "): " + m.getMessage(), e);
                }
            }
            if (m.getErrorCode() == ErrorCode.INVALID_PARAMS) {
                return new BackendException.Rejected(context + ": " + m.getMessage(), e);
            }
            if (m.getErrorCode() == ErrorCode.TIMEOUT && !message.contains("DEADLINE_EXCEEDED")) {
                // The SDK's retry budget ran out: every attempt failed in a retryable way (unavailable, or rate-limited).
                return new BackendException.Unavailable(context + ": Milvus kept failing within the retry budget (" + m.getMessage() + ")", e);
            }
        }
        return transport(context, e, message);
    }

    /** gRPC-level failures, whether the SDK kept the StatusRuntimeException as the cause or only its text. */
    private static BackendException transport(String context, Throwable e, String message) {
        String text = message;
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            text = text + " " + cause.getMessage();
        }
        String upper = text.toUpperCase(Locale.ROOT);
        if (upper.contains("DEADLINE_EXCEEDED")) {
            return new BackendException.Timeout(context + ": Milvus did not answer within gateway.milvus.call-timeout", e);
        }
        if (upper.contains("RESOURCE_EXHAUSTED") && upper.contains("MESSAGE")) {
            return new BackendException.Rejected(context + ": the request is larger than Milvus accepts: " + message, e);
        }
        if (upper.contains("UNAUTHENTICATED") || upper.contains("PERMISSION_DENIED")) {
            return new BackendException.Unavailable(context + ": Milvus refused the gateway's credentials (check gateway.milvus.token): "
                    + message, e);
        }
        return new BackendException.Unavailable(context + ": " + e.getClass().getSimpleName() + ": " + message, e);
    }
}
