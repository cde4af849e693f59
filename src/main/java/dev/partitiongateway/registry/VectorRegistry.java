package dev.partitiongateway.registry;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One row per stored vector: (tenant, collection, external id) -> partition. It tells an insert from
 * an update (so quotas count each id once), which partition holds an id, and it is what backends are
 * reconciled against.
 *
 * <p>A row is ACTIVE (the backend holds the vector) or PENDING (a write registered it and reserved its
 * quota, and has not yet confirmed that the backend holds it). Rows also order writes of one id:
 * {@link #lock} locks the rows a write touches until the writing transaction ends, and that
 * transaction spans the backend call, so two writes of one id reach the backend in the order they
 * commit here. All methods run in the caller's transaction.
 *
 * <p>Every PENDING row is named by the {@code pending_writes} row of its write (its ledger entry): that is
 * how the reconciler finds the rows of writes that died, without an index on {@code state}. Making rows
 * ACTIVE changes no indexed column, so it is a heap-only update (the table leaves room on each page).
 */
public final class VectorRegistry {

    /**
     * A registry row as a writer sees it once locked; {@code rowId} is its {@code ctid}, which stays the
     * row's until the locking transaction ends or changes it (see {@link #activateLocked}).
     */
    public record Row(long partitionId, boolean pending, UUID writeId, String rowId) {
    }

    /** The source of {@link #eachKey} for one array of ids, in the order given. */
    private static final String IDS = "unnest(?::varchar[]) WITH ORDINALITY AS t(id, n)";
    /** Makes rows ACTIVE; the condition that picks them follows. */
    private static final String ACTIVATE = "UPDATE vector_registry SET state = 'ACTIVE', write_id = NULL, updated_at = now() WHERE ";

    private VectorRegistry() {
    }

    /**
     * {@code FROM <source> CROSS JOIN LATERAL (SELECT <columns> FROM vector_registry WHERE tenant_id = ? AND
     * collection = ? AND external_id = t.id OFFSET 0 [FOR UPDATE]) r}: the rows of the ids that {@code source}
     * unnests as {@code t(id, ...)}, each found on its own through the primary key (and locked, with
     * {@code lock}). The source's arrays are the first parameters, then the tenant and the collection.
     *
     * <p>The statements that take a list of ids read them this way ({@link #activateLocked} by the row ids
     * that {@link #lock} read so), never with {@code external_id = ANY (?)} or a join with {@code unnest}:
     * for those, the planner may read
     * every row of the tenant in the collection and filter them, and it did (a generic plan, and
     * statistics older than the tenant's growth: 3,200 buffers and 3 ms for 10 ids of a tenant with
     * 9,000 vectors), so that a tenant's writes slowed as it grew. The lateral subquery is planned on
     * its own with an equality on all three key columns, a unique probe per id whatever the statistics
     * say. {@code OFFSET 0} keeps the planner from merging the subquery into the join and from pushing
     * the outer query's conditions into it: there, {@code state = 'PENDING'} let it scan the partial
     * index of pending rows once per id instead.
     */
    private static String eachKey(String source, String columns, boolean lock) {
        return "FROM " + source + " CROSS JOIN LATERAL (SELECT " + columns
                + " FROM vector_registry WHERE tenant_id = ? AND collection = ? AND external_id = t.id OFFSET 0" + (lock ? " FOR UPDATE" : "") + ") r";
    }

    /**
     * {@code ctid = ANY (ARRAY(SELECT r.ctid FROM <the ids, each locked> [WHERE <condition>]))}: the rows
     * of an UPDATE or a DELETE, found by {@link #eachKey} and then read by their row ids (a TID scan),
     * so that no join leaves the planner a choice. The lock makes this exact on any PostgreSQL release:
     * the condition is checked on the newest version of each row once it is locked, and a locked row
     * keeps its row id until this transaction ends. Unlocked, a row another transaction changed meanwhile
     * is found again only by its row id, and older releases' recheck of a TID scan did not compare row ids
     * at all (it returned true), so they would change the new version whatever the condition said.
     * Parameters: the ids, the tenant, the collection, then the condition's.
     */
    private static String lockedRows(String columns, String condition) {
        return "ctid = ANY (ARRAY(SELECT r.ctid " + eachKey(IDS, columns, true) + (condition.isEmpty() ? "" : " WHERE " + condition) + "))";
    }

    /**
     * Registers the ids that are not registered yet as PENDING in their target partition, owned by
     * {@code writeId}, names them in the write's ledger entry, and returns them. Ids registered already
     * (active, or pending for another write) are left alone. Runs in the caller's short transaction, with
     * the quota reservation for exactly the returned ids; a concurrent registration of the same new id
     * waits for that transaction.
     */
    public static Set<String> registerPending(Connection c, String tenantId, String collection, Map<String, Long> targetPartition,
                                              UUID writeId) throws SQLException {
        Map<String, Long> sorted = new TreeMap<>(targetPartition);
        Set<String> inserted = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at, state, write_id)
                SELECT ?, ?, t.id, t.partition_id, now(), 'PENDING', ?
                FROM unnest(?::varchar[], ?::bigint[]) WITH ORDINALITY AS t(id, partition_id, n) ORDER BY t.n
                ON CONFLICT (tenant_id, collection, external_id) DO NOTHING
                RETURNING external_id""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setObject(3, writeId);
            s.setArray(4, c.createArrayOf("varchar", sorted.keySet().toArray()));
            s.setArray(5, c.createArrayOf("bigint", sorted.values().toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    inserted.add(rs.getString(1));
                }
            }
        }
        if (!inserted.isEmpty()) {
            // A write registers again what concurrent deletes removed meanwhile: its entry names both.
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO pending_writes (write_id, tenant_id, collection, ids) VALUES (?, ?, ?, ?::varchar[])
                    ON CONFLICT (write_id) DO UPDATE SET ids = pending_writes.ids || EXCLUDED.ids""")) {
                s.setObject(1, writeId);
                s.setString(2, tenantId);
                s.setString(3, collection);
                s.setArray(4, textArray(c, new TreeSet<>(inserted)));
                s.executeUpdate();
            }
        }
        return inserted;
    }

    /**
     * Locks the rows of these ids until the transaction ends, in one fixed order (Java string order,
     * the order every writer uses, so writers of overlapping ids wait for each other instead of
     * deadlocking) and returns what they hold. An id without a row is absent from the result.
     */
    public static Map<String, Row> lock(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        Map<String, Row> found = new LinkedHashMap<>();
        // Each id's row is locked as the loop over the sorted ids reaches it, so in that order.
        try (PreparedStatement s = c.prepareStatement("SELECT r.external_id, r.partition_id, r.state = 'PENDING', r.write_id, r.ctid::text "
                + eachKey(IDS, "ctid, external_id, partition_id, state, write_id", true) + " ORDER BY t.n")) {
            s.setArray(1, textArray(c, new TreeSet<>(ids)));
            s.setString(2, tenantId);
            s.setString(3, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), new Row(rs.getLong(2), rs.getBoolean(3), rs.getObject(4, UUID.class), rs.getString(5)));
                }
            }
        }
        return found;
    }

    /** Points these (locked) ids at new partitions. */
    public static void repoint(Connection c, String tenantId, String collection, Map<String, Long> newPartition) throws SQLException {
        if (newPartition.isEmpty()) {
            return;
        }
        Map<String, Long> sorted = new TreeMap<>(newPartition);
        try (PreparedStatement s = c.prepareStatement("UPDATE vector_registry v SET partition_id = n.partition_id, updated_at = now() "
                + "FROM unnest(?::varchar[], ?::bigint[]) AS n(id, partition_id) WHERE v.external_id = n.id AND v." + lockedRows("ctid", ""))) {
            Array ids = c.createArrayOf("varchar", sorted.keySet().toArray());
            s.setArray(1, ids);
            s.setArray(2, c.createArrayOf("bigint", sorted.values().toArray()));
            s.setArray(3, ids);
            s.setString(4, tenantId);
            s.setString(5, collection);
            s.executeUpdate();
        }
    }

    /**
     * Makes the pending ones of these rows ACTIVE (the backend holds what they describe), by the row ids
     * {@link #lock} returned: no index is read, and no index entry is written (a heap-only update). For
     * rows this transaction locked: a locked row keeps its row id until its own transaction gives it a new
     * version (so call this before {@link #repoint}). Should a row id no longer name the row's current
     * version all the same, fewer rows change than were pending, and those rows are made ACTIVE by their
     * keys instead.
     */
    public static void activateLocked(Connection c, String tenantId, String collection, Map<String, Row> rows) throws SQLException {
        List<String> pendingIds = new ArrayList<>();
        List<String> rowIds = new ArrayList<>();
        rows.forEach((id, row) -> {
            if (row.pending()) {
                pendingIds.add(id);
                rowIds.add(row.rowId());
            }
        });
        if (rowIds.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(ACTIVATE + "ctid = ANY (?::tid[]) AND state = 'PENDING'")) {
            s.setArray(1, c.createArrayOf("varchar", rowIds.toArray()));
            if (s.executeUpdate() < rowIds.size()) {
                activate(c, tenantId, collection, pendingIds);
            }
        }
    }

    /** Makes the pending ones of these ids ACTIVE, each found by its key (and locked): the reconciler confirming rows. */
    public static void activate(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(ACTIVATE + lockedRows("ctid, state", "r.state = 'PENDING'"))) {
            s.setArray(1, textArray(c, new TreeSet<>(ids)));
            s.setString(2, tenantId);
            s.setString(3, collection);
            s.executeUpdate();
        }
    }

    /**
     * Removes a write's ledger entry, in the transaction that made its rows ACTIVE or removed them: none
     * of its rows is PENDING any more (another write may have made some ACTIVE before; a delete may have
     * removed some).
     */
    public static void finish(Connection c, UUID writeId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM pending_writes WHERE write_id = ?")) {
            s.setObject(1, writeId);
            s.executeUpdate();
        }
    }

    /**
     * Removes the rows of a failed write that are still PENDING and its own, and returns how many:
     * exactly the quota to give back. A row another write has since made active stays (and keeps its quota).
     * The caller removes the write's ledger entry ({@link #finish}) in the same transaction.
     */
    public static int abandonPending(Connection c, String tenantId, String collection, Collection<String> ids, UUID writeId)
            throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM vector_registry WHERE "
                + lockedRows("ctid, state, write_id", "r.state = 'PENDING' AND r.write_id = ?"))) {
            s.setArray(1, textArray(c, new TreeSet<>(ids)));
            s.setString(2, tenantId);
            s.setString(3, collection);
            s.setObject(4, writeId);
            return s.executeUpdate();
        }
    }

    /** Removes these ids' rows; returns, per partition, how many were removed. */
    public static Map<Long, Long> unregister(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        Map<Long, Long> removed = new HashMap<>();
        if (ids.isEmpty()) {
            return removed;
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM vector_registry WHERE " + lockedRows("ctid", "") + " RETURNING partition_id")) {
            s.setArray(1, textArray(c, new TreeSet<>(ids)));
            s.setString(2, tenantId);
            s.setString(3, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    removed.merge(rs.getLong(1), 1L, Long::sum);
                }
            }
        }
        return removed;
    }

    /** Registered vectors per tenant in a collection (for giving quota back when it is dropped). */
    public static Map<String, Long> countsByTenant(Connection c, String collection) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT tenant_id, count(*) FROM vector_registry WHERE collection = ? GROUP BY tenant_id")) {
            s.setString(1, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    /**
     * Pending rows of a tenant in a collection: id -> partition. Read through the ledger: each entry's ids,
     * each found by its key, that are still PENDING for that write.
     */
    public static Map<String, Long> pending(Connection c, String tenantId, String collection) throws SQLException {
        Map<String, Long> found = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT r.external_id, r.partition_id FROM pending_writes p CROSS JOIN LATERAL unnest(p.ids) AS t(id)
                CROSS JOIN LATERAL (SELECT external_id, partition_id, state, write_id FROM vector_registry
                                    WHERE tenant_id = p.tenant_id AND collection = p.collection AND external_id = t.id OFFSET 0) r
                WHERE p.tenant_id = ? AND p.collection = ? AND r.state = 'PENDING' AND r.write_id = p.write_id""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return found;
    }

    /**
     * Removes the ledger entries of a tenant in a collection that name no row still PENDING for their
     * write: the reconciler, holding the tenant's writes, after it has settled what it could judge.
     * Returns how many it removed.
     */
    public static int forgetSettled(Connection c, String tenantId, String collection) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                DELETE FROM pending_writes p WHERE p.tenant_id = ? AND p.collection = ? AND NOT EXISTS (
                    SELECT 1 FROM unnest(p.ids) AS t(id) CROSS JOIN LATERAL (
                        SELECT state, write_id FROM vector_registry
                        WHERE tenant_id = p.tenant_id AND collection = p.collection AND external_id = t.id OFFSET 0) r
                    WHERE r.state = 'PENDING' AND r.write_id = p.write_id)""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            return s.executeUpdate();
        }
    }

    /** Those of these ids whose rows (in any state) last changed before {@code before}. */
    public static Set<String> changedBefore(Connection c, String tenantId, String collection, Collection<String> ids, java.time.Instant before)
            throws SQLException {
        Set<String> old = new HashSet<>();
        if (ids.isEmpty()) {
            return old;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT r.external_id "
                + eachKey(IDS, "external_id, updated_at", false) + " WHERE r.updated_at < ?")) {
            s.setArray(1, textArray(c, new HashSet<>(ids)));
            s.setString(2, tenantId);
            s.setString(3, collection);
            s.setTimestamp(4, java.sql.Timestamp.from(before));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    old.add(rs.getString(1));
                }
            }
        }
        return old;
    }

    /** Active ids of a tenant in one partition, with when each row last changed. */
    public static Map<String, java.time.Instant> activeIds(Connection c, long partitionId, String tenantId) throws SQLException {
        Map<String, java.time.Instant> ids = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT external_id, updated_at FROM vector_registry
                WHERE partition_id = ? AND tenant_id = ? AND state = 'ACTIVE'""")) {
            s.setLong(1, partitionId);
            s.setString(2, tenantId);
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.put(rs.getString(1), rs.getTimestamp(2).toInstant());
                }
            }
        }
        return ids;
    }

    /** How many active rows a tenant has in one partition. */
    public static long countActive(Connection c, long partitionId, String tenantId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM vector_registry WHERE partition_id = ? AND tenant_id = ? AND state = 'ACTIVE'")) {
            s.setLong(1, partitionId);
            s.setString(2, tenantId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The partition each of these ids is registered in (any state), without locking. */
    public static Map<String, Long> partitionsOf(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        Map<String, Long> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT r.external_id, r.partition_id "
                + eachKey(IDS, "external_id, partition_id", false))) {
            s.setArray(1, textArray(c, new HashSet<>(ids)));
            s.setString(2, tenantId);
            s.setString(3, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return found;
    }

    /**
     * The partitions in one of {@code states} in which any of these ids is registered, without locking.
     * Only the tenant's own partitions and the collection's shared buckets can hold its ids, and while
     * none of them is in such a state (for the archive states: nearly always) a one-time filter stops
     * the statement before it reads a single id's row; a write of 500 ids then costs one index probe of
     * the directory instead of 500 of the registry.
     */
    public static Set<Long> partitionsInStates(Connection c, String tenantId, String collection, Collection<String> ids,
                                               Collection<String> states) throws SQLException {
        Set<Long> found = new HashSet<>();
        if (ids.isEmpty() || states.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement("WITH held AS (SELECT id FROM partitions WHERE collection = ? "
                + "AND (tenant_id = ? OR strategy = 'SHARED_HASH') AND state = ANY (?::varchar[])) "
                + "SELECT DISTINCT r.partition_id " + eachKey(IDS, "partition_id", false)
                + " WHERE EXISTS (SELECT 1 FROM held) AND r.partition_id IN (SELECT id FROM held)")) {
            s.setString(1, collection);
            s.setString(2, tenantId);
            s.setArray(3, textArray(c, states));
            s.setArray(4, textArray(c, new HashSet<>(ids)));
            s.setString(5, tenantId);
            s.setString(6, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getLong(1));
                }
            }
        }
        return found;
    }

    /** Registers ids the backend holds as ACTIVE in a partition (the reconciler adopting orphans); returns how many were added. */
    public static int adopt(Connection c, String tenantId, String collection, long partitionId, Collection<String> ids) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at, state)
                SELECT ?, ?, id, ?, now(), 'ACTIVE' FROM unnest(?::varchar[]) AS id
                ON CONFLICT (tenant_id, collection, external_id) DO NOTHING""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setLong(3, partitionId);
            s.setArray(4, textArray(c, ids));
            return s.executeUpdate();
        }
    }

    /** Removes every row of a tenant in a collection, in the caller's (JTA) transaction; returns how many. */
    public static long removeAll(javax.sql.DataSource dataSource, String tenantId, String collection) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM vector_registry WHERE tenant_id = ? AND collection = ?")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the registry rows of " + tenantId + " in " + collection, e);
        }
    }

    static Array textArray(Connection c, Collection<String> ids) throws SQLException {
        return c.createArrayOf("varchar", ids.toArray());
    }
}
