package dev.partitiongateway.deploy;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.partitiongateway.stats.HeatEvaluation;
import dev.partitiongateway.stats.TenantMeters;
import dev.partitiongateway.stats.TopPartitionMeters;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard in k8s/grafana queries only metrics the gateway really exports at /q/metrics. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("k8s/grafana/partition-gateway.json");
    /** A metric name as PromQL writes it: one of the families the gateway exports, never a label, function or keyword. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:gateway|jvm|http_server|agroal|process|worker_pool)_[a-z0-9_]+\\b");

    @Inject
    TopPartitionMeters topPartitions;
    @Inject
    TenantMeters tenants;
    @Inject
    HeatEvaluation heat;

    @Test
    void should_be_a_grafana_dashboard_whose_every_query_names_an_exported_metric() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        assertThat(dashboard.path("uid").asText()).isEqualTo("partition-gateway");
        assertThat(dashboard.path("panels")).isNotEmpty();
        Set<String> referenced = new TreeSet<>();
        int queries = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("gridPos").path("w").asInt()).as(panel.path("title").asText()).isPositive();
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertThat(expr).as("a query of " + panel.path("title")).isNotBlank();
                Matcher m = METRIC.matcher(expr);
                boolean any = false;
                while (m.find()) {
                    referenced.add(m.group());
                    any = true;
                }
                assertThat(any).as("'%s' names a metric", expr).isTrue();
                queries++;
            }
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            Matcher m = METRIC.matcher(variable.path("definition").asText());
            while (m.find()) {
                referenced.add(m.group());
            }
        }
        assertThat(queries).isGreaterThan(15);

        // Traffic that makes every family exist: a tenant, a collection, writes, searches, a refusal.
        String collection = createCollection("dash", 2, "COSINE");
        String key = readWriteKey(createTenant("dash"));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        for (int i = 0; i < 5; i++) {
            search(key, collection, Map.of("vector", List.of(1, 0), "topK", 1)).statusCode(200);
        }
        upsert(key, collection, List.of(vector("c", 1))).statusCode(400);
        topPartitions.refresh();
        tenants.refresh();
        heat.evaluate();

        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> exported = scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
        assertThat(referenced).as("metrics the dashboard queries").contains("gateway_requests_seconds_bucket",
                "gateway_backend_calls_seconds_bucket", "gateway_partition_queries_per_minute", "gateway_tenant_vectors",
                "gateway_tenant_quota_vectors", "gateway_partitions");
        assertThat(exported).as("exported by /q/metrics").containsAll(referenced);
    }
}
