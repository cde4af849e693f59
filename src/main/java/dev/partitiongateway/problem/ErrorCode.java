package dev.partitiongateway.problem;

/** Stable machine-readable codes in every problem response; clients switch on these, not on text. */
public enum ErrorCode {
    VALIDATION_FAILED(400),
    MALFORMED_JSON(400),
    INVALID_FILTER(400),
    UNAUTHENTICATED(401),
    FORBIDDEN(403),
    TENANT_SUSPENDED(403),
    QUOTA_EXCEEDED(403),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    NOT_ACCEPTABLE(406),
    CONFLICT(409),
    /** The vectors targeted are in a partition that is archived (or being archived or restored); restore it first. */
    PARTITION_ARCHIVED(409),
    PAYLOAD_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    RATE_LIMITED(429),
    INTERNAL_ERROR(500),
    BACKEND_UNAVAILABLE(503),
    /** PostgreSQL (metadata, registry, quotas) cannot be reached; nothing was changed. */
    DATABASE_UNAVAILABLE(503),
    /** The backend will hold no more partitions, collections, namespaces or data until an operator acts. */
    BACKEND_CAPACITY_EXCEEDED(507);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** The problem {@code type} URI, stable per code. */
    public String typeUri() {
        return "https://partition-gateway.dev/problems/" + name().toLowerCase().replace('_', '-');
    }
}
