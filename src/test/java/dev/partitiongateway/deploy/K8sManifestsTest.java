package dev.partitiongateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The manifests in k8s/: valid Kubernetes objects (by the schemas in the npm kubernetes-models
 * package, installed under .ci/k8s by .ci/run), workloads that pass the {@code restricted} Pod
 * Security Standard with a read-only root, and configuration keys that the gateway really reads.
 */
class K8sManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Environment variables that are not gateway properties. */
    private static final Set<String> NOT_PROPERTIES = Set.of("JAVA_TOOL_OPTIONS");

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.walk(K8S)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    static List<JsonNode> objects() throws IOException {
        List<JsonNode> all = new ArrayList<>();
        for (Path file : files()) {
            try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
                YAML.readValues(parser, JsonNode.class).forEachRemaining(n -> {
                    if (n != null && !n.isNull() && !n.isMissingNode()) {
                        all.add(n);
                    }
                });
            }
        }
        return all;
    }

    static List<JsonNode> workloads() throws IOException {
        return objects().stream().filter(o -> Set.of("StatefulSet", "Deployment").contains(o.path("kind").asText())).toList();
    }

    @Test
    void should_validate_every_manifest_against_the_kubernetes_schemas() throws Exception {
        Path validator = Path.of(".ci/k8s/validate.mjs");
        boolean installed = Files.isDirectory(Path.of(".ci/k8s/node_modules/kubernetes-models")) && onPath("node");
        Assumptions.assumeTrue(installed, "needs node and `npm ci --prefix .ci/k8s` (.ci/run does it)");
        List<String> command = new ArrayList<>(List.of("node", validator.toString()));
        files().forEach(f -> command.add(f.toString()));
        Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try (InputStream in = node.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(node.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        assertThat(out).contains("VALID k8s/statefulset/statefulset.yaml apps/v1/StatefulSet")
                .contains("VALID k8s/stateless/deployment.yaml apps/v1/Deployment")
                .contains("VALID k8s/base/pdb.yaml policy/v1/PodDisruptionBudget")
                .doesNotContain("INVALID");
    }

    @Test
    void should_run_every_workload_under_the_restricted_pod_security_standard_with_a_read_only_root() throws IOException {
        List<JsonNode> workloads = workloads();
        assertThat(workloads).extracting(w -> w.path("kind").asText()).containsExactlyInAnyOrder("StatefulSet", "Deployment");
        for (JsonNode w : workloads) {
            String name = w.path("kind").asText();
            JsonNode pod = w.at("/spec/template/spec");
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(name).isTrue();
            assertThat(pod.at("/securityContext/runAsUser").asInt()).as(name).isPositive();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).as(name).isEqualTo("RuntimeDefault");
            assertThat(pod.path("hostNetwork").asBoolean(false) || pod.path("hostPID").asBoolean(false) || pod.path("hostIPC").asBoolean(false))
                    .as(name).isFalse();
            Set<String> writable = new HashSet<>();
            for (JsonNode v : pod.path("volumes")) {
                assertThat(v.has("hostPath")).as(name + " volume " + v.path("name")).isFalse();
            }
            for (JsonNode c : pod.path("containers")) {
                JsonNode sc = c.path("securityContext");
                assertThat(sc.path("allowPrivilegeEscalation").isBoolean() && !sc.path("allowPrivilegeEscalation").asBoolean())
                        .as(name + " allowPrivilegeEscalation false").isTrue();
                assertThat(sc.path("privileged").asBoolean(false)).isFalse();
                assertThat(sc.at("/capabilities/drop").toString()).as(name).contains("\"ALL\"");
                assertThat(sc.at("/capabilities/add").isMissingNode()).as(name + " adds no capability").isTrue();
                assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
                if (sc.has("runAsUser")) {
                    assertThat(sc.path("runAsUser").asInt()).isNotZero();
                }
                c.path("volumeMounts").forEach(m -> writable.add(m.path("mountPath").asText()));
                assertThat(c.at("/startupProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/live");
                assertThat(c.at("/livenessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/live");
                assertThat(c.at("/readinessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/ready");
                assertThat(c.at("/resources/limits/memory").asText()).as(name).isNotEmpty();
            }
            assertThat(writable).as(name + " writable data and tmp").contains("/var/lib/partition-gateway", "/tmp");
            assertThat(pod.path("terminationGracePeriodSeconds").asInt()).as("longer than quarkus.shutdown.timeout").isGreaterThan(30);
        }
        JsonNode config = byKind("ConfigMap").get(0);
        assertThat(config.at("/data/JAVA_TOOL_OPTIONS").asText()).contains("-XX:MaxRAMPercentage=");
    }

    @Test
    void should_have_a_headless_service_for_the_statefulset_a_client_service_and_a_disruption_budget() throws IOException {
        JsonNode statefulSet = workloads().stream().filter(w -> w.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
        String governing = statefulSet.at("/spec/serviceName").asText();
        List<JsonNode> services = byKind("Service");
        JsonNode headless = services.stream().filter(s -> s.at("/metadata/name").asText().equals(governing)).findFirst().orElseThrow();
        assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(services).anySatisfy(s -> {
            assertThat(s.at("/metadata/name").asText()).isEqualTo("partition-gateway");
            assertThat(s.at("/spec/clusterIP").asText()).isNotEqualTo("None");
        });
        JsonNode pdb = byKind("PodDisruptionBudget").get(0);
        assertThat(pdb.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo("partition-gateway");
        JsonNode deployment = workloads().stream().filter(w -> w.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        assertThat(deployment.at("/spec/replicas").asInt()).isGreaterThan(1);
    }

    @Test
    void should_configure_only_properties_the_gateway_reads_and_take_the_database_password_from_the_postgres_cluster() throws IOException {
        Set<String> known = knownProperties();
        List<String> names = new ArrayList<>();
        byKind("ConfigMap").forEach(c -> c.path("data").fieldNames().forEachRemaining(names::add));
        byKind("Secret").forEach(s -> s.path("stringData").fieldNames().forEachRemaining(names::add));
        for (JsonNode w : workloads()) {
            for (JsonNode c : w.at("/spec/template/spec/containers")) {
                c.path("env").forEach(e -> names.add(e.path("name").asText()));
            }
        }
        for (String name : names) {
            if (NOT_PROPERTIES.contains(name)) {
                continue;
            }
            assertThat(known).as(name + " names a property the gateway reads").contains(envForm(name));
        }
        assertThat(names).contains("QUARKUS_DATASOURCE_PASSWORD", "GATEWAY_ADMIN_KEY", "QUARKUS_DATASOURCE_JDBC_URL");
        String cluster = byKind("Cluster").get(0).at("/metadata/name").asText();
        for (JsonNode w : workloads()) {
            JsonNode password = null;
            for (JsonNode e : w.at("/spec/template/spec/containers/0/env")) {
                if (e.path("name").asText().equals("QUARKUS_DATASOURCE_PASSWORD")) {
                    password = e;
                }
            }
            assertThat(password).isNotNull();
            assertThat(password.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo(cluster + "-app");
        }
        assertThat(byKind("ConfigMap").get(0).at("/data/QUARKUS_DATASOURCE_JDBC_URL").asText()).contains("//" + cluster + "-rw:");

        String production = Files.readString(Path.of("config/production.properties"));
        assertThat(production).doesNotContain("quarkus.log.console.json").doesNotContain("GATEWAY_DB_PASSWORD");
    }

    /** Properties the gateway reads: those it declares in application.properties and the config examples, and its secrets. */
    private static Set<String> knownProperties() throws IOException {
        Set<String> known = new HashSet<>(Set.of("QUARKUS_DATASOURCE_PASSWORD", "GATEWAY_ADMIN_KEY", "QUARKUS_DATASOURCE_USERNAME"));
        List<Path> sources = new ArrayList<>(List.of(Path.of("src/main/resources/application.properties")));
        try (Stream<Path> s = Files.list(Path.of("config"))) {
            s.filter(p -> p.toString().endsWith(".properties")).forEach(sources::add);
        }
        for (Path source : sources) {
            Properties p = new Properties();
            try (var in = Files.newBufferedReader(source)) {
                p.load(in);
            }
            p.stringPropertyNames().stream().filter(k -> !k.startsWith("%")).forEach(k -> known.add(envForm(k)));
        }
        return known;
    }

    /** The environment variable form of a property name (MicroProfile Config: non-alphanumerics to '_', upper case). */
    private static String envForm(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static List<JsonNode> byKind(String kind) throws IOException {
        return objects().stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }
}
