package dev.partitiongateway.catalog;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.TestApi.asOperator;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The lifecycle policy a PATCH sets: merged field by field, strictly typed, and nothing changed by a bad one. */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class LifecyclePolicyApiTest {

    @Test
    void should_merge_policy_fields_and_turn_one_off_with_null() {
        String name = createCollection("policy", 2, "L2");
        asOperator().get("/v1/admin/collections/" + name).then().statusCode(200)
                .body("lifecycle.restoreOnAccess", equalTo(false)).body("lifecycle", not(hasKey("splitAboveVectors")));

        asOperator().body("{\"lifecycle\":{\"splitAboveVectors\":1000,\"archiveAfterIdleDays\":30}}").patch("/v1/admin/collections/" + name)
                .then().statusCode(200).body("lifecycle.splitAboveVectors", equalTo(1000)).body("lifecycle.archiveAfterIdleDays", equalTo(30));
        asOperator().body("{\"lifecycle\":{\"restoreOnAccess\":true,\"archiveAfterIdleDays\":null,\"splitInto\":4}}")
                .patch("/v1/admin/collections/" + name).then().statusCode(200);

        asOperator().get("/v1/admin/collections/" + name).then().statusCode(200)
                .body("lifecycle.splitAboveVectors", equalTo(1000)).body("lifecycle.splitInto", equalTo(4))
                .body("lifecycle.restoreOnAccess", equalTo(true)).body("lifecycle", not(hasKey("archiveAfterIdleDays")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"lifecycle\":{\"splitAboveVectors\":\"1000\"}}",
            "{\"lifecycle\":{\"splitAboveVectors\":1000.5}}",
            "{\"lifecycle\":{\"splitAboveVectors\":0}}",
            "{\"lifecycle\":{\"splitAboveVectors\":99999999999999999999999}}",
            "{\"lifecycle\":{\"splitInto\":1}}",
            "{\"lifecycle\":{\"splitInto\":17}}",
            "{\"lifecycle\":{\"archiveAfterIdleDays\":-1}}",
            "{\"lifecycle\":{\"deleteArchivesAfterDays\":true}}",
            "{\"lifecycle\":{\"restoreOnAccess\":\"yes\"}}",
            "{\"lifecycle\":{\"restoreOnAccess\":1}}",
            "{\"lifecycle\":{\"splitAbove\\u0000Vectors\":5}}",
            "{\"lifecycle\":{\"nested\":{\"deep\":[1]}}}",
            "{\"lifecycle\":[1,2]}",
            "{\"lifecycle\":\"split\"}",
            "{}",
            "{\"lifecycle\":{\"splitAboveVectors\":5},\"partitioning\":{\"retentionDays\":3}}"})
    void should_refuse_a_bad_policy_with_a_problem_and_change_nothing(String body) {
        String name = createCollection("badpolicy", 2, "L2");
        asOperator().body("{\"lifecycle\":{\"splitAboveVectors\":777}}").patch("/v1/admin/collections/" + name).then().statusCode(200);

        asOperator().body(body).patch("/v1/admin/collections/" + name).then().statusCode(400)
                .contentType("application/problem+json").body("code", equalTo("VALIDATION_FAILED"));

        asOperator().get("/v1/admin/collections/" + name).then().statusCode(200)
                .body("lifecycle.splitAboveVectors", equalTo(777)).body("lifecycle.restoreOnAccess", equalTo(false));
    }

    @Test
    void should_answer_404_for_an_unknown_collection() {
        asOperator().body("{\"lifecycle\":{\"restoreOnAccess\":true}}").patch("/v1/admin/collections/no_such_collection")
                .then().statusCode(404).body("code", equalTo("NOT_FOUND"));
    }
}
