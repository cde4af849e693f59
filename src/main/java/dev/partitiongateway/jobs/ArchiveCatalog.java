package dev.partitiongateway.jobs;

import dev.partitiongateway.archive.Archiver;
import dev.partitiongateway.problem.ApiException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The archives that archive jobs wrote (the {@code archives} table) and their deletion. An archive that
 * is the only copy of a partition's vectors (its partition is ARCHIVED or RESTORING from it) is never
 * deleted; once the partition is restored, the archive is kept until the operator deletes it or the
 * collection's {@code deleteArchivesAfterDays} passes ({@link #deleteExpired}).
 */
@ApplicationScoped
public class ArchiveCatalog {

    /** One archive as the admin API lists it. {@code inUse}: its partition is ARCHIVED or RESTORING from it. */
    public record ArchiveEntry(long id, String collection, long partitionId, String placement, String tenant, String archiveKey,
                               long records, String contentChecksum, String sourceBackend, Instant createdAt, Instant deletedAt,
                               boolean inUse) {
    }

    private static final String SELECT = """
            SELECT a.id, a.collection, a.partition_id, a.placement, a.tenant_id, a.archive_key, a.records, a.content_checksum,
                   a.source_backend, a.created_at, a.deleted_at,
                   EXISTS (SELECT 1 FROM partitions p WHERE p.archive_id = a.id AND p.state IN ('ARCHIVED', 'RESTORING')) AS in_use
            FROM archives a""";

    private final AgroalDataSource dataSource;
    private final Archiver archiver;

    ArchiveCatalog(AgroalDataSource dataSource, Archiver archiver) {
        this.dataSource = dataSource;
        this.archiver = archiver;
    }

    /** Archives in id order after {@code afterId}, at most {@code limit}; of one collection if {@code collection} is given. */
    public List<ArchiveEntry> page(String collection, long afterId, int limit) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(SELECT + " WHERE a.id > ? AND (?::text IS NULL OR a.collection = ?) ORDER BY a.id LIMIT ?")) {
            s.setLong(1, afterId);
            s.setString(2, collection);
            s.setString(3, collection);
            s.setInt(4, limit);
            return read(s);
        } catch (SQLException e) {
            throw new IllegalStateException("listing archives failed in the database", e);
        }
    }

    public Optional<ArchiveEntry> get(long id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(SELECT + " WHERE a.id = ?")) {
            s.setLong(1, id);
            return read(s).stream().findFirst();
        } catch (SQLException e) {
            throw new IllegalStateException("reading archive " + id + " failed in the database", e);
        }
    }

    /**
     * Deletes an archive's files and marks its row deleted. 404 if unknown; 409 while it is the only copy
     * of its partition's vectors. Deleting a deleted archive again is a no-op.
     */
    public ArchiveEntry delete(long id) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                ArchiveEntry entry;
                try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE a.id = ? FOR UPDATE OF a")) {
                    s.setLong(1, id);
                    entry = read(s).stream().findFirst().orElseThrow(() -> ApiException.notFound("archive " + id));
                }
                if (entry.inUse()) {
                    throw ApiException.conflict("archive " + id + " is the only copy of partition " + entry.placement()
                            + " (ARCHIVED or RESTORING); restore the partition before deleting its archive");
                }
                if (entry.deletedAt() == null) {
                    try {
                        archiver.delete(entry.archiveKey());
                    } catch (IOException e) {
                        throw new UncheckedIOException("deleting archive " + entry.archiveKey() + " from the store failed", e);
                    }
                    try (PreparedStatement s = c.prepareStatement("UPDATE archives SET deleted_at = now() WHERE id = ?")) {
                        s.setLong(1, id);
                        s.executeUpdate();
                    }
                }
                c.commit();
                return get(id).orElseThrow();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("deleting archive " + id + " failed in the database", e);
        }
    }

    /**
     * For the maintenance pass and the policy's {@code deleteArchivesAfterDays}: deletes the collection's
     * archives older than {@code days} that are not the only copy of a partition. Returns their ids.
     */
    public List<Long> deleteExpired(String collection, int days) {
        List<Long> expired = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(SELECT + " WHERE a.collection = ? AND a.deleted_at IS NULL "
                     + "AND a.created_at < now() - make_interval(days => ?) ORDER BY a.id")) {
            s.setString(1, collection);
            s.setInt(2, days);
            for (ArchiveEntry entry : read(s)) {
                if (!entry.inUse()) {
                    expired.add(entry.id());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("finding expired archives of " + collection + " failed in the database", e);
        }
        List<Long> deleted = new ArrayList<>();
        for (long id : expired) {
            try {
                delete(id);
                deleted.add(id);
            } catch (ApiException inUseNow) {
                // restored-from archives only; one archived again meanwhile is skipped
            }
        }
        return deleted;
    }

    private static List<ArchiveEntry> read(PreparedStatement s) throws SQLException {
        List<ArchiveEntry> found = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                java.sql.Timestamp deleted = rs.getTimestamp(11);
                found.add(new ArchiveEntry(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getLong(7), rs.getString(8), rs.getString(9), rs.getTimestamp(10).toInstant(),
                        deleted == null ? null : deleted.toInstant(), rs.getBoolean(12)));
            }
        }
        return found;
    }
}
