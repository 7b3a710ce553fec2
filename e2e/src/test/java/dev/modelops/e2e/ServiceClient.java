package dev.modelops.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of a model server's Service, run by {@link KubeNode#inNodeNetwork} inside the node's
 * network namespace, where the Service's ClusterIP (kube-proxy's rules) is reachable. Prints JSON
 * on stdout.
 *
 * <pre>
 *   predict URL RECORDS.json                 POST /v1/predict in requests of 100; prints the answers
 *   load URL RECORDS.json STOP-FILE SECONDS  POST one record after another until STOP-FILE exists
 *                                            (at most SECONDS); prints requests, failures, latencies
 *                                            and refused connections
 * </pre>
 *
 * <p>The load client does what common HTTP clients and meshes do with a refused connection: it
 * tries again (for up to 5 s, 50 ms apart), since the request was never sent. Refused
 * connections are counted apart ("refusedConnections"); a request counts as failed only if it got
 * no answer after being sent, or an answer other than 200, or was refused every time.
 *
 * <pre>
 * </pre>
 */
public final class ServiceClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServiceClient() {}

  public static void main(String[] args) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    JsonNode records = JSON.readTree(Path.of(args[2]).toFile());
    URI predict = URI.create(args[1] + "/v1/predict");
    switch (args[0]) {
      case "predict" -> {
        ArrayNode answers = JSON.createArrayNode();
        for (int i = 0; i < records.size(); i += 100) {
          ArrayNode chunk = JSON.createArrayNode();
          for (int j = i; j < Math.min(i + 100, records.size()); j++) {
            chunk.add(records.get(j));
          }
          HttpResponse<String> r = sendRetryingRefused(http, post(predict, chunk));
          if (r.statusCode() != 200) {
            System.err.println("POST " + predict + " answered " + r.statusCode() + ": " + r.body());
            System.exit(1);
          }
          JSON.readTree(r.body()).forEach(answers::add);
        }
        System.out.println(JSON.writeValueAsString(answers));
      }
      case "load" -> load(http, predict, records, Path.of(args[3]), Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0] + "; use predict or load");
    }
  }

  /**
   * Sends, trying a refused connection again (the request was never sent) for up to 5 s: a
   * Service's first endpoints reach kube-proxy a moment after the Service itself.
   */
  private static HttpResponse<String> sendRetryingRefused(HttpClient http, HttpRequest request) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (java.net.ConnectException e) {
        if (attempt >= 100) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private static HttpRequest post(URI uri, JsonNode body) throws Exception {
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
  }

  private static void load(HttpClient http, URI predict, JsonNode records, Path stop, long seconds) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    List<Long> micros = new ArrayList<>();
    Map<String, Integer> failures = new LinkedHashMap<>();
    int failed = 0;
    int refused = 0;
    long started = System.nanoTime();
    for (int i = 0; !Files.exists(stop) && System.nanoTime() < end; i++) {
      ArrayNode one = JSON.createArrayNode().add(records.get(i % records.size()));
      long t0 = System.nanoTime();
      for (int attempt = 1; ; attempt++) {
        try {
          HttpResponse<String> r = http.send(post(predict, one), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 200) {
            failed++;
            failures.merge("HTTP " + r.statusCode(), 1, Integer::sum);
          }
        } catch (java.net.ConnectException e) {
          refused++;
          if (attempt < 100) {
            Thread.sleep(50);
            continue;
          }
          failed++;
          failures.merge("refused for 5 s: " + e.getMessage(), 1, Integer::sum);
        } catch (java.io.IOException e) {
          failed++;
          failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
        }
        break;
      }
      micros.add((System.nanoTime() - t0) / 1000);
    }
    long[] sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("requests", sorted.length);
    out.put("failures", failed);
    out.put("failureKinds", failures);
    out.put("refusedConnections", refused);
    out.put("seconds", (System.nanoTime() - started) / 1e9);
    out.put("p50Millis", percentile(sorted, 0.50) / 1000.0);
    out.put("p99Millis", percentile(sorted, 0.99) / 1000.0);
    out.put("maxMillis", sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000.0);
    System.out.println(JSON.writeValueAsString(out));
  }

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
