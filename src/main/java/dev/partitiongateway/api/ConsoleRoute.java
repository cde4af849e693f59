package dev.partitiongateway.api;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The operator console is static files under {@code META-INF/resources/console/} (see its README
 * section); {@code /console} itself redirects to the directory, whose index is the page.
 */
@ApplicationScoped
public class ConsoleRoute {

    void route(@Observes Router router) {
        // A Vert.x route of "/console" also matches "/console/": redirect the bare path only.
        router.getWithRegex("/console").handler(rc -> rc.redirect("/console/"));
    }
}
