package dev.partitiongateway.console;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.OPERATOR_KEY;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.stats.HeatEvaluation;
import dev.partitiongateway.stats.HeatRules;
import dev.partitiongateway.stats.HistoryStore;
import dev.partitiongateway.stats.PartitionStatsFlush;
import dev.partitiongateway.support.Collections;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in a real headless Chromium (Debian's {@code chromium} through {@code chromedriver};
 * {@code .ci/run} installs both): sign in, a tenant's usage against its quota, a hot partition, an archive
 * started from its button, confirmed, and followed through the job's event stream until its bar reads 100%.
 * Screenshots are saved to {@code target/console/}. Without a browser the test is skipped, loudly.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class ConsoleBrowserTest {

    private static final Path SHOTS = Path.of("target", "console");
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** The hostile name is shown as text: markup in it must never run. */
    private static final String HOSTILE_NAME = "<img src=x onerror=\"window.__pwned=1\"> & Co";

    static ChromeDriver browser;

    @TestHTTPResource("/console")
    URL console;
    @Inject
    PartitionStatsFlush statsFlush;
    @Inject
    HistoryStore history;
    @Inject
    HeatEvaluation heat;

    @BeforeAll
    static void startBrowser() throws IOException {
        Optional<String> chromium = firstExecutable("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
        Optional<String> driver = firstExecutable("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        if (chromium.isEmpty() || driver.isEmpty()) {
            String banner = "\n" + "!".repeat(100) + "\n!!! ConsoleBrowserTest SKIPPED: no Chromium (" + chromium.orElse("missing")
                    + ") or chromedriver (" + driver.orElse("missing") + ").\n!!! Install them: apt-get install -y chromium chromium-driver"
                    + " (.ci/run does). The console was NOT tested in a browser.\n" + "!".repeat(100) + "\n";
            System.err.println(banner);
            Assumptions.abort(banner);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions",
                "--disable-background-networking", "--no-first-run", "--window-size=1400,1000", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driver.get())).build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static Optional<String> firstExecutable(String... paths) {
        return Stream.of(paths).filter(p -> new File(p).canExecute()).findFirst();
    }

    // ---------------------------------------------------------------- the fixture, through the REST API

    private record Fixture(String tenant, String collection, String placement) {
    }

    /** A tenant with 1,200 of its 5,000 vectors in one partition, searched often enough to be hot. */
    private Fixture fixture() throws Exception {
        String tenant = uniqueTenantId("console");
        asOperator().body(Map.of("id", tenant, "name", HOSTILE_NAME, "quota", Map.of("maxVectors", 5000)))
                .post("/v1/admin/tenants").then().statusCode(201);
        String key = readWriteKey(tenant);
        String collection = createCollection("console", 4, "COSINE");
        for (int batch = 0; batch < 4; batch++) {
            List<Map<String, Object>> vectors = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                int n = batch * 300 + i;
                vectors.add(vector("doc-" + n, 1, n % 7, n % 11, n % 13));
            }
            upsert(key, collection, vectors).statusCode(200);
        }
        for (int i = 0; i < 30; i++) {
            search(key, collection, Map.of("vector", List.of(1, i % 3, 0, 1), "topK", 5)).statusCode(200);
        }
        assertThat(statsFlush.flush()).isTrue();
        assertThat(history.flush()).isTrue();
        // Hot above 1 search per minute: the 30 searches make this partition hot, as the heat evaluation judges it.
        heat.evaluate(new HeatRules(Duration.ofSeconds(10), 1, 1_000_000, 20, 3650), Instant.now());
        String placement = asOperator().queryParam("tenant", tenant).get("/v1/admin/collections/" + collection + "/partitions")
                .then().statusCode(200).extract().path("partitions[0].placement");
        return new Fixture(tenant, collection, placement);
    }

    // ---------------------------------------------------------------- the browser session

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, PATIENCE, Duration.ofMillis(100));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private void shoot(String name) throws IOException {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private WebElement visible(By by) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private void go(String hash) {
        browser.findElement(By.cssSelector("#nav a[href='" + hash + "']")).click();
    }

    /**
     * Waits for {@code css} to match a visible element and returns its text. Read in one script: the console
     * replaces its rows at every refresh, so an element found a moment ago may be gone.
     */
    private String text(String css) {
        return waiting().until(d -> (String) js("const e = document.querySelector(arguments[0]);"
                + " return e && e.offsetParent !== null ? e.innerText : null;", css));
    }

    private String attribute(String css, String name) {
        text(css);
        return (String) js("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;", css, name);
    }

    private void click(String css) {
        waiting().ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** The selector of the row {@code selector} of a paged table, pressing More until the row shows up. */
    private String row(String table, String selector, String more) {
        String css = table + " tbody tr" + selector;
        waiting().ignoring(StaleElementReferenceException.class).until(d -> {
            if (!d.findElements(By.cssSelector(css)).isEmpty()) {
                return true;
            }
            WebElement button = d.findElement(By.id(more));
            if (button.isDisplayed()) {
                button.click();
            }
            return false;
        });
        return css;
    }

    /** The browser's errors since the last call. */
    private static List<String> severeLogs() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
    }

    /** Watches a job's row until it reads SUCCEEDED at 100%; returns the percentages it showed on the way. */
    private List<Double> followToSuccess(String jobRow) {
        List<Double> seen = new ArrayList<>();
        waiting().until(d -> {
            // Read in one script: the row is replaced at every event.
            @SuppressWarnings("unchecked")
            List<String> read = (List<String>) js("const r = document.querySelector(arguments[0]);"
                    + " return r ? [r.dataset.state, r.querySelector('[role=progressbar]').getAttribute('aria-valuenow')] : null;",
                    jobRow);
            if (read == null) {
                return false;
            }
            double percent = Double.parseDouble(read.get(1));
            if (seen.isEmpty() || seen.get(seen.size() - 1) != percent) {
                seen.add(percent);
            }
            return "SUCCEEDED".equals(read.get(0)) && percent == 100.0;
        });
        return seen;
    }

    private void signIn() {
        browser.get(console.toString());
        visible(By.id("operator-key")).sendKeys(OPERATOR_KEY);
        browser.findElement(By.cssSelector("#signin button[type=submit]")).click();
        visible(By.id("overview-view"));
    }

    @Test
    void should_promote_a_tenant_out_of_its_shared_bucket_after_a_confirmation() throws Exception {
        String collection = Collections.create("consolebucket", 4, "L2", Map.of("strategy", "SHARED_HASH", "buckets", 2));
        String tenant = createTenant(uniqueTenantId("promoted"), 1000);
        String key = readWriteKey(tenant);
        List<Map<String, Object>> vectors = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            vectors.add(vector("p-" + i, 1, i % 5, i % 7, 1));
        }
        upsert(key, collection, vectors).statusCode(200);

        signIn();
        browser.get(console.toString() + "/#/collections/" + collection);
        String button = "#partitions-table tbody tr button.promote[data-tenant='" + tenant + "']";
        text(button);
        click(button);
        assertThat(text("#confirm-message")).contains("Promote tenant " + tenant, "400 vectors", "dedicated partition");
        click("#confirm-ok");
        waiting().until(ExpectedConditions.urlContains("#/jobs"));
        Integer jobId = asOperator().queryParam("collection", collection).queryParam("type", "PROMOTE").get("/v1/admin/jobs")
                .then().statusCode(200).extract().path("jobs[0].job.id");
        assertThat(jobId).as("the button started a PROMOTE job").isNotNull();
        String jobRow = "#jobs-table tbody tr[data-job='" + jobId + "']";
        assertThat(followToSuccess(jobRow)).isSorted();
        assertThat(text(jobRow)).contains("PROMOTE", tenant, "SUCCEEDED", "100%");

        // What the console showed happened: the tenant's 400 vectors are in a partition of its own, none left in the bucket.
        List<Map<String, Object>> partitions = asOperator().queryParam("tenant", tenant).get("/v1/admin/collections/" + collection + "/partitions")
                .then().statusCode(200).extract().path("partitions");
        assertThat(partitions).filteredOn(p -> tenant.equals(p.get("tenant"))).singleElement()
                .satisfies(p -> assertThat(((Number) p.get("vectorCount")).longValue()).isEqualTo(400));
        assertThat(partitions).filteredOn(p -> "SHARED_HASH".equals(p.get("strategy")))
                .allSatisfy(p -> assertThat(String.valueOf(p.get("bucket"))).doesNotContain(tenant));
        assertThat(severeLogs()).isEmpty();
        click("#sign-out");
        visible(By.id("operator-key"));
    }

    @Test
    void should_sign_in_show_usage_and_a_hot_partition_and_follow_an_archive_to_100_percent() throws Exception {
        Fixture f = fixture();

        // Sign-in: a wrong key is refused and not kept; the right one is kept in sessionStorage only.
        browser.get(console.toString());
        assertThat(browser.getCurrentUrl()).endsWith("/console/");
        visible(By.id("operator-key")).sendKeys("not-the-operator-key");
        browser.findElement(By.cssSelector("#signin button[type=submit]")).click();
        assertThat(visible(By.id("signin-error")).getText()).contains("refused");
        assertThat(js("return sessionStorage.length")).isEqualTo(0L);
        assertThat(severeLogs()).as("the refused sign-in is the only error so far").singleElement().asString()
                .contains("/v1/admin/tenants", "401");
        browser.findElement(By.id("operator-key")).clear();
        browser.findElement(By.id("operator-key")).sendKeys(OPERATOR_KEY);
        browser.findElement(By.cssSelector("#signin button[type=submit]")).click();
        visible(By.id("overview-view"));
        assertThat(js("return Object.values(sessionStorage)")).asList().containsExactly(OPERATOR_KEY);
        assertThat(js("return document.cookie")).isEqualTo("");
        assertThat(browser.getCurrentUrl()).doesNotContain(OPERATOR_KEY);

        // Overview: the hot partition, and the last hour charted from GET /v1/admin/history.
        assertThat(text("#hot-table tbody tr[data-partition='" + f.placement() + "']")).contains(f.collection(), f.tenant(), "searches per minute");
        waiting().until(d -> !d.findElements(By.cssSelector("#chart-qpm .uplot canvas")).isEmpty());
        assertThat(Long.parseLong(attribute("#chart-qpm", "data-points"))).isGreaterThanOrEqualTo(30);
        new Select(browser.findElement(By.id("history-collection"))).selectByValue(f.collection());
        waiting().until(d -> "30".equals(d.findElement(By.id("chart-qpm")).getAttribute("data-points")));
        shoot("console-overview.png");

        // Tenants: usage against quota; the hostile name is text, its markup never ran.
        go("#/tenants");
        String tenant = row("#tenants-table", "[data-tenant='" + f.tenant() + "']", "tenants-more");
        assertThat(text(tenant)).contains("1,200 / 5,000 vectors (24%)", HOSTILE_NAME);
        assertThat(attribute(tenant + " [role=progressbar]", "aria-valuenow")).isEqualTo("24");
        assertThat(js("return window.__pwned === undefined")).isEqualTo(true);

        // Partitions: the hot one highlighted, with its figures.
        go("#/collections");
        click(row("#collections-table", "[data-collection='" + f.collection() + "']", "collections-more") + " a");
        String partition = "#partitions-table tbody tr[data-partition='" + f.placement() + "']";
        assertThat(text(partition)).contains("1,200", "ACTIVE");
        assertThat(attribute(partition, "class")).contains("hot");
        assertThat(text(partition + " .badge.hot")).isEqualTo("HOT");
        shoot("console-partitions.png");

        // A cancelled confirmation starts nothing.
        int jobsBefore = asOperator().queryParam("collection", f.collection()).get("/v1/admin/jobs").then().statusCode(200)
                .extract().path("jobs.size()");
        click(partition + " button.archive");
        assertThat(text("#confirm-message")).contains("Archive " + f.placement(), "1,200 vectors");
        click("#confirm-cancel");
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
        assertThat((Integer) asOperator().queryParam("collection", f.collection()).get("/v1/admin/jobs").then().statusCode(200)
                .extract().path("jobs.size()")).isEqualTo(jobsBefore);

        // Archive, confirmed: the jobs view follows the job's event stream until its bar reads 100%.
        click(partition + " button.archive");
        click("#confirm-ok");
        waiting().until(ExpectedConditions.urlContains("#/jobs"));
        Integer jobId = asOperator().queryParam("collection", f.collection()).queryParam("type", "ARCHIVE").get("/v1/admin/jobs")
                .then().statusCode(200).extract().path("jobs[0].job.id");
        assertThat(jobId).as("the button started an ARCHIVE job").isNotNull();
        String jobRow = "#jobs-table tbody tr[data-job='" + jobId + "']";
        List<Double> seen = followToSuccess(jobRow);
        assertThat(seen).as("progress never goes back").isSorted();
        assertThat(text(jobRow)).contains("ARCHIVE", f.placement(), "SUCCEEDED", "100%", "1,200 of 1,200");
        shoot("console-jobs.png");
        assertThat((String) asOperator().queryParam("tenant", f.tenant()).get("/v1/admin/collections/" + f.collection() + "/partitions")
                .then().statusCode(200).extract().path("partitions[0].state")).as("what the console showed happened").isEqualTo("ARCHIVED");

        // The archived partition offers a restore, no archive.
        go("#/collections");
        click(row("#collections-table", "[data-collection='" + f.collection() + "']", "collections-more") + " a");
        String archived = partition + "[data-state='ARCHIVED']";
        text(archived);
        assertThat(js("return document.querySelectorAll(arguments[0]).length", archived + " button.restore")).isEqualTo(1L);
        assertThat(js("return document.querySelectorAll(arguments[0]).length", archived + " button.archive, " + archived + " button.split"))
                .isEqualTo(0L);

        // Everything came from the gateway itself, and the page logged no error (a CSP violation would be one).
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>) js("return performance.getEntriesByType('resource').map(e => e.name)");
        String origin = console.getProtocol() + "://" + console.getHost() + ":" + console.getPort() + "/";
        assertThat(resources).isNotEmpty().allMatch(r -> r.startsWith(origin));
        assertThat(severeLogs()).isEmpty();

        // Sign out forgets the key.
        browser.findElement(By.id("sign-out")).click();
        visible(By.id("operator-key"));
        assertThat(js("return sessionStorage.length")).isEqualTo(0L);
    }
}
