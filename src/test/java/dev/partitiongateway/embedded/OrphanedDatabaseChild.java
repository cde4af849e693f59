package dev.partitiongateway.embedded;

import java.nio.file.Path;

/**
 * A stand-in for a gateway process in tests that kill one: starts the embedded PostgreSQL on the
 * directory given as the first argument, prints {@code READY}, and waits to be killed.
 */
public final class OrphanedDatabaseChild {

    private OrphanedDatabaseChild() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedDatabase database = EmbeddedDatabase.start(Path.of(args[0]));
        System.out.println("READY " + database.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
