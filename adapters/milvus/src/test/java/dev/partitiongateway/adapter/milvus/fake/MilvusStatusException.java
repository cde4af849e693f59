package dev.partitiongateway.adapter.milvus.fake;

import io.milvus.grpc.ErrorCode;
import io.milvus.grpc.Status;

/**
 * A failure the fake reports in a response's {@code Status}, the way Milvus's {@code merr.Status(err)}
 * does: the new numeric {@code code}, the legacy {@code error_code} derived from it (merr's
 * {@code oldCode}), and the reason text.
 */
public final class MilvusStatusException extends RuntimeException {

    public static final int COLLECTION_NOT_FOUND = 100;
    public static final int COLLECTION_NOT_LOADED = 101;
    /** merr.ErrCollectionSchemaMismatch: a write built from another version of the collection's schema. */
    public static final int COLLECTION_SCHEMA_MISMATCH = 109;
    public static final int PARTITION_NOT_FOUND = 200;
    public static final int PARTITION_NOT_LOADED = 201;
    public static final int INDEX_NOT_FOUND = 700;
    public static final int DATABASE_NOT_FOUND = 800;
    public static final int PARAMETER_INVALID = 1100;
    public static final int RATE_LIMIT = 8;
    /** merr's errUnexpected: any error that is not a milvusError, e.g. a plain fmt.Errorf in rootcoord. */
    public static final int UNEXPECTED = 65535;

    private final int code;

    public MilvusStatusException(int code, String reason) {
        super(reason);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public Status toStatus() {
        return status(code, getMessage());
    }

    public static Status status(int code, String reason) {
        return Status.newBuilder()
                .setCode(code)
                .setErrorCode(legacyCode(code))
                .setReason(reason)
                .setRetriable(code == RATE_LIMIT)
                .build();
    }

    /** merr.oldCode: the deprecated error_code that old clients read. */
    static ErrorCode legacyCode(int code) {
        return switch (code) {
            case COLLECTION_NOT_FOUND -> ErrorCode.CollectionNotExists;
            case PARAMETER_INVALID -> ErrorCode.IllegalArgument;
            case PARTITION_NOT_FOUND -> ErrorCode.MetaFailed;
            case COLLECTION_SCHEMA_MISMATCH -> ErrorCode.SchemaMismatch;
            case RATE_LIMIT -> ErrorCode.RateLimit;
            case INDEX_NOT_FOUND -> ErrorCode.IndexNotExist;
            default -> ErrorCode.UnexpectedError;
        };
    }

    public static MilvusStatusException collectionNotFound(String database, String collection) {
        return new MilvusStatusException(COLLECTION_NOT_FOUND,
                "collection not found[database=" + database + "][collection=" + collection + "]");
    }

    public static MilvusStatusException partitionNotFound(String partition) {
        return new MilvusStatusException(PARTITION_NOT_FOUND, "partition not found[partition=" + partition + "]");
    }

    public static MilvusStatusException schemaMismatch(String collection) {
        return new MilvusStatusException(COLLECTION_SCHEMA_MISMATCH, "collection schema mismatch[collection=" + collection + "]");
    }

    public static MilvusStatusException invalid(String message) {
        return new MilvusStatusException(PARAMETER_INVALID, message + ": invalid parameter");
    }

    public static MilvusStatusException unexpected(String message) {
        return new MilvusStatusException(UNEXPECTED, message);
    }
}
