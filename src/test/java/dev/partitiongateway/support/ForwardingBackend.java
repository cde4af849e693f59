package dev.partitiongateway.support;

import dev.partitiongateway.spi.BackendHealth;
import dev.partitiongateway.spi.Capabilities;
import dev.partitiongateway.spi.CollectionSpec;
import dev.partitiongateway.spi.Match;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.SearchQuery;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import java.util.Collection;
import java.util.List;

/**
 * A backend that passes every call to another one, for test wrappers that change a few calls (inject
 * faults, record threads, track what must become visible) and leave the rest alone.
 */
public abstract class ForwardingBackend implements VectorBackend {

    protected final VectorBackend delegate;

    protected ForwardingBackend(VectorBackend delegate) {
        this.delegate = delegate;
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public Capabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public void ensureCollection(CollectionSpec spec) {
        delegate.ensureCollection(spec);
    }

    @Override
    public void dropCollection(CollectionSpec spec) {
        delegate.dropCollection(spec);
    }

    @Override
    public void ensurePartition(Placement placement) {
        delegate.ensurePartition(placement);
    }

    @Override
    public void dropPartition(Placement placement) {
        delegate.dropPartition(placement);
    }

    @Override
    public void upsert(Placement placement, List<VectorRecord> records) {
        delegate.upsert(placement, records);
    }

    @Override
    public List<Match> search(List<Placement> placements, SearchQuery query) {
        return delegate.search(placements, query);
    }

    @Override
    public boolean searchesFromMemory(List<Placement> placements) {
        return delegate.searchesFromMemory(placements);
    }

    @Override
    public List<VectorRecord> fetch(Placement placement, Collection<String> ids) {
        return delegate.fetch(placement, ids);
    }

    @Override
    public long delete(Placement placement, Collection<String> ids) {
        return delegate.delete(placement, ids);
    }

    @Override
    public long deleteByFilter(Placement placement, Filter filter) {
        return delegate.deleteByFilter(placement, filter);
    }

    @Override
    public long count(Placement placement, Filter filter) {
        return delegate.count(placement, filter);
    }

    @Override
    public RecordCursor scan(Placement placement, ScanRequest request) {
        return delegate.scan(placement, request);
    }

    @Override
    public BackendHealth health() {
        return delegate.health();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
