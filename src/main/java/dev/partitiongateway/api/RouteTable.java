package dev.partitiongateway.api;

import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's paths and the methods each accepts, read once from the resource classes, so that a request
 * for a path that exists with a method it does not accept is answered 405 with {@code Allow}, not 404.
 * RESTEasy picks the resource class by path before it looks at methods; where two classes share a
 * prefix ({@code /v1/collections} and {@code /v1/collections/{collection}}) it can pick the one without
 * the path and answer 404 for, say, {@code POST /v1/collections/docs/vectors}.
 */
final class RouteTable {

    private static final Pattern PARAMETER = Pattern.compile("\\{\\s*(\\w[\\w.-]*)\\s*(?::\\s*((?:[^{}]|\\{[^{}]*})+))?}");

    private record Route(Pattern path, String method) {
    }

    private static volatile List<Route> routes;

    private RouteTable() {
    }

    /** The methods the API accepts on this path (with HEAD and OPTIONS where JAX-RS adds them), or none. */
    static Set<String> allowed(String path) {
        Set<String> methods = new TreeSet<>();
        for (Route route : routes()) {
            if (route.path().matcher(path).matches()) {
                methods.add(route.method());
            }
        }
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        if (!methods.isEmpty()) {
            methods.add("OPTIONS");
        }
        return methods;
    }

    private static List<Route> routes() {
        List<Route> known = routes;
        if (known == null) {
            known = read();
            routes = known;
        }
        return known;
    }

    private static List<Route> read() {
        List<Route> found = new ArrayList<>();
        for (Bean<?> bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
            Class<?> type = bean.getBeanClass();
            Path root = type.getAnnotation(Path.class);
            if (root == null || !type.getPackageName().startsWith("dev.partitiongateway")) {
                continue;
            }
            for (Method method : type.getMethods()) {
                String verb = verb(method);
                if (verb != null) {
                    Path sub = method.getAnnotation(Path.class);
                    found.add(new Route(template(join(root.value(), sub == null ? "" : sub.value())), verb));
                }
            }
        }
        return List.copyOf(found);
    }

    private static String verb(Method method) {
        for (Annotation a : method.getAnnotations()) {
            HttpMethod http = a.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    private static String join(String root, String sub) {
        String path = "/" + root.replaceAll("^/+|/+$", "") + (sub.isBlank() ? "" : "/" + sub.replaceAll("^/+|/+$", ""));
        return path.equals("/") ? path : path.replaceAll("/+$", "");
    }

    /** A JAX-RS path template as a regular expression: {@code {name}} is one segment, {@code {name: regex}} its regex. */
    static Pattern template(String path) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PARAMETER.matcher(path);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(path.substring(last, m.start())));
            regex.append('(').append(m.group(2) == null ? "[^/]+" : m.group(2).trim()).append(')');
            last = m.end();
        }
        regex.append(Pattern.quote(path.substring(last))).append("/?");
        return Pattern.compile(regex.toString());
    }
}
