package dev.partitiongateway.bench;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.RequestBuilder;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;

/**
 * Closed-loop load for the benchmarks: clients that each send their next request when the last one is
 * answered, phases of a fixed length, and rounds that alternate the sides being compared so that both
 * see the same (noisy, shared) machine.
 */
final class ClosedLoop {

    private ClosedLoop() {
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    /**
     * One timed phase: the latency of every request done, sorted, and the phase's wall time; the CPU time
     * of the calling (client) threads and of the whole JVM during the phase, the time the JIT spent
     * compiling meanwhile, and the heap allocated by the calling threads and by the JVM's other threads
     * (those that lived through the phase or were started in it: a thread that ended during the phase
     * takes its share with it, so the second figure is a lower bound).
     */
    record Phase(long[] sortedNanos, long wallNanos, long clientCpuNanos, long processCpuNanos, long compileMillis,
                 long clientAllocatedBytes, long restAllocatedBytes) {
        double perSecond() {
            return sortedNanos.length / (wallNanos / 1e9);
        }

        /** CPU of the threads that make the calls (for the gateway: the HTTP client), per call. */
        double clientCpuMicros() {
            return clientCpuNanos / 1e3 / Math.max(1, sortedNanos.length);
        }

        /** CPU of every other thread of the JVM (for the gateway: the server), per call. */
        double restCpuMicros() {
            return (processCpuNanos - clientCpuNanos) / 1e3 / Math.max(1, sortedNanos.length);
        }

        /** Heap allocated by the threads that make the calls, per call (KB). */
        double clientAllocatedKb() {
            return clientAllocatedBytes / 1024.0 / Math.max(1, sortedNanos.length);
        }

        /** Heap allocated by the JVM's other threads (for the gateway: the server), per call (KB). */
        double restAllocatedKb() {
            return restAllocatedBytes / 1024.0 / Math.max(1, sortedNanos.length);
        }

        /** The JIT's compile time as a share of the phase's wall time. */
        double compileShare() {
            return compileMillis * 1e6 / wallNanos;
        }

        double p50() {
            return Measurements.percentileMs(sortedNanos, 50);
        }

        double p99() {
            return Measurements.percentileMs(sortedNanos, 99);
        }
    }

    /** The {@code n}th request of client {@code client}. */
    @FunctionalInterface
    interface Call {
        void run(int client, int n) throws Exception;
    }

    /** {@code clients} threads call in a loop for {@code millis}, or {@code requests} calls each when that is not negative. */
    static Phase run(int clients, long millis, int requests, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<long[]>> futures = new ArrayList<>();
        AtomicLong clientCpu = new AtomicLong();
        AtomicLong clientAllocated = new AtomicLong();
        Set<Long> clientThreads = ConcurrentHashMap.newKeySet();
        CountDownLatch ready = new CountDownLatch(clients);
        long[] deadline = new long[1];
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                clientThreads.add(Thread.currentThread().getId());
                ready.countDown();
                start.await();
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                long allocated0 = THREADS.getCurrentThreadAllocatedBytes();
                long[] samples = new long[1024];
                int n = 0;
                while (requests < 0 ? System.nanoTime() < deadline[0] : n < requests) {
                    long t0 = System.nanoTime();
                    call.run(client, n);
                    if (n == samples.length) {
                        samples = Arrays.copyOf(samples, n * 2);
                    }
                    samples[n++] = System.nanoTime() - t0;
                }
                clientCpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu0);
                clientAllocated.addAndGet(THREADS.getCurrentThreadAllocatedBytes() - allocated0);
                return Arrays.copyOf(samples, n);
            }));
        }
        ready.await();
        Map<Long, Long> allocated0 = allocatedByThread(clientThreads);
        long process0 = OS.getProcessCpuTime();
        long compile0 = JIT.getTotalCompilationTime();
        long t0 = System.nanoTime();
        deadline[0] = t0 + millis * 1_000_000;
        start.countDown();
        List<long[]> all = new ArrayList<>();
        try {
            for (Future<long[]> f : futures) {
                all.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        long wall = System.nanoTime() - t0;
        long process = OS.getProcessCpuTime() - process0;
        long compile = JIT.getTotalCompilationTime() - compile0;
        long restAllocated = 0;
        for (Map.Entry<Long, Long> after : allocatedByThread(clientThreads).entrySet()) {
            restAllocated += after.getValue() - allocated0.getOrDefault(after.getKey(), 0L);
        }
        return new Phase(all.stream().flatMapToLong(Arrays::stream).sorted().toArray(), wall, clientCpu.get(), process, compile,
                clientAllocated.get(), restAllocated);
    }

    /** The heap each live thread but {@code except} has allocated so far, by thread id. */
    private static Map<Long, Long> allocatedByThread(Set<Long> except) {
        long[] ids = THREADS.getAllThreadIds();
        long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        Map<Long, Long> allocated = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0 && !except.contains(ids[i])) {
                allocated.put(ids[i], bytes[i]);
            }
        }
        return allocated;
    }

    /** {@code rounds} rounds of one phase per call, in an order that rotates from round to round; the phases of each call. */
    static List<List<Phase>> alternate(int rounds, int clients, long millis, Call... calls) throws Exception {
        List<List<Phase>> phases = new ArrayList<>();
        for (int i = 0; i < calls.length; i++) {
            phases.add(new ArrayList<>());
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < calls.length; i++) {
                int which = (round + i) % calls.length;
                phases.get(which).add(run(clients, millis, -1, calls[which]));
            }
        }
        return phases;
    }

    /** What a warm-up did: its rounds, its wall time, and the JIT's share of its last round. */
    record Warmup(int rounds, long millis, double lastCompileShare) {
        boolean settled() {
            return lastCompileShare <= SETTLED_COMPILE_SHARE;
        }
    }

    /** A round's JIT compile time, as a share of its wall time, at or under which the code it runs counts as compiled. */
    static final double SETTLED_COMPILE_SHARE = 0.05;

    /**
     * Untimed rounds of every phase until the JIT has compiled what they run: until a round's compile time
     * is at most {@link #SETTLED_COMPILE_SHARE} of its wall time, or {@code maxMillis} have passed. The
     * code a gateway runs per request is far larger than an in-process call's, and on two busy cores the
     * JIT took 30 s and more to compile it: a phase measured before that times the gateway's interpreted
     * and C1 code, and the JIT's own CPU, which a gateway that has served for a minute no longer pays.
     */
    static Warmup warmUp(long maxMillis, java.util.concurrent.Callable<?>... phases) throws Exception {
        long t0 = System.nanoTime();
        int rounds = 0;
        double share;
        do {
            long compile0 = JIT.getTotalCompilationTime();
            long round0 = System.nanoTime();
            for (java.util.concurrent.Callable<?> phase : phases) {
                phase.call();
            }
            rounds++;
            share = (JIT.getTotalCompilationTime() - compile0) * 1e6 / (System.nanoTime() - round0);
        } while (share > SETTLED_COMPILE_SHARE && System.nanoTime() - t0 < maxMillis * 1_000_000);
        return new Warmup(rounds, (System.nanoTime() - t0) / 1_000_000, share);
    }

    static double median(List<Phase> phases, ToDoubleFunction<Phase> figure) {
        double[] values = phases.stream().mapToDouble(figure).sorted().toArray();
        return values[values.length / 2];
    }

    /**
     * A minimal HTTP/1.1 keep-alive client for load, as wrk or h2load are: one connection per client of
     * a closed loop (a client's calls are one after the other); the request written with one write
     * (encoded by {@link #encode} before the phase, so that the phase does not time its encoding); the
     * answer read through an 8 KB buffer up to its Content-Length (or its last chunk), its status checked.
     * It exists because the load generator shares the machine's two cores with the gateway, which real
     * clients do not: Apache HttpClient cost 30-39 us of CPU per search (request and URI objects, the
     * connection pool's lease and release, header parsing, decoding the answer to a String) against
     * 21-23 us for this one, of a search that costs the in-process side about 330 us.
     */
    static final class LeanHttp implements Closeable {
        private final String host;
        private final int port;
        private final String authority;
        private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();

        LeanHttp(String base) {
            URI uri = URI.create(base);
            this.host = uri.getHost();
            this.port = uri.getPort();
            this.authority = host + ":" + port;
        }

        /** The bytes of a request with a JSON body ({@code body} may be {@code null}). */
        byte[] encode(String method, String path, String key, String body) {
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: " + authority + "\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
            byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
            byte[] request = Arrays.copyOf(headBytes, headBytes.length + content.length);
            System.arraycopy(content, 0, request, headBytes.length, content.length);
            return request;
        }

        /**
         * Sends an encoded request on the connection of {@code client}, which must not be used by two
         * threads at once; another status than {@code expected} is an error. Returns the answer's body.
         */
        byte[] exchange(int client, byte[] request, int expected) throws IOException {
            Connection c = connections.get(client);
            if (c == null || c.socket.isClosed()) {
                c = new Connection(new java.net.Socket(host, port));
                connections.put(client, c);
            }
            try {
                c.out.write(request);
                c.out.flush();
                return c.readAnswer(expected);
            } catch (IOException | RuntimeException e) {
                c.close();
                connections.remove(client, c);
                throw e;
            }
        }

        @Override
        public void close() {
            connections.values().forEach(Connection::close);
            connections.clear();
        }

        private static final class Connection {
            final java.net.Socket socket;
            final java.io.OutputStream out;
            final java.io.InputStream in;

            Connection(java.net.Socket socket) throws IOException {
                this.socket = socket;
                socket.setTcpNoDelay(true);
                this.out = socket.getOutputStream();
                this.in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
            }

            byte[] readAnswer(int expected) throws IOException {
                String status = line();
                int code = Integer.parseInt(status.substring(9, 12));
                long length = -1;
                boolean chunked = false;
                boolean close = false;
                for (String header = line(); !header.isEmpty(); header = line()) {
                    int colon = header.indexOf(':');
                    String name = header.substring(0, colon).trim();
                    String value = header.substring(colon + 1).trim();
                    if (name.equalsIgnoreCase("Content-Length")) {
                        length = Long.parseLong(value);
                    } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                        chunked = value.equalsIgnoreCase("chunked");
                    } else if (name.equalsIgnoreCase("Connection")) {
                        close = value.equalsIgnoreCase("close");
                    }
                }
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                if (chunked) {
                    for (long size = chunkSize(); size > 0; size = chunkSize()) {
                        copy(size, body);
                        line();
                    }
                    while (!line().isEmpty()) {
                        // trailers
                    }
                } else if (length >= 0) {
                    copy(length, body);
                } else {
                    throw new IOException("an answer without Content-Length or chunks: " + status);
                }
                if (close) {
                    close();
                }
                if (code != expected) {
                    throw new IllegalStateException("answered " + code + ": " + body.toString(StandardCharsets.UTF_8));
                }
                return body.toByteArray();
            }

            private long chunkSize() throws IOException {
                return Long.parseLong(line().split(";")[0].trim(), 16);
            }

            private void copy(long n, java.io.ByteArrayOutputStream to) throws IOException {
                byte[] buffer = new byte[(int) Math.min(n, 8192)];
                for (long left = n; left > 0; ) {
                    int read = in.read(buffer, 0, (int) Math.min(left, buffer.length));
                    if (read < 0) {
                        throw new java.io.EOFException("the connection closed " + left + " bytes before the end of the answer");
                    }
                    to.write(buffer, 0, read);
                    left -= read;
                }
            }

            private String line() throws IOException {
                StringBuilder line = new StringBuilder();
                for (int b = in.read(); b != '\n'; b = in.read()) {
                    if (b < 0) {
                        throw new java.io.EOFException("the connection closed inside an answer's head");
                    }
                    if (b != '\r') {
                        line.append((char) b);
                    }
                }
                return line.toString();
            }

            void close() {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /**
     * A blocking keep-alive HTTP client: the calling thread writes the request and reads the answer
     * itself. The JDK's {@code java.net.http} client hands each exchange between its selector thread and
     * an executor, which cost about 1 ms per request here (3.2 ms seen by the client against 2.0 ms of
     * server time), and that is the client's cost, not the gateway's.
     */
    static final class Http implements Closeable {
        private final String base;
        private final CloseableHttpClient client;

        Http(String base) {
            this.base = base.replaceAll("/$", "");
            PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
            pool.setMaxTotal(64);
            pool.setDefaultMaxPerRoute(64);
            this.client = HttpClients.custom().setConnectionManager(pool)
                    .disableAutomaticRetries().disableCookieManagement().disableRedirectHandling().build();
        }

        /** Sends a JSON body; anything but 200 is an error. */
        void send(String method, String path, String key, String body) throws IOException {
            exchange(method, path, key, body, 200);
        }

        /** Sends a request ({@code body} may be {@code null}) and returns the answer's body; another status than {@code expected} is an error. */
        String exchange(String method, String path, String key, String body, int expected) throws IOException {
            RequestBuilder request = RequestBuilder.create(method).setUri(URI.create(base + path)).setHeader("Authorization", "Bearer " + key);
            if (body != null) {
                request.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
            }
            try (CloseableHttpResponse response = client.execute(request.build())) {
                String answer = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                if (response.getStatusLine().getStatusCode() != expected) {
                    throw new IllegalStateException(method + " " + path + " answered " + response.getStatusLine().getStatusCode() + ": " + answer);
                }
                return answer;
            }
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }
}
