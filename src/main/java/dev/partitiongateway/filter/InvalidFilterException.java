package dev.partitiongateway.filter;

/** A filter the gateway refuses: unknown operator, wrong operand type, bad field name, too deep. */
public class InvalidFilterException extends RuntimeException {
    public InvalidFilterException(String message) {
        super(message);
    }
}
