package dev.partitiongateway.auth;

import static dev.partitiongateway.support.TestApi.as;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.issueKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class SecretStorageTest {

    @Inject
    AgroalDataSource dataSource;
    @Inject
    OperatorKeys operatorKeys;

    @Test
    void should_store_only_the_hash_of_a_key_and_never_log_the_secret() throws Exception {
        List<String> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        String key;
        try {
            String tenant = createTenant("hashonly");
            key = issueKey(tenant, "read");
            as(key).get("/v1/tenant").then().statusCode(200);
            as(key + "x").get("/v1/tenant").then().statusCode(401);
        } finally {
            root.removeHandler(capture);
        }
        String secret = key.substring("pgw_".length() + 12 + 1); // the secret itself may contain '_'
        assertThat(secret).hasSize(43);
        assertThat(logged).noneMatch(line -> line.contains(secret));
        assertThat(everyValueIn("api_keys")).noneMatch(v -> v.contains(secret) || v.contains(key));
        assertThat(everyValueIn("api_keys")).anyMatch(v -> v.equals(key.substring(4, 16))); // the public prefix is kept
    }

    @Test
    void should_generate_an_operator_key_only_once_keep_only_its_hash_and_ignore_it_while_one_is_configured() throws Exception {
        String generated = operatorKeys.ensureGenerated().orElseThrow();
        assertThat(KeyMaterial.prefixOf(generated)).isPresent();
        assertThat(operatorKeys.ensureGenerated()).isEmpty();
        String secret = generated.substring("pgw_".length() + 12 + 1);
        assertThat(everyValueIn("api_keys")).noneMatch(v -> v.contains(secret));

        // The test profile configures gateway.admin.key, which replaces any generated key.
        as(generated).get("/v1/admin/tenants").then().statusCode(401);
        as(dev.partitiongateway.support.TestApi.OPERATOR_KEY).get("/v1/admin/tenants").then().statusCode(200);
    }

    /** Every column of every row, as text (bytea as hex and as UTF-8). */
    private List<String> everyValueIn(String table) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    if (v instanceof byte[] bytes) {
                        values.add(java.util.HexFormat.of().formatHex(bytes));
                        values.add(new String(bytes, StandardCharsets.UTF_8));
                    } else if (v != null) {
                        values.add(v.toString());
                    }
                }
            }
        }
        return values;
    }
}
