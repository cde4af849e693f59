package dev.partitiongateway.auth;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What a tenant key may do: read (search, fetch, stats) and write (upsert, delete). */
public enum Scope {
    READ,
    WRITE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scope fromWire(String s) {
        for (Scope scope : values()) {
            if (scope.wireName().equals(s)) {
                return scope;
            }
        }
        throw new IllegalArgumentException("unknown scope '" + s + "' (read, write)");
    }

    static String encode(Set<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::wireName).collect(Collectors.joining(","));
    }

    static Set<Scope> decode(String csv) {
        EnumSet<Scope> set = EnumSet.noneOf(Scope.class);
        if (csv != null && !csv.isBlank()) {
            Arrays.stream(csv.split(",")).map(Scope::fromWire).forEach(set::add);
        }
        return set;
    }
}
