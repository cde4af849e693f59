package dev.partitiongateway.adapter.pinecone;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.delete;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.usage;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static dev.partitiongateway.support.TestApi.uniqueTenantId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.pinecone.clients.Index;
import io.pinecone.configs.PineconeConfig;
import io.pinecone.configs.PineconeConnection;
import io.pinecone.proto.NamespaceDescription;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openapitools.db_control.client.ApiClient;
import org.openapitools.db_control.client.ApiException;
import org.openapitools.db_control.client.Configuration;
import org.openapitools.db_control.client.api.ManageIndexesApi;

/**
 * The gateway's tenant API on the Pinecone backend, end to end: REST, registry and quotas in
 * PostgreSQL, the adapter, the Pinecone client and the fake Pinecone. Collections use the TENANT
 * strategy (one namespace per tenant); what Pinecone holds is checked through the Pinecone client.
 */
@QuarkusTest
@TestProfile(PineconeBackendProfile.class)
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class PineconeGatewayTest {

    @ConfigProperty(name = "gateway.pinecone.api-key")
    String apiKey;

    @ConfigProperty(name = "gateway.pinecone.control-plane-url")
    String controlPlaneUrl;

    String collection;
    String keyA;
    String keyB;

    @BeforeEach
    void setUp() {
        collection = createCollection("pc", 3, "COSINE");
        keyA = readWriteKey(createTenant("alpha"));
        keyB = readWriteKey(createTenant("beta"));
    }

    @Test
    void should_create_the_collection_on_its_own_pinecone_index_and_delete_it_with_the_collection() throws ApiException {
        String host = indexHost(collection);
        assertThat(host).isNotBlank();

        asOperator().delete("/v1/admin/collections/" + collection).then().statusCode(204);

        assertThat(indexExists(collection)).isFalse();
    }

    @Test
    void should_keep_two_tenants_with_the_same_ids_apart() throws ApiException {
        upsert(keyA, collection, List.of(vector("doc-1", List.of(1.0, 0.0, 0.0), Map.of("owner", "alpha")),
                vector("doc-2", List.of(0.9, 0.1, 0.0), Map.of("owner", "alpha")))).statusCode(200).body("inserted", equalTo(2));
        upsert(keyB, collection, List.of(vector("doc-1", List.of(0.0, 1.0, 0.0), Map.of("owner", "beta")))).statusCode(200)
                .body("inserted", equalTo(1));

        fetch(keyA, collection, "doc-1").statusCode(200).body("metadata.owner", equalTo("alpha"));
        fetch(keyB, collection, "doc-1").statusCode(200).body("metadata.owner", equalTo("beta"));
        fetch(keyB, collection, "doc-2").statusCode(404);
        search(keyB, collection, Map.of("vector", List.of(1, 0, 0), "topK", 10)).statusCode(200).body("results.id", contains("doc-1"))
                .body("results.metadata.owner", contains("beta"));
        search(keyB, collection, Map.of("vector", List.of(1, 0, 0), "topK", 10, "filter", Map.of("owner", "alpha")))
                .statusCode(200).body("results", equalTo(List.of()));
        search(keyA, collection, Map.of("vector", List.of(1, 0, 0), "topK", 10)).body("results.id", contains("doc-1", "doc-2"));
        try (Index index = connect(collection)) {
            assertThat(index.listNamespaces().getNamespacesList()).extracting(NamespaceDescription::getName)
                    .as("one namespace per tenant").hasSize(2).allSatisfy(n -> assertThat(n).startsWith(collection + "-t_"));
        }
    }

    @Test
    void should_delete_only_the_callers_records_by_id_and_by_filter() {
        upsert(keyA, collection, List.of(vector("x", List.of(1.0, 0.0, 0.0), Map.of("kind", "keep")),
                vector("y", List.of(0.0, 1.0, 0.0), Map.of("kind", "drop")))).statusCode(200);
        upsert(keyB, collection, List.of(vector("x", List.of(1.0, 0.0, 0.0), Map.of("kind", "drop")))).statusCode(200);

        delete(keyB, collection, Map.of("ids", List.of("y"))).statusCode(200).body("deleted", equalTo(0));
        delete(keyB, collection, Map.of("filter", Map.of("kind", "drop"))).statusCode(200).body("deleted", equalTo(1));

        fetch(keyA, collection, "x").statusCode(200);
        fetch(keyA, collection, "y").statusCode(200);
        fetch(keyB, collection, "x").statusCode(404);
        delete(keyA, collection, Map.of("filter", Map.of("kind", Map.of("$ne", "keep")))).statusCode(200).body("deleted", equalTo(1));
        search(keyA, collection, Map.of("vector", List.of(1, 1, 0), "topK", 10)).body("results.id", contains("x"));
        assertThat(usage(keyA)).isEqualTo(1);
        assertThat(usage(keyB)).isZero();
    }

    @Test
    void should_hold_the_quota_exactly() {
        String key = readWriteKey(createTenant(uniqueTenantId("capped"), 2));
        upsert(key, collection, List.of(vector("a", 1, 0, 0), vector("b", 0, 1, 0))).statusCode(200);

        upsert(key, collection, List.of(vector("c", 0, 0, 1))).statusCode(403).body("code", equalTo("QUOTA_EXCEEDED"));
        upsert(key, collection, List.of(vector("a", 1, 1, 0))).statusCode(200).body("updated", equalTo(1));
        fetch(key, collection, "c").statusCode(404);
        delete(key, collection, Map.of("ids", List.of("b"))).body("deleted", equalTo(1));
        upsert(key, collection, List.of(vector("c", 0, 0, 1))).statusCode(200);

        assertThat(usage(key)).isEqualTo(2);
        search(key, collection, Map.of("vector", List.of(1, 1, 1), "topK", 10)).body("results.id", containsInAnyOrder("a", "c"));
    }

    @Test
    void should_round_trip_nested_metadata_and_filter_on_it_with_every_operator() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("title", "Guide");
        metadata.put("pages", 120);
        metadata.put("rating", 4.5);
        metadata.put("public", true);
        metadata.put("tags", List.of("howto", "db"));
        metadata.put("scores", List.of(3, 9));
        metadata.put("author", Map.of("name", "ann", "address", Map.of("city", "Oslo", "zip", 150)));
        upsert(keyA, collection, List.of(vector("guide", List.of(1.0, 0.0, 0.0), metadata),
                vector("other", List.of(0.0, 1.0, 0.0), Map.of("title", "Other", "pages", "120")))).statusCode(200);

        fetch(keyA, collection, "guide").statusCode(200).body("metadata", equalTo(Map.of("title", "Guide", "pages", 120, "rating", 4.5f,
                "public", true, "tags", List.of("howto", "db"), "scores", List.of(3, 9),
                "author", Map.of("name", "ann", "address", Map.of("city", "Oslo", "zip", 150)))));
        for (Map<String, Object> filter : List.of(
                Map.<String, Object>of("author.address.city", "Oslo"),
                Map.<String, Object>of("pages", 120),
                Map.<String, Object>of("scores", Map.of("$gt", 5)),
                Map.<String, Object>of("tags", Map.of("$in", List.of("db", "x"))),
                Map.<String, Object>of("$not", Map.of("title", "Other")),
                Map.<String, Object>of("author.name", Map.of("$exists", true)),
                Map.<String, Object>of("$or", List.of(Map.of("public", true), Map.of("rating", Map.of("$lt", 0)))))) {
            search(keyA, collection, Map.of("vector", List.of(1, 1, 0), "topK", 10, "filter", filter))
                    .statusCode(200).body("results.id", contains("guide"));
        }
        search(keyA, collection, Map.of("vector", List.of(1, 1, 0), "topK", 10, "filter", Map.of("pages", "120")))
                .body("results.id", contains("other"));
    }

    // ---------------------------------------------------------------- Pinecone, seen through its client

    private ManageIndexesApi controlPlane() {
        ApiClient client = new ApiClient();
        client.setBasePath(controlPlaneUrl);
        client.setApiKey(apiKey);
        return new ManageIndexesApi(client);
    }

    private String indexHost(String collectionName) throws ApiException {
        return controlPlane().describeIndex(Configuration.VERSION, IndexDirectory.derivedIndexName("gw-", collectionName)).getHost();
    }

    private boolean indexExists(String collectionName) throws ApiException {
        try {
            indexHost(collectionName);
            return true;
        } catch (ApiException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private Index connect(String collectionName) throws ApiException {
        PineconeConfig config = new PineconeConfig(apiKey);
        config.setHost(indexHost(collectionName));
        config.setTLSEnabled(false);
        return new Index(config, new PineconeConnection(config), IndexDirectory.derivedIndexName("gw-", collectionName));
    }
}
