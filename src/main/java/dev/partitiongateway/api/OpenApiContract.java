package dev.partitiongateway.api;

import dev.partitiongateway.problem.ErrorCode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;
import org.eclipse.microprofile.openapi.models.tags.Tag;

/**
 * Completes the generated OpenAPI document into a contract a client generator can use: who may call
 * each operation (operator or tenant key), every problem response it can return with the shared
 * {@code Problem} schema and its {@code code} enum, free-form JSON for metadata, filters and
 * partitioning instead of Jackson's node internals, and paging parameters as the integers they are.
 * Which codes an operation can return beyond the ones every operation of its kind can (see
 * {@link #errorsOf}) is stated here, next to each other, so that a reviewer reads them in one place.
 */
public class OpenApiContract implements OASFilter {

    static final String OPERATOR_KEY = "operatorKey";
    static final String TENANT_KEY = "tenantKey";
    static final String PROBLEM_JSON = "application/problem+json";

    /** Codes an operation can return beyond those that follow from its kind (authenticated, with a body, with a path parameter). */
    private static final Map<String, Set<ErrorCode>> EXTRA_ERRORS = Map.ofEntries(
            Map.entry("createTenant", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("deleteTenant", EnumSet.of(ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("rotateTenantKey", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("createCollection", EnumSet.of(ErrorCode.CONFLICT, ErrorCode.BACKEND_UNAVAILABLE, ErrorCode.BACKEND_CAPACITY_EXCEEDED)),
            Map.entry("deleteCollection", EnumSet.of(ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("runRetention", EnumSet.of(ErrorCode.VALIDATION_FAILED, ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("splitPartition", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("promoteTenant", EnumSet.of(ErrorCode.CONFLICT, ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("archivePartition", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("updateCollection", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("restorePartition", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("deleteArchive", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("listJobs", EnumSet.of(ErrorCode.VALIDATION_FAILED)),
            Map.entry("getHistory", EnumSet.of(ErrorCode.NOT_FOUND)),
            Map.entry("cancelJob", EnumSet.of(ErrorCode.CONFLICT)),
            Map.entry("reconcile", EnumSet.of(ErrorCode.CONFLICT, ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("upsertVectors", EnumSet.of(ErrorCode.QUOTA_EXCEEDED, ErrorCode.CONFLICT, ErrorCode.PARTITION_ARCHIVED,
                    ErrorCode.BACKEND_UNAVAILABLE, ErrorCode.BACKEND_CAPACITY_EXCEEDED)),
            Map.entry("searchVectors", EnumSet.of(ErrorCode.INVALID_FILTER, ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("getVector", EnumSet.of(ErrorCode.VALIDATION_FAILED, ErrorCode.PARTITION_ARCHIVED, ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("fetchVectors", EnumSet.of(ErrorCode.PARTITION_ARCHIVED, ErrorCode.BACKEND_UNAVAILABLE)),
            Map.entry("deleteVectors", EnumSet.of(ErrorCode.INVALID_FILTER, ErrorCode.CONFLICT, ErrorCode.PARTITION_ARCHIVED,
                    ErrorCode.BACKEND_UNAVAILABLE)));

    private static final Map<ErrorCode, String> WHEN = Map.ofEntries(
            Map.entry(ErrorCode.VALIDATION_FAILED, "a field is invalid (errors names each)"),
            Map.entry(ErrorCode.MALFORMED_JSON, "the body is not one JSON document, or holds a duplicate key"),
            Map.entry(ErrorCode.INVALID_FILTER, "the filter has an unknown operator, a wrong operand, or one the backend cannot run"),
            Map.entry(ErrorCode.UNAUTHENTICATED, "no key, or a malformed, unknown, expired or revoked key"),
            Map.entry(ErrorCode.FORBIDDEN, "the wrong kind of key (operator vs tenant) or a missing scope"),
            Map.entry(ErrorCode.TENANT_SUSPENDED, "the tenant is suspended"),
            Map.entry(ErrorCode.QUOTA_EXCEEDED, "the upsert would cross the tenant's maxVectors; nothing was stored"),
            Map.entry(ErrorCode.NOT_FOUND, "an unknown tenant, key, collection or vector"),
            Map.entry(ErrorCode.CONFLICT, "it exists already, or a concurrent change is in the way; retry"),
            Map.entry(ErrorCode.PARTITION_ARCHIVED, "the ids (or, for a delete by filter, one of your partitions) are in a partition that is "
                    + "archived, or being archived or restored; nothing was changed; an operator restores it (restorePartition)"),
            Map.entry(ErrorCode.PAYLOAD_TOO_LARGE, "too many vectors or ids, or a body over the size limit"),
            Map.entry(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body is not application/json"),
            Map.entry(ErrorCode.RATE_LIMITED, "the tenant is over one of its limits; Retry-After says when to retry"),
            Map.entry(ErrorCode.INTERNAL_ERROR, "a bug; quote errorId"),
            Map.entry(ErrorCode.BACKEND_UNAVAILABLE, "the vector backend failed or timed out, or (with the collection's restoreOnAccess) the "
                    + "partition is archived and a restore was started; nothing was changed; Retry-After says when to retry"),
            Map.entry(ErrorCode.DATABASE_UNAVAILABLE, "PostgreSQL cannot be reached; nothing was changed; Retry-After says when to retry"),
            Map.entry(ErrorCode.BACKEND_CAPACITY_EXCEEDED, "the backend holds no more partitions, collections or namespaces"));

    private static final Map<String, String> TAGS = new LinkedHashMap<>();

    static {
        TAGS.put("Tenant data", "Your vectors: upsert, search, fetch, delete, usage. Call with a tenant key.");
        TAGS.put("Admin: tenants", "Tenants, their quotas, limits and API keys. Call with the operator key.");
        TAGS.put("Admin: collections", "Collections and their partitions. Call with the operator key.");
        TAGS.put("Lifecycle", "Lifecycle jobs (retention, split, archive, restore): start them, follow and cancel them. Call with the operator key.");
        TAGS.put("Operations", "Keeping the gateway consistent, and the audit log of admin actions. Call with the operator key.");
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        api.getInfo().description("""
                A multi-tenant gateway in front of a vector database. Tenant keys call the `Tenant data` operations and see
                only their own vectors; the operator key calls the `Admin`, `Lifecycle` and `Operations` ones. Every error
                is an RFC 9457 problem (`application/problem+json`) with a stable `code`. Lists page with `limit` and
                the `next` cursor of the previous page.""");
        Components components = api.getComponents() == null ? OASFactory.createComponents() : api.getComponents();
        api.setComponents(components);
        components.addSecurityScheme(OPERATOR_KEY, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .bearerFormat("opaque API key")
                .description("The operator key (gateway.admin.key, or generated at first start and printed once): "
                        + "`Authorization: Bearer <operator key>`. Only for the admin, lifecycle and operations API."));
        components.addSecurityScheme(TENANT_KEY, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .bearerFormat("pgw_<prefix>_<secret>")
                .description("A tenant API key issued by createTenantKey, with scopes read and/or write: "
                        + "`Authorization: Bearer pgw_...`. The tenant always comes from the key."));
        new ArrayList<>(components.getSecuritySchemes().keySet()).stream()
                .filter(name -> !name.equals(OPERATOR_KEY) && !name.equals(TENANT_KEY))
                .forEach(components::removeSecurityScheme);
        problemSchemas(components);
        freeFormJson(components);

        List<Tag> tags = new ArrayList<>();
        TAGS.forEach((name, description) -> tags.add(OASFactory.createTag().name(name).description(description)));
        api.setTags(tags);
        api.setSecurity(null);

        if (api.getPaths() == null) {
            return;
        }
        api.getPaths().getPathItems().forEach((path, item) -> {
            if (!path.startsWith("/v1/")) {
                return;
            }
            item.getOperations().forEach((method, operation) -> complete(path, method, operation));
        });
    }

    private static void complete(String path, PathItem.HttpMethod method, Operation operation) {
        if (operation.getTags() != null && operation.getTags().contains("Lifecycle")) {
            operation.setTags(new ArrayList<>(List.of("Lifecycle")));
        }
        boolean admin = path.startsWith("/v1/admin/");
        operation.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme(admin ? OPERATOR_KEY : TENANT_KEY)));
        if (operation.getParameters() != null) {
            operation.getParameters().forEach(OpenApiContract::describeParameter);
        }
        Set<ErrorCode> errors = errorsOf(path, admin, operation);
        APIResponses responses = operation.getResponses();
        new ArrayList<>(responses.getAPIResponses().keySet()).stream().filter(status -> !status.startsWith("2"))
                .forEach(responses::removeAPIResponse);
        Map<Integer, List<ErrorCode>> byStatus = new TreeMap<>();
        errors.forEach(code -> byStatus.computeIfAbsent(code.status(), s -> new ArrayList<>()).add(code));
        byStatus.forEach((status, codes) -> responses.addAPIResponse(Integer.toString(status), problemResponse(codes)));
        responses.getAPIResponses().values().forEach(response -> response.addHeader(RequestIds.HEADER, requestIdHeader()));
    }

    private static org.eclipse.microprofile.openapi.models.headers.Header requestIdHeader() {
        return OASFactory.createHeader().description("The request's id: the X-Request-Id the request carried if it is 1 to "
                        + RequestIds.MAX_LENGTH + " of A-Z a-z 0-9 . _ : / + = @ -, else a new one. Also in problem bodies and in every "
                        + "log line of the request.")
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).maxLength(RequestIds.MAX_LENGTH));
    }

    /** Every code the operation can answer with: those of its kind, then its own. */
    static Set<ErrorCode> errorsOf(String path, boolean admin, Operation operation) {
        Set<ErrorCode> errors = EnumSet.of(ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.INTERNAL_ERROR,
                ErrorCode.DATABASE_UNAVAILABLE);
        if (!admin) {
            errors.add(ErrorCode.TENANT_SUSPENDED);
            errors.add(ErrorCode.RATE_LIMITED);
        }
        if (operation.getRequestBody() != null) {
            errors.addAll(List.of(ErrorCode.VALIDATION_FAILED, ErrorCode.MALFORMED_JSON, ErrorCode.PAYLOAD_TOO_LARGE,
                    ErrorCode.UNSUPPORTED_MEDIA_TYPE));
        }
        List<Parameter> parameters = operation.getParameters() == null ? List.of() : operation.getParameters();
        if (parameters.stream().anyMatch(p -> p.getIn() == Parameter.In.QUERY)) {
            errors.add(ErrorCode.VALIDATION_FAILED);
        }
        if (path.contains("{")) {
            errors.add(ErrorCode.NOT_FOUND);
        }
        errors.addAll(EXTRA_ERRORS.getOrDefault(operation.getOperationId(), Set.of()));
        return errors;
    }

    private static APIResponse problemResponse(List<ErrorCode> codes) {
        StringBuilder description = new StringBuilder();
        for (ErrorCode code : codes) {
            description.append(description.isEmpty() ? "" : "; ").append('`').append(code.name()).append("`: ").append(WHEN.get(code));
        }
        ErrorCode first = codes.get(0);
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", first.typeUri());
        example.put("title", ProblemMapper.title(first));
        example.put("status", first.status());
        example.put("detail", "what is wrong, for people");
        example.put("instance", "/v1/...");
        example.put("code", first.name());
        APIResponse response = OASFactory.createAPIResponse().description(description.toString())
                .content(OASFactory.createContent().addMediaType(PROBLEM_JSON, OASFactory.createMediaType()
                        .schema(OASFactory.createSchema().ref("Problem")).example(example)));
        if (codes.contains(ErrorCode.UNAUTHENTICATED)) {
            response.addHeader("WWW-Authenticate", OASFactory.createHeader().description("Bearer realm=\"partition-gateway\"")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)));
        }
        if (codes.contains(ErrorCode.RATE_LIMITED) || codes.contains(ErrorCode.BACKEND_UNAVAILABLE)
                || codes.contains(ErrorCode.DATABASE_UNAVAILABLE)) {
            response.addHeader("Retry-After", OASFactory.createHeader().description("Seconds to wait before retrying")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)));
        }
        return response;
    }

    private static void describeParameter(Parameter p) {
        if (p.getIn() != Parameter.In.QUERY) {
            return;
        }
        switch (p.getName()) {
            case "limit" -> p.description("Items per page, 1 to " + Cursors.MAX_LIMIT + " (default " + Cursors.DEFAULT_LIMIT + ")")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32").minimum(java.math.BigDecimal.ONE)
                            .maximum(java.math.BigDecimal.valueOf(Cursors.MAX_LIMIT)).defaultValue(Cursors.DEFAULT_LIMIT));
            case "cursor" -> p.description("The next of the previous page; absent for the first page. Opaque: pass it back as it is.");
            case "tenant" -> p.description("Only this tenant's partitions (and its shared bucket)");
            case "collection" -> p.description("Only this collection (the jobs on it, or the one to reconcile)");
            case "state" -> p.description("Only jobs in this state: PENDING, RUNNING, SUCCEEDED, FAILED or CANCELLED");
            case "type" -> p.description("Only jobs of this type, such as SPLIT");
            default -> {
            }
        }
    }

    private static void problemSchemas(Components components) {
        List<Object> codes = new ArrayList<>();
        for (ErrorCode code : ErrorCode.values()) {
            codes.add(code.name());
        }
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        components.addSchema("ProblemFieldError", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("One invalid input, named by its JSON path")
                .addProperty("field", OASFactory.createSchema().addType(Schema.SchemaType.STRING).examples(List.of("vectors[0].values")))
                .addProperty("message", OASFactory.createSchema().addType(Schema.SchemaType.STRING).examples(List.of("has 2 values; collection 'articles' has dimension 4")))
                .required(List.of("field", "message")));
        components.addSchema("Problem", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("An RFC 9457 problem. Switch on code, never on the text.")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri")
                        .description("https://partition-gateway.dev/problems/<code in kebab case>"))
                .addProperty("title", OASFactory.createSchema().addType(Schema.SchemaType.STRING).description("The HTTP reason phrase"))
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32"))
                .addProperty("detail", OASFactory.createSchema().addType(Schema.SchemaType.STRING).description("What went wrong, for people"))
                .addProperty("instance", OASFactory.createSchema().addType(Schema.SchemaType.STRING).description("The request path"))
                .addProperty("code", OASFactory.createSchema().addType(Schema.SchemaType.STRING).enumeration(codes)
                        .description("Stable, machine-readable"))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY)
                        .items(OASFactory.createSchema().ref("ProblemFieldError")).description("Each invalid field, for VALIDATION_FAILED"))
                .addProperty("errorId", string.description("For INTERNAL_ERROR: the id to quote when reporting it"))
                .addProperty("requestId", OASFactory.createSchema().addType(Schema.SchemaType.STRING).maxLength(RequestIds.MAX_LENGTH)
                        .description("The request's id, as in the X-Request-Id response header"))
                .required(List.of("type", "title", "status", "code")));
    }

    /**
     * Jackson's {@code JsonNode} fields (metadata, filter, partitioning, timestamps) described as the
     * JSON they accept, and {@code Map<String, Object>} responses as free-form objects.
     */
    private static void freeFormJson(Components components) {
        Map<String, Schema> schemas = components.getSchemas();
        components.removeSchema("JsonNodeType");
        Schema metadata = freeObject("Metadata: a JSON object of strings, numbers, booleans, arrays of them and nested objects (at most "
                + "gateway.limits.max-metadata-bytes as JSON, 8 levels deep). Keys: 1-64 of A-Z a-z 0-9 _ -.",
                Map.of("genre", "news", "year", 2024, "tags", List.of("eu", "politics")));
        Schema filter = freeObject("A Mongo-style metadata filter: {\"field\":value} or {\"field\":{\"$op\":operand}}, with $eq $ne $in $nin "
                + "$gt $gte $lt $lte $exists and $and $or $not. Several keys are ANDed; dotted keys reach nested metadata.",
                Map.of("genre", Map.of("$eq", "news"), "$or", List.of(Map.of("year", Map.of("$gte", 2020)), Map.of("tags", Map.of("$in", List.of("archive"))))));
        Schema partitioning = freeObject("How the collection is cut into partitions: strategy TENANT (default), TENANT_TIME (granularity "
                + "HOURLY|DAILY|WEEKLY|MONTHLY, retentionDays), TENANT_ATTRIBUTE (field, maxValues) or SHARED_HASH (buckets).",
                Map.of("strategy", "TENANT_TIME", "granularity", "MONTHLY", "retentionDays", 365));
        Schema instant = OASFactory.createSchema().addType(Schema.SchemaType.STRING).addType(Schema.SchemaType.INTEGER)
                .description("An ISO-8601 instant or epoch milliseconds").examples(List.of("2024-05-01T12:00:00Z", 1714564800000L));
        property(schemas, "VectorInput", "metadata", metadata);
        property(schemas, "VectorInput", "timestamp", instant);
        property(schemas, "TimeRange", "from", instant);
        property(schemas, "TimeRange", "to", instant);
        property(schemas, "SearchRequest", "filter", filter);
        property(schemas, "DeleteRequest", "filter", filter);
        property(schemas, "CreateCollection", "partitioning", partitioning);
        property(schemas, "PatchCollection", "partitioning", freeObject("Only retentionDays (a whole number of days, or null for none)",
                Map.of("retentionDays", 30)));
        property(schemas, "PatchCollection", "lifecycle", freeObject("The lifecycle policy fields to change: splitAboveVectors, splitInto "
                + "(2-16), archiveAfterIdleDays, deleteArchivesAfterDays (whole numbers, or null for never) and restoreOnAccess (boolean)",
                Map.of("splitAboveVectors", 1000000, "archiveAfterIdleDays", 30, "restoreOnAccess", true)));
        property(schemas, "CollectionJson", "lifecycle", freeObject("The lifecycle policy: only the fields that are set, and restoreOnAccess",
                Map.of("splitAboveVectors", 1000000, "restoreOnAccess", false)));
        property(schemas, "CollectionJson", "partitioning", partitioning);
        property(schemas, "TenantCollectionJson", "partitioning", partitioning);
        property(schemas, "Hit", "metadata", metadata);
        property(schemas, "VectorJson", "metadata", metadata);
        components.removeSchema("JsonNode");
    }

    private static Schema freeObject(String description, Map<String, Object> example) {
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT).additionalPropertiesBoolean(Boolean.TRUE)
                .description(description).examples(List.of(example));
    }

    private static void property(Map<String, Schema> schemas, String schema, String property, Schema replacement) {
        Schema owner = schemas.get(schema);
        if (owner == null || owner.getProperties() == null || !owner.getProperties().containsKey(property)) {
            throw new IllegalStateException("the OpenAPI document has no " + schema + "." + property + " to describe");
        }
        owner.addProperty(property, replacement);
    }
}
