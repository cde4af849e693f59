package dev.partitiongateway.api;

import static dev.partitiongateway.support.TestApi.OPERATOR_KEY;
import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.SplitApi;
import java.sql.Connection;
import java.sql.PreparedStatement;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import dev.partitiongateway.jobs.JobStore;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document is a contract a client can rely on: valid OpenAPI 3.1 (by the OAS
 * schema and by swagger-parser), every JAX-RS route in it with an operationId, a tag for its audience
 * and its key, and every status a real session gets from each operation documented, errors as problems.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class OpenApiContractTest {

    @jakarta.inject.Inject
    dev.partitiongateway.jobs.JobStore jobs;
    @jakarta.inject.Inject
    io.agroal.api.AgroalDataSource dataSource;

    private static final Set<String> AUDIENCES = Set.of("Tenant data", "Admin: tenants", "Admin: collections", "Lifecycle", "Operations");
    private static final List<Class<?>> RESOURCES = List.of(TenantAdminResource.class, KeyAdminResource.class,
            CollectionAdminResource.class, ReconcileResource.class, TenantSelfResource.class, TenantCollectionsResource.class,
            VectorResource.class, JobResource.class, HotPartitionsResource.class, AuditResource.class, ArchiveAdminResource.class,
            MaintenanceResource.class, HistoryResource.class);

    final ObjectMapper json = new ObjectMapper();
    JsonNode doc;
    String text;

    @BeforeEach
    void load() throws Exception {
        text = given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        doc = json.readTree(text);
    }

    @Test
    void should_be_valid_openapi_3_1_by_the_oas_schema() throws Exception {
        assertThat(doc.path("openapi").asText()).startsWith("3.1.");
        JsonSchema schema;
        try (InputStream in = getClass().getResourceAsStream("/openapi/oas-3.1-schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
        Set<ValidationMessage> problems = schema.validate(doc);
        assertThat(problems).isEmpty();
    }

    /** The validators are not vacuous: the same document, broken, is refused by both. */
    @Test
    void should_refuse_the_document_once_broken() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode broken = (com.fasterxml.jackson.databind.node.ObjectNode) doc.deepCopy();
        broken.remove("info");
        ((com.fasterxml.jackson.databind.node.ObjectNode) broken.at("/paths/~1v1~1tenant/get/responses")).put("2000", "not a response");
        JsonSchema schema;
        try (InputStream in = getClass().getResourceAsStream("/openapi/oas-3.1-schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
        assertThat(schema.validate(broken)).isNotEmpty();
        SwaggerParseResult result = new OpenAPIParser().readContents(json.writeValueAsString(broken), null, new ParseOptions());
        assertThat(result.getMessages()).isNotEmpty();
    }

    @Test
    void should_parse_with_swagger_parser_without_messages_and_resolve_every_reference() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIParser().readContents(text, null, options);
        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
        // Every $ref names a schema that exists.
        Set<String> schemas = new HashSet<>();
        doc.path("components").path("schemas").fieldNames().forEachRemaining(schemas::add);
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).allSatisfy(ref -> assertThat(schemas).contains(ref.substring("#/components/schemas/".length())));
    }

    @Test
    void should_describe_free_form_json_as_objects_not_jackson_internals_and_name_every_code() {
        assertThat(text).doesNotContain("valueNode").doesNotContain("JsonNode").doesNotContain("bigDecimal");
        JsonNode metadata = doc.at("/components/schemas/VectorInput/properties/metadata");
        assertThat(metadata.path("type").asText()).isEqualTo("object");
        assertThat(metadata.path("examples")).isNotEmpty();
        assertThat(doc.at("/components/schemas/SearchRequest/properties/filter/examples/0/genre/$eq").asText()).isEqualTo("news");
        assertThat(doc.at("/components/schemas/CreateCollection/properties/partitioning/type").asText()).isEqualTo("object");
        List<String> codes = new ArrayList<>();
        doc.at("/components/schemas/Problem/properties/code/enum").forEach(c -> codes.add(c.asText()));
        assertThat(codes).containsExactlyInAnyOrderElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
        assertThat(doc.at("/components/securitySchemes/operatorKey/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/components/securitySchemes/tenantKey/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/paths/~1v1~1admin~1collections~1{name}~1partitions/get/parameters").findValuesAsText("name")).contains("limit");
    }

    @Test
    void should_document_every_route_with_an_operation_id_an_audience_a_key_and_problem_errors() {
        Set<String> routes = new TreeSet<>();
        for (Class<?> resource : RESOURCES) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                String verb = verb(m);
                if (verb == null) {
                    continue;
                }
                Path sub = m.getAnnotation(Path.class);
                routes.add(verb + " " + (sub == null ? base : (base + "/" + sub.value()).replaceAll("/+", "/")));
            }
        }
        Set<String> documented = new TreeSet<>();
        Set<String> operationIds = new HashSet<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (!path.getKey().startsWith("/v1/")) {
                return;
            }
            String route = op.getKey().toUpperCase() + " " + path.getKey();
            documented.add(route);
            JsonNode operation = op.getValue();
            assertThat(operation.path("operationId").asText()).as(route).matches("[a-z][A-Za-z]+");
            assertThat(operationIds.add(operation.path("operationId").asText())).as("unique operationId of " + route).isTrue();
            assertThat(operation.path("summary").asText()).as(route).isNotBlank();
            assertThat(operation.path("description").asText()).as(route).isNotBlank();
            assertThat(operation.path("tags")).as(route).hasSize(1);
            assertThat(AUDIENCES).as(route).contains(operation.path("tags").get(0).asText());
            String scheme = path.getKey().startsWith("/v1/admin/") ? "operatorKey" : "tenantKey";
            assertThat(operation.path("security").get(0).has(scheme)).as(route + " security").isTrue();
            operation.path("responses").fields().forEachRemaining(r -> {
                if (Integer.parseInt(r.getKey()) >= 400) {
                    assertThat(r.getValue().at("/content/application~1problem+json/schema/$ref").asText()).as(route + " " + r.getKey())
                            .isEqualTo("#/components/schemas/Problem");
                }
            });
            assertThat(operation.path("responses").has("401")).as(route).isTrue();
        }));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(routes);
    }

    // ---- A real session over every operation: each status it gets must be documented for that operation.

    private final Map<String, Set<Integer>> seen = new HashMap<>();

    @Test
    void should_document_every_status_a_real_session_gets_and_reach_every_operation() throws Exception {
        String tenant = uniqueTenantId("contract");
        call("createTenant", asOperator().body(Map.of("id", tenant, "quota", Map.of("maxVectors", 3))), "POST", "/v1/admin/tenants", 201);
        call("createTenant", asOperator().body(Map.of("id", tenant)), "POST", "/v1/admin/tenants", 409);
        call("createTenant", asOperator().body("{\"id\":"), "POST", "/v1/admin/tenants", 400);
        call("createTenant", asOperator().contentType("text/plain").body("x"), "POST", "/v1/admin/tenants", 415);
        call("getTenant", asOperator(), "GET", "/v1/admin/tenants/" + tenant, 200);
        call("getTenant", asOperator(), "GET", "/v1/admin/tenants/nobody-" + tenant, 404);
        call("listTenants", asOperator().queryParam("limit", 1), "GET", "/v1/admin/tenants", 200);
        call("listTenants", asOperator().queryParam("limit", 0), "GET", "/v1/admin/tenants", 400);
        call("listTenants", given(), "GET", "/v1/admin/tenants", 401);
        call("updateTenant", asOperator().body(Map.of("name", "Contract")), "PATCH", "/v1/admin/tenants/" + tenant, 200);
        String key = call("createTenantKey", asOperator().body(Map.of("name", "k", "scopes", List.of("read", "write"))),
                "POST", "/v1/admin/tenants/" + tenant + "/keys", 201).path("key");
        String spareId = call("createTenantKey", asOperator().body(Map.of("name", "spare", "scopes", List.of("read"))),
                "POST", "/v1/admin/tenants/" + tenant + "/keys", 201).path("id");
        call("listTenantKeys", asOperator(), "GET", "/v1/admin/tenants/" + tenant + "/keys", 200);
        String rotated = call("rotateTenantKey", asOperator().body("{}"), "POST", "/v1/admin/tenants/" + tenant + "/keys/" + spareId + "/rotate", 201)
                .path("key.id");
        call("rotateTenantKey", asOperator().body("{}"), "POST", "/v1/admin/tenants/" + tenant + "/keys/" + spareId + "/rotate", 409);
        call("revokeTenantKey", asOperator(), "DELETE", "/v1/admin/tenants/" + tenant + "/keys/" + rotated, 204);
        call("listTenantKeys", as(key), "GET", "/v1/admin/tenants/" + tenant + "/keys", 403);

        String name = "contract_" + tenant.substring(tenant.length() - 8).replace('-', '_');
        String timed = name + "_t";
        call("createCollection", asOperator().body(Map.of("name", name, "dimension", 2, "metric", "L2")), "POST", "/v1/admin/collections", 201);
        call("createCollection", asOperator().body(Map.of("name", name, "dimension", 2, "metric", "L2")), "POST", "/v1/admin/collections", 409);
        call("createCollection", asOperator().body(Map.of("name", timed, "dimension", 2, "metric", "L2",
                "partitioning", Map.of("strategy", "TENANT_TIME", "granularity", "DAILY", "retentionDays", 30))), "POST", "/v1/admin/collections", 201);
        call("getCollection", asOperator(), "GET", "/v1/admin/collections/" + name, 200);
        call("listCollections", asOperator(), "GET", "/v1/admin/collections", 200);
        call("updateCollection", asOperator().body(Map.of("partitioning", Map.of("retentionDays", 7))), "PATCH",
                "/v1/admin/collections/" + timed, 200);
        call("runRetention", asOperator(), "POST", "/v1/admin/collections/" + timed + "/retention", 200);
        call("runRetention", asOperator(), "POST", "/v1/admin/collections/" + name + "/retention", 400);
        call("listJobs", asOperator().queryParam("type", "RETENTION"), "GET", "/v1/admin/jobs", 200);
        call("listJobs", asOperator().queryParam("state", "SOMETIMES"), "GET", "/v1/admin/jobs", 400);
        long waiting = jobs.enqueue(new JobStore.NewJob("TEST_UNHANDLED", null, null, "contract", Map.of(), "test")).id();
        call("getJob", asOperator(), "GET", "/v1/admin/jobs/" + waiting, 200);
        call("getJob", asOperator(), "GET", "/v1/admin/jobs/0", 404);
        call("cancelJob", asOperator(), "POST", "/v1/admin/jobs/" + waiting + "/cancel", 200);
        call("cancelJob", asOperator(), "POST", "/v1/admin/jobs/" + waiting + "/cancel", 409);
        call("jobEvents", asOperator().accept("text/event-stream"), "GET", "/v1/admin/jobs/" + waiting + "/events", 200);
        call("jobEvents", asOperator().accept("text/event-stream"), "GET", "/v1/admin/jobs/0/events", 404);

        call("getOwnTenant", as(key), "GET", "/v1/tenant", 200);
        call("getOwnTenant", as(OPERATOR_KEY), "GET", "/v1/tenant", 403);
        call("listOwnCollections", as(key), "GET", "/v1/collections", 200);
        String vectors = "/v1/collections/" + name + "/vectors";
        call("upsertVectors", as(key).body("{\"vectors\":[{\"id\":\"a\",\"values\":[1,0]},{\"id\":\"b\",\"values\":[0,1]}]}"), "PUT", vectors, 200);
        call("upsertVectors", as(key).body("{\"vectors\":[{\"id\":\"c\",\"values\":[1,1]},{\"id\":\"d\",\"values\":[1,2]}]}"), "PUT", vectors, 403);
        call("upsertVectors", as(key).body("{\"vectors\":[{\"id\":\"c\",\"values\":[1]}]}"), "PUT", vectors, 400);
        call("upsertVectors", as(key).body("{\"vectors\":[{\"id\":\"c\",\"values\":[1,1]}]}"), "PUT", "/v1/collections/nothing_here/vectors", 404);
        call("searchVectors", as(key).body("{\"vector\":[1,0],\"topK\":1}"), "POST", "/v1/collections/" + name + "/search", 200);
        call("searchVectors", as(key).body("{\"vector\":[1,0],\"filter\":{\"x\":{\"$regex\":\"y\"}}}"), "POST", "/v1/collections/" + name + "/search", 400);
        call("getVector", as(key), "GET", vectors + "/a", 200);
        call("getVector", as(key), "GET", vectors + "/zzz", 404);
        call("fetchVectors", as(key).body("{\"ids\":[\"a\",\"zzz\"]}"), "POST", vectors + "/fetch", 200);
        call("fetchVectors", as(key).body(Map.of("ids", java.util.Collections.nCopies(1001, "x"))), "POST", vectors + "/fetch", 413);
        call("getCollectionStats", as(key), "GET", "/v1/collections/" + name + "/stats", 200);
        call("deleteVectors", as(key).body("{\"ids\":[\"b\"]}"), "POST", vectors + "/delete", 200);
        call("listPartitions", asOperator().queryParam("limit", 10), "GET", "/v1/admin/collections/" + name + "/partitions", 200);
        call("listPartitions", asOperator().queryParam("sort", "p99").queryParam("order", "desc"), "GET",
                "/v1/admin/collections/" + name + "/partitions", 200);
        call("listPartitions", asOperator().queryParam("sort", "heat"), "GET", "/v1/admin/collections/" + name + "/partitions", 400);
        call("listHotPartitions", asOperator().queryParam("collection", name), "GET", "/v1/admin/hot", 200);
        call("listHotPartitions", asOperator().queryParam("cursor", "nonsense"), "GET", "/v1/admin/hot", 400);
        call("listAuditEntries", asOperator().queryParam("action", "createTenant").queryParam("limit", 5), "GET", "/v1/admin/audit", 200);
        call("listAuditEntries", asOperator().queryParam("since", "yesterday"), "GET", "/v1/admin/audit", 400);
        call("getHistory", asOperator().queryParam("collection", name).queryParam("minutes", 5), "GET", "/v1/admin/history", 200);
        call("getHistory", asOperator().queryParam("minutes", 61), "GET", "/v1/admin/history", 400);
        call("getHistory", asOperator().queryParam("collection", "no_such_collection"), "GET", "/v1/admin/history", 404);
        String placement = asOperator().get("/v1/admin/collections/" + name + "/partitions").then().extract().path("partitions[0].placement");
        String splitPath = "/v1/admin/collections/" + name + "/partitions/" + placement + "/split";
        long job;
        // The vector's registry row held, so that the split cannot finish before it is cancelled.
        try (Connection held = dataSource.getConnection()) {
            held.setAutoCommit(false);
            try (PreparedStatement lock = held.prepareStatement("SELECT 1 FROM vector_registry WHERE collection = ? FOR UPDATE")) {
                lock.setString(1, name);
                lock.executeQuery().close();
            }
            job = ((Number) call("splitPartition", asOperator().body(Map.of("into", 2)), "POST", splitPath, 202).path("job.id")).longValue();
            call("splitPartition", asOperator().body(Map.of("into", 2)), "POST", splitPath, 409);
            call("splitPartition", asOperator().body(Map.of("into", 1)), "POST", splitPath, 400);
            call("splitPartition", asOperator().body(Map.of("into", 2)), "POST", "/v1/admin/collections/" + name + "/partitions/nothing_here/split", 404);
            call("cancelJob", asOperator(), "POST", "/v1/admin/jobs/" + job + "/cancel", 200);
            call("listJobs", asOperator().queryParam("collection", name), "GET", "/v1/admin/jobs", 200);
            call("listJobs", asOperator().queryParam("state", "SOMETIMES"), "GET", "/v1/admin/jobs", 400);
            held.rollback();
        }
        SplitApi.awaitJob(job, "CANCELLED", SplitApi.PATIENCE);
        call("getJob", asOperator(), "GET", "/v1/admin/jobs/" + job, 200);
        call("getJob", asOperator(), "GET", "/v1/admin/jobs/999999999", 404);
        String shared = name + "_s";
        asOperator().body(Map.of("name", shared, "dimension", 4, "metric", "COSINE", "partitioning", Map.of("strategy", "SHARED_HASH",
                "buckets", 2))).post("/v1/admin/collections").then().statusCode(201);
        String promotePath = "/v1/admin/collections/" + shared + "/tenants/" + tenant + "/promote";
        long promotion = ((Number) call("promoteTenant", asOperator(), "POST", promotePath, 202).path("job.id")).longValue();
        SplitApi.awaitJob(promotion, "SUCCEEDED", SplitApi.PATIENCE);
        call("promoteTenant", asOperator().body("{}"), "POST", promotePath, 409);
        call("promoteTenant", asOperator().body("{\"x\":1}"), "POST", promotePath, 400);
        call("promoteTenant", asOperator().contentType("text/plain").body("x"), "POST", promotePath, 415);
        call("promoteTenant", asOperator(), "POST", "/v1/admin/collections/" + shared + "/tenants/nobody/promote", 404);
        call("promoteTenant", asOperator(), "POST", "/v1/admin/collections/" + name + "/tenants/" + tenant + "/promote", 409);
        asOperator().delete("/v1/admin/collections/" + shared).then().statusCode(204);
        call("jobEvents", asOperator(), "GET", "/v1/admin/jobs/" + job + "/events", 200);
        call("cancelJob", asOperator(), "POST", "/v1/admin/jobs/" + job + "/cancel", 409);
        call("reconcile", asOperator().queryParam("collection", name), "POST", "/v1/admin/reconcile", 200);
        call("runMaintenance", asOperator(), "POST", "/v1/admin/maintenance", 200);

        // Archive and restore, on a collection of its own (the split above may not have been cancelled in time).
        String archived = name + "_a";
        String archivedVectors = "/v1/collections/" + archived + "/vectors";
        call("createCollection", asOperator().body(Map.of("name", archived, "dimension", 2, "metric", "L2")), "POST", "/v1/admin/collections", 201);
        call("upsertVectors", as(key).body("{\"vectors\":[{\"id\":\"z\",\"values\":[1,0]}]}"), "PUT", archivedVectors, 200);
        String archivedPlacement = asOperator().get("/v1/admin/collections/" + archived + "/partitions").then().extract().path("partitions[0].placement");
        String partitionPath = "/v1/admin/collections/" + archived + "/partitions/" + archivedPlacement;
        call("restorePartition", asOperator(), "POST", partitionPath + "/restore", 409);
        long archive = ((Number) call("archivePartition", asOperator(), "POST", partitionPath + "/archive", 202).path("job.id")).longValue();
        call("archivePartition", asOperator(), "POST", partitionPath + "/archive", 409);
        call("archivePartition", asOperator(), "POST", "/v1/admin/collections/" + archived + "/partitions/nothing_here/archive", 404);
        SplitApi.awaitJob(archive, "SUCCEEDED", SplitApi.PATIENCE);
        call("getVector", as(key), "GET", archivedVectors + "/z", 409);
        call("fetchVectors", as(key).body("{\"ids\":[\"z\"]}"), "POST", archivedVectors + "/fetch", 409);
        call("upsertVectors", as(key).body("{\"vectors\":[{\"id\":\"z\",\"values\":[1,1]}]}"), "PUT", archivedVectors, 409);
        call("deleteVectors", as(key).body("{\"ids\":[\"z\"]}"), "POST", archivedVectors + "/delete", 409);
        call("searchVectors", as(key).body("{\"vector\":[1,0],\"topK\":1}"), "POST", "/v1/collections/" + archived + "/search", 200);
        Number archiveId = call("listArchives", asOperator().queryParam("collection", archived), "GET", "/v1/admin/archives", 200)
                .path("archives[0].id");
        call("listArchives", asOperator().queryParam("limit", 0), "GET", "/v1/admin/archives", 400);
        call("deleteArchive", asOperator(), "DELETE", "/v1/admin/archives/" + archiveId, 409);
        call("deleteArchive", asOperator(), "DELETE", "/v1/admin/archives/0", 404);
        long restore = ((Number) call("restorePartition", asOperator(), "POST", partitionPath + "/restore", 202).path("job.id")).longValue();
        call("restorePartition", asOperator(), "POST", "/v1/admin/collections/" + archived + "/partitions/nothing_here/restore", 404);
        SplitApi.awaitJob(restore, "SUCCEEDED", SplitApi.PATIENCE);
        call("getVector", as(key), "GET", archivedVectors + "/z", 200);
        call("deleteArchive", asOperator(), "DELETE", "/v1/admin/archives/" + archiveId, 200);
        call("deleteCollection", asOperator(), "DELETE", "/v1/admin/collections/" + archived, 204);

        call("deleteCollection", asOperator(), "DELETE", "/v1/admin/collections/" + timed, 204);
        call("deleteCollection", asOperator(), "DELETE", "/v1/admin/collections/" + timed, 404);
        call("deleteTenant", asOperator(), "DELETE", "/v1/admin/tenants/" + tenant, 204);
        call("getOwnTenant", as(key), "GET", "/v1/tenant", 401);
        call("deleteCollection", asOperator(), "DELETE", "/v1/admin/collections/" + name, 204);

        Set<String> all = new TreeSet<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op -> {
            if (p.getKey().startsWith("/v1/")) {
                all.add(op.getValue().path("operationId").asText());
            }
        }));
        assertThat(seen.keySet()).as("operations the session reached").containsExactlyInAnyOrderElementsOf(all);
        seen.forEach((op, statuses) -> assertThat(statuses).as(op + " succeeded at least once").anyMatch(s -> s < 300));
    }

    /** Calls the operation, checks the status expected, that it is documented, and its body shape for errors. */
    private Response call(String operationId, RequestSpecification request, String method, String path, int expected) {
        JsonNode operation = null;
        String template = null;
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            JsonNode op = p.getValue().path(method.toLowerCase());
            if (operationId.equals(op.path("operationId").asText())) {
                operation = op;
                template = p.getKey();
            }
        }
        assertThat(operation).as(operationId + " is documented for " + method).isNotNull();
        assertThat(path).as(operationId + " path").matches(template.replaceAll("\\{[^}]+}", "[^/]+"));
        Response response = request.request(method, path);
        int status = response.statusCode();
        assertThat(status).as(method + " " + path + ": " + response.asString()).isEqualTo(expected);
        assertThat(operation.path("responses").has(Integer.toString(status)))
                .as(operationId + " documents " + status + " (documented: " + fieldNames(operation.path("responses")) + ")").isTrue();
        if (status >= 400) {
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(operation.at("/responses/" + status + "/description").asText()).contains("`" + response.path("code") + "`");
        }
        seen.computeIfAbsent(operationId, k -> new TreeSet<>()).add(status);
        return response;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String verb(Method m) {
        for (Class<? extends Annotation> a : List.of(GET.class, POST.class, PUT.class, DELETE.class, PATCH.class)) {
            if (m.isAnnotationPresent(a)) {
                return a.getSimpleName();
            }
        }
        return null;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("$ref")) {
                    refs.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
