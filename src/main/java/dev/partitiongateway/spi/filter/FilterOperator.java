package dev.partitiongateway.spi.filter;

/** The portable filter operators, spelled as clients write them. */
public enum FilterOperator {
    EQ("$eq"), NE("$ne"), IN("$in"), NIN("$nin"), GT("$gt"), GTE("$gte"), LT("$lt"), LTE("$lte"),
    EXISTS("$exists"), AND("$and"), OR("$or"), NOT("$not");

    private final String token;

    FilterOperator(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
