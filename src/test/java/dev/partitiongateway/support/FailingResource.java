package dev.partitiongateway.support;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Test-only endpoints that fail the way an unforeseen bug would, to check what a client then sees. */
@Path("/test/failures")
public class FailingResource {

    @GET
    @Path("exception")
    public String exception() {
        throw new IllegalStateException("secret internal detail: connection string postgres://user:pw@host");
    }

    @GET
    @Path("error")
    public String error() {
        throw new StackOverflowError("deep recursion");
    }
}
