package dev.partitiongateway.api;

import static dev.partitiongateway.support.TestApi.asOperator;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.partitiongateway.support.CapturedLogs;
import dev.partitiongateway.support.EmbeddedPostgresResource;
import dev.partitiongateway.support.RawHttp;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every response carries X-Request-Id: the caller's if sane, else a new one; every problem body carries the
 * same id, including problems made outside the REST layer; every line logged for the request carries it.
 */
@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class RequestIdTest {

    private static final String UUID_FORM = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @TestHTTPResource("/")
    URL gateway;

    @Test
    void should_echo_a_sane_request_id_and_generate_one_when_there_is_none() {
        String mine = "req-" + UUID.randomUUID() + ":1/ab+c=@x_y.z";
        assertThat(given().header(RequestIds.HEADER, mine).get("/q/health/live").header(RequestIds.HEADER)).isEqualTo(mine);
        assertThat(asOperator().header(RequestIds.HEADER, mine).get("/v1/admin/tenants").header(RequestIds.HEADER)).isEqualTo(mine);
        String first = asOperator().get("/v1/admin/tenants").header(RequestIds.HEADER);
        String second = asOperator().get("/v1/admin/tenants").header(RequestIds.HEADER);
        assertThat(first).matches(UUID_FORM);
        assertThat(second).matches(UUID_FORM).isNotEqualTo(first);
    }

    @Test
    void should_replace_a_hostile_request_id_with_a_new_one() throws Exception {
        List<String> hostile = List.of("x".repeat(129), "abc def", "abc\tdef", "<script>", "a;b", "", "a\"b", "id%0d%0aSet-Cookie:x");
        for (String id : hostile) {
            String answered = given().header(RequestIds.HEADER, id).get("/q/health/live").header(RequestIds.HEADER);
            assertThat(answered).as("for %s", id).matches(UUID_FORM);
        }
        assertThat(given().header(RequestIds.HEADER, "x".repeat(128)).get("/q/health/live").header(RequestIds.HEADER))
                .as("128 characters are fine").isEqualTo("x".repeat(128));
        // Non-ASCII bytes, written on the wire as they are (a well-behaved client refuses to): a new id.
        for (byte[] id : List.of("caf\u00e9".getBytes(StandardCharsets.UTF_8), "\u65e5\u672c".getBytes(StandardCharsets.UTF_8),
                "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1))) {
            String head = rawGet("/q/health/live", id);
            assertThat(head).startsWith("HTTP/1.1 200");
            assertThat(header(head, RequestIds.HEADER)).as("for bytes %s", new String(id, StandardCharsets.ISO_8859_1)).matches(UUID_FORM);
        }
        // Control characters in a header value are refused by the HTTP parser itself, before any handler of the
        // gateway runs (a bare 400 that closes the connection); the value is never echoed.
        for (byte[] id : List.of("ab\u0001cd".getBytes(StandardCharsets.ISO_8859_1), "ab\u007fcd".getBytes(StandardCharsets.ISO_8859_1),
                "ab\u0000cd".getBytes(StandardCharsets.ISO_8859_1))) {
            String head = rawGet("/q/health/live", id);
            assertThat(head).startsWith("HTTP/1.1 400").doesNotContain("ab");
        }
    }

    @Test
    void should_put_the_request_id_in_every_problem_body() throws Exception {
        String id = "problem-" + UUID.randomUUID();
        // Refused by authentication, by validation, by a service, by the router, by the method, by the media type.
        for (Response r : List.of(
                given().header(RequestIds.HEADER, id).get("/v1/admin/tenants"),
                asOperator().header(RequestIds.HEADER, id).queryParam("limit", 0).get("/v1/admin/tenants"),
                asOperator().header(RequestIds.HEADER, id).get("/v1/admin/tenants/nobody-here"),
                given().header(RequestIds.HEADER, id).get("/v1/nothing/here"),
                given().header(RequestIds.HEADER, id).get("/nowhere"),
                asOperator().header(RequestIds.HEADER, id).put("/v1/admin/tenants"),
                asOperator().header(RequestIds.HEADER, id).contentType("text/plain").body("x").post("/v1/admin/tenants"),
                asOperator().header(RequestIds.HEADER, id).body("{\"id\":").post("/v1/admin/tenants"))) {
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.header(RequestIds.HEADER)).isEqualTo(id);
            assertThat(r.<String>path("requestId")).as(r.asString()).isEqualTo(id);
        }
        // A body declared over the size limit is refused by the HTTP edge before the REST layer sees it.
        try (RawHttp raw = new RawHttp(gateway.getPort())) {
            String answer = new String(rawRequest("POST /v1/admin/tenants HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "X-Request-Id: " + id + "\r\nContent-Length: 999999999999\r\n\r\n"), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413");
            assertThat(header(answer, RequestIds.HEADER)).isEqualTo(id);
            assertThat(answer).contains("\"code\":\"PAYLOAD_TOO_LARGE\"").contains("\"requestId\":\"" + id + "\"");
        }
    }

    @Test
    void should_carry_the_request_id_in_an_internal_error_with_its_error_id_and_in_its_log_line() {
        String id = "boom-" + UUID.randomUUID();
        try (CapturedLogs logs = CapturedLogs.start(RequestIds.MDC_KEY)) {
            Response r = given().header(RequestIds.HEADER, id).get("/test/failures/exception");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.<String>path("requestId")).isEqualTo(id);
            String errorId = r.path("errorId");
            assertThat(logs.lines()).anySatisfy(line -> {
                assertThat(line.message()).contains(errorId);
                assertThat(line.mdcValue()).isEqualTo(id);
            });
        }
    }

    @Test
    void should_log_every_line_of_a_request_with_its_id_on_every_thread_and_no_other_id() throws Exception {
        String id = "logs-" + UUID.randomUUID();
        try (CapturedLogs logs = CapturedLogs.start(RequestIds.MDC_KEY)) {
            given().header(RequestIds.HEADER, id).get("/test/log-probe").then().statusCode(200);
            given().get("/test/log-probe").then().statusCode(200); // another request, another id
            List<CapturedLogs.Line> probe = logs.lines().stream().filter(l -> l.message().startsWith("log probe")).toList();
            assertThat(probe).hasSize(4);
            assertThat(probe.subList(0, 2)).allSatisfy(l -> assertThat(l.mdcValue()).isEqualTo(id));
            assertThat(probe.subList(0, 2)).extracting(CapturedLogs.Line::thread).doesNotHaveDuplicates();
            assertThat(probe.subList(2, 4)).allSatisfy(l -> assertThat(l.mdcValue()).matches(UUID_FORM));
        }
    }

    @Test
    void should_document_the_header_on_every_response_and_the_field_in_the_problem_schema() {
        Map<String, Object> doc = given().get("/q/openapi?format=json").then().statusCode(200).extract().as(Map.class);
        String text = given().get("/q/openapi?format=json").asString();
        assertThat(text).contains("\"X-Request-Id\"");
        assertThat(given().get("/q/openapi?format=json").<String>path("components.schemas.Problem.properties.requestId.type")).isEqualTo("string");
        assertThat(doc).containsKey("paths");
        Map<String, Object> okHeaders = given().get("/q/openapi?format=json")
                .path("paths.'/v1/collections/{collection}/search'.post.responses.'200'.headers");
        Map<String, Object> problemHeaders = given().get("/q/openapi?format=json")
                .path("paths.'/v1/collections/{collection}/search'.post.responses.'404'.headers");
        assertThat(okHeaders).containsKey(RequestIds.HEADER);
        assertThat(problemHeaders).containsKey(RequestIds.HEADER);
    }

    private String rawGet(String path, byte[] requestId) throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Request-Id: ").getBytes(StandardCharsets.US_ASCII));
        request.write(requestId);
        request.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return new String(rawRequest(request.toByteArray()), StandardCharsets.ISO_8859_1);
    }

    private byte[] rawRequest(String request) throws Exception {
        return rawRequest(request.getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends bytes as they are and reads the answer until the connection closes (or 64 KB). */
    private byte[] rawRequest(byte[] request) throws Exception {
        try (Socket socket = new Socket("localhost", gateway.getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n = in.read(buffer); n > 0 && answer.size() < 65536; n = in.read(buffer)) {
                    answer.write(buffer, 0, n);
                    if (answer.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n") && complete(answer.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // return what arrived
            }
            return answer.toByteArray();
        }
    }

    private static boolean complete(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        String length = header(answer.substring(0, end + 2), "Content-Length");
        return length != null && answer.length() - end - 4 >= Integer.parseInt(length.trim());
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }
}
