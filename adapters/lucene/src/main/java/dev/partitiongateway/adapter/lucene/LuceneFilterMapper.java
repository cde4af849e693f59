package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Translates the SPI {@link Filter} tree into a Lucene {@link Query} over the fields that
 * {@link RecordDocument} indexes. The query is only ever used to select documents (as a kNN
 * pre-filter, for counts, deletes and scans), never to score them.
 *
 * <p>Every negation is "all documents except the positive form", so records that lack the field
 * match {@code $ne}, {@code $nin}, {@code $not} and {@code $exists: false}, as the SPI requires.
 */
final class LuceneFilterMapper {

    private LuceneFilterMapper() {
    }

    /** The query for {@code filter}, or a match-all query when it is {@code null}. */
    static Query map(Filter filter) {
        return filter == null ? new MatchAllDocsQuery() : toQuery(filter);
    }

    /** Restricts {@code filter} to one tenant's records, which every read and delete must do. */
    static Query scoped(String tenant, Filter filter) {
        BooleanQuery.Builder scope = new BooleanQuery.Builder()
                .add(new TermQuery(new Term(RecordDocument.TENANT, tenant)), Occur.FILTER);
        if (filter != null) {
            scope.add(toQuery(filter), Occur.FILTER);
        }
        return scope.build();
    }

    private static Query toQuery(Filter filter) {
        if (filter instanceof Filter.And and) {
            BooleanQuery.Builder all = new BooleanQuery.Builder();
            and.operands().forEach(operand -> all.add(toQuery(operand), Occur.FILTER));
            return all.build();
        }
        if (filter instanceof Filter.Or or) {
            BooleanQuery.Builder any = new BooleanQuery.Builder().setMinimumNumberShouldMatch(1);
            or.operands().forEach(operand -> any.add(toQuery(operand), Occur.SHOULD));
            return any.build();
        }
        if (filter instanceof Filter.Not not) {
            return negate(toQuery(not.operand()));
        }
        if (filter instanceof Filter.Compare compare) {
            return compare(compare);
        }
        if (filter instanceof Filter.In in) {
            Query any = in(in.field(), in.values());
            return in.negated() ? negate(any) : any;
        }
        if (filter instanceof Filter.TimeRange range) {
            // Only records with a timestamp have the point, so untimed records never match a range.
            long from = range.from() == null ? Long.MIN_VALUE : range.from().toEpochMilli();
            long to = range.to() == null ? Long.MAX_VALUE : range.to().toEpochMilli() - 1;
            return LongPoint.newRangeQuery(RecordDocument.TIMESTAMP, from, to);
        }
        if (filter instanceof Filter.Exists exists) {
            Query present = new TermQuery(new Term(RecordDocument.EXISTS, RecordDocument.term(exists.field())));
            return exists.exists() ? present : negate(present);
        }
        throw new BackendException.Rejected("unsupported filter node " + filter.getClass().getSimpleName());
    }

    private static Query compare(Filter.Compare compare) {
        String path = compare.field();
        return switch (compare.op()) {
            case EQ -> equalTo(path, compare.value());
            case NE -> negate(equalTo(path, compare.value()));
            // Points order doubles exactly, so exclusive bounds are the next representable double.
            case GT -> range(path, Math.nextUp(number(compare)), Double.POSITIVE_INFINITY);
            case GTE -> range(path, number(compare), Double.POSITIVE_INFINITY);
            case LT -> range(path, Double.NEGATIVE_INFINITY, Math.nextDown(number(compare)));
            case LTE -> range(path, Double.NEGATIVE_INFINITY, number(compare));
            default -> throw new BackendException.Rejected("unsupported comparison " + compare.op().token());
        };
    }

    private static double number(Filter.Compare compare) {
        return RecordDocument.number((Double) compare.value());
    }

    private static Query range(String path, double lower, double upper) {
        return DoublePoint.newRangeQuery(RecordDocument.numberField(path), lower, upper);
    }

    private static Query equalTo(String path, Object value) {
        if (value instanceof String string) {
            return new TermQuery(new Term(RecordDocument.stringField(path), RecordDocument.term(string)));
        }
        if (value instanceof Double number) {
            return DoublePoint.newExactQuery(RecordDocument.numberField(path), RecordDocument.number(number));
        }
        if (value instanceof Boolean bool) {
            return new TermQuery(new Term(RecordDocument.booleanField(path), bool.toString()));
        }
        throw new BackendException.Rejected("unsupported filter value " + value);
    }

    /**
     * One set query per value type rather than one clause per value, so that a long {@code $in} list
     * does not run into Lucene's limit on boolean clauses.
     */
    private static Query in(String path, List<Object> values) {
        List<BytesRef> strings = new ArrayList<>();
        List<BytesRef> booleans = new ArrayList<>();
        List<Double> numbers = new ArrayList<>();
        for (Object value : values) {
            if (value instanceof String string) {
                strings.add(new BytesRef(RecordDocument.term(string)));
            } else if (value instanceof Boolean bool) {
                booleans.add(new BytesRef(bool.toString()));
            } else if (value instanceof Double number) {
                numbers.add(RecordDocument.number(number));
            } else {
                throw new BackendException.Rejected("unsupported filter value " + value);
            }
        }
        List<Query> perType = new ArrayList<>();
        if (!strings.isEmpty()) {
            perType.add(new TermInSetQuery(RecordDocument.stringField(path), strings));
        }
        if (!booleans.isEmpty()) {
            perType.add(new TermInSetQuery(RecordDocument.booleanField(path), booleans));
        }
        if (!numbers.isEmpty()) {
            perType.add(DoublePoint.newSetQuery(RecordDocument.numberField(path),
                    numbers.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        if (perType.size() == 1) {
            return perType.get(0);
        }
        BooleanQuery.Builder any = new BooleanQuery.Builder().setMinimumNumberShouldMatch(1);
        perType.forEach(query -> any.add(query, Occur.SHOULD));
        return any.build();
    }

    /** A pure MUST_NOT query matches nothing in Lucene, hence the match-all clause. */
    private static Query negate(Query positive) {
        return new BooleanQuery.Builder()
                .add(new MatchAllDocsQuery(), Occur.FILTER)
                .add(positive, Occur.MUST_NOT)
                .build();
    }
}
