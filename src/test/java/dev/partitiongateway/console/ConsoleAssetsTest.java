package dev.partitiongateway.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the console promises without a browser (ConsoleBrowserTest drives it in one): it is served by the
 * gateway, every file it loads is the gateway's own (no CDN: it works without internet access), and its
 * pages forbid anything else (Content-Security-Policy) and never send a referrer.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ConsoleAssetsTest {

    private static final Pattern LOADED = Pattern.compile("(?:src|href)=\"([^\"]+)\"");

    @Test
    void should_redirect_to_the_page_and_forbid_other_origins() {
        given().redirects().follow(false).get("/console").then().statusCode(302).header("Location", endsWith("/console/"));
        given().get("/console/").then().statusCode(200).contentType(containsString("text/html"))
                .header("Content-Security-Policy", containsString("default-src 'self'"))
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff");
    }

    @Test
    void should_serve_every_file_the_page_loads_from_the_gateway_itself() throws IOException, URISyntaxException {
        String page = given().get("/console/").then().statusCode(200).extract().asString();
        Matcher m = LOADED.matcher(page);
        List<String> loaded = new java.util.ArrayList<>();
        while (m.find()) {
            loaded.add(m.group(1));
        }
        assertThat(loaded).contains("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js", "console.js", "console.css");
        for (String url : loaded) {
            assertThat(url).as("no other origin").doesNotContain("//").doesNotStartWith("http");
            if (!url.startsWith("#")) {
                given().get(url.startsWith("/") ? url : "/console/" + url).then().statusCode(200);
            }
        }
        Path console = Path.of(getClass().getResource("/META-INF/resources/console/index.html").toURI()).getParent();
        try (Stream<Path> files = Files.list(console)) {
            for (Path file : files.toList()) {
                // An SVG's namespace is a name, not a request.
                String text = Files.readString(file).replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
                assertThat(text).as(file + " names no other origin").doesNotContainPattern("https?://");
            }
        }
    }
}
