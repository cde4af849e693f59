package dev.partitiongateway.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL advisory locks that order writes against the operations that must see no write in
 * flight: deleting a tenant or a collection, recounting a tenant's usage (the reconciler), and the
 * directory switches of a split.
 *
 * <p>Every write of tenant T to collection C holds T and C <em>shared</em>, so writes run in parallel;
 * those operations take T or C <em>exclusive</em>, which waits for the writes in flight and holds back
 * new ones (PostgreSQL queues a shared request behind a waiting exclusive one). Writers take T before
 * C; nothing takes them in the other order, so these locks cannot deadlock with each other.
 *
 * <p>A batch of a move (a split moving vectors between partitions) holds the tenant and collection
 * shared too, for its transaction only, so that the reconciler, which compares registry and backend
 * with the tenant exclusive, never sees a batch half done. A delete by filter holds the tenant's moves
 * of the collection {@linkplain #shareMoves shared} from the scans that find its matches to its delete,
 * and each move batch takes them {@linkplain #excludeMoves exclusive}, so that no vector moves between
 * a scan of its old partition and a scan of its new one. The moves lock is always taken before the
 * tenant and collection locks.
 *
 * <p>Keys are {@code (namespace, String.hashCode(id))}: a collision only makes two unrelated ids wait
 * for each other, never lets one pass unlocked.
 */
public final class WriteLocks {

    private static final int TENANT = 0x70677701;
    private static final int COLLECTION = 0x70677702;
    private static final int RECONCILER = 0x70677703;
    private static final int MOVES = 0x70677705;

    private WriteLocks() {
    }

    /** Session-level shared locks on the tenant, then the collection; release with {@link #releaseShared}. */
    public static void shareForWrite(Connection c, String tenantId, String collection) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT pg_advisory_lock_shared(?, ?), pg_advisory_lock_shared(?, ?)")) {
            s.setInt(1, TENANT);
            s.setInt(2, tenantId.hashCode());
            s.setInt(3, COLLECTION);
            s.setInt(4, collection.hashCode());
            s.execute();
        }
    }

    public static void releaseShared(Connection c, String tenantId, String collection) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT pg_advisory_unlock_shared(?, ?), pg_advisory_unlock_shared(?, ?)")) {
            s.setInt(1, COLLECTION);
            s.setInt(2, collection.hashCode());
            s.setInt(3, TENANT);
            s.setInt(4, tenantId.hashCode());
            s.execute();
        }
    }

    /** Transaction-level shared locks on the tenant, then the collection: a move batch, ordered like a write. */
    public static void shareForMove(Connection c, String tenantId, String collection) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT pg_advisory_xact_lock_shared(?, ?), pg_advisory_xact_lock_shared(?, ?)")) {
            s.setInt(1, TENANT);
            s.setInt(2, tenantId.hashCode());
            s.setInt(3, COLLECTION);
            s.setInt(4, collection.hashCode());
            s.execute();
        }
    }

    /** Session-level shared lock on the tenant's moves in a collection (a delete by filter); release with {@link #releaseMoves}. */
    public static void shareMoves(Connection c, String collection, String tenantId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_lock_shared(?, ?)")) {
            s.setInt(1, MOVES);
            s.setInt(2, (collection + "/" + tenantId).hashCode());
            s.execute();
        }
    }

    public static void releaseMoves(Connection c, String collection, String tenantId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock_shared(?, ?)")) {
            s.setInt(1, MOVES);
            s.setInt(2, (collection + "/" + tenantId).hashCode());
            s.execute();
        }
    }

    /** Transaction-level exclusive lock on the tenant's moves in a collection: one move batch, no delete by filter in flight. */
    public static void excludeMoves(Connection c, String collection, String tenantId) throws SQLException {
        exclusive(c, MOVES, (collection + "/" + tenantId).hashCode());
    }

    /** Transaction-level exclusive lock on the tenant: no write of it is in flight until the transaction ends. */
    public static void excludeTenantWrites(Connection c, String tenantId) throws SQLException {
        exclusive(c, TENANT, tenantId.hashCode());
    }

    /** Transaction-level exclusive lock on the collection: no write to it is in flight until the transaction ends. */
    public static void excludeCollectionWrites(Connection c, String collection) throws SQLException {
        exclusive(c, COLLECTION, collection.hashCode());
    }

    /** Transaction-level shared lock on a collection: it is not dropped until the transaction ends. */
    public static void keepCollection(Connection c, String collection) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock_shared(?, ?)")) {
            s.setInt(1, COLLECTION);
            s.setInt(2, collection.hashCode());
            s.execute();
        }
    }

    /** Session-level: whether this session became the one reconciler pass running across all processes. */
    public static boolean tryReconcilerLock(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?, 0)")) {
            s.setInt(1, RECONCILER);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    public static void releaseReconcilerLock(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?, 0)")) {
            s.setInt(1, RECONCILER);
            s.execute();
        }
    }

    /**
     * Ends the connection's session, so that whatever session-level lock it may still hold is released,
     * and makes the pool destroy the connection when it is closed instead of lending it again. For a
     * connection whose locks could not be released normally.
     *
     * <p>Not {@link Connection#abort}: on a pooled connection (Agroal 2.8) abort leaves the connection
     * checked out forever, so each abort shrinks the pool by one until no request can get a connection.
     */
    public static void discardSession(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pg_backend_pid())");
        } catch (SQLException | RuntimeException expected) {
            // the session ended (57P01), or had already ended
        }
        try (Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        } catch (SQLException | RuntimeException expected) {
            // "connection closed" (08003): the pool marks the connection to be destroyed on close
        }
    }

    private static void exclusive(Connection c, int namespace, int key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            s.setInt(1, namespace);
            s.setInt(2, key);
            s.execute();
        }
    }
}
