package dev.partitiongateway.adapter.milvus.fake;

/**
 * How a JSON-path predicate treats a row whose path is missing, null, of another type, or not an
 * array where an array is expected. Real Milvus changed this in 2026 (milvus-io/milvus PR #50702,
 * issue #50699); which 2.6.x release carries the change is not confirmed, so the fake can play both.
 */
public enum MissingKeySemantics {

    /**
     * Milvus 2.5.x and 2.6.x before PR #50702: every predicate is TRUE or FALSE. A failed JSON
     * extraction makes {@code ==}, {@code <}, {@code in}, {@code json_contains*} FALSE and {@code !=}
     * TRUE; {@code not} flips, so {@code not (k == v)} and {@code k not in [..]} are TRUE for a
     * missing key.
     */
    TWO_VALUED,

    /**
     * After PR #50702: a failed JSON extraction (parent null, path missing, incompatible type, not an
     * array) is UNKNOWN; {@code not UNKNOWN} is UNKNOWN, {@code and}/{@code or} follow Kleene logic,
     * and only TRUE rows are returned. {@code exists} and {@code is null} stay TRUE or FALSE.
     */
    THREE_VALUED
}
