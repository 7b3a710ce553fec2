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
 *   load URL RECORDS.json STOP-FILE SECONDS [LABELS.json]
 *                                            POST one record after another until STOP-FILE exists
 *                                            (at most SECONDS); prints requests, failures, latencies
 *                                            and refused connections; with LABELS.json (the true
 *                                            label of each record, 0 or 1, in the same order) it
 *                                            also sends each answer's label as feedback
 * </pre>
 *
 * <p>The load client does what common HTTP clients and meshes do with a refused connection: it
 * tries again (for up to 5 s, 50 ms apart), since the request was never sent. Refused
 * connections are counted apart ("refusedConnections"); a request counts as failed only if it got
 * no answer after being sent, or an answer other than 200, or was refused every time.
 *
 * <p>Feedback ({@link Feedback}) is sent a second after the answer, in batches, so a Production
 * server that mirrors the rows to a candidate has the candidate's answer to join it to. A label
 * joins on the server that answered; through a Service of several replicas a batch may reach
 * another one, which answers the ids as unknown: those are sent again on new connections (kube-proxy
 * picks a Pod per connection), a few times. Feedback that fails is reported apart and never counts
 * as a failed request.
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
      case "load" -> load(http, predict, records, Path.of(args[3]), Long.parseLong(args[4]),
          args.length > 5 ? new Feedback(http, URI.create(args[1] + "/v1/feedback"), JSON.readTree(Path.of(args[5]).toFile())) : null);
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

  private static void load(HttpClient http, URI predict, JsonNode records, Path stop, long seconds, Feedback feedback) throws Exception {
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
          } else if (feedback != null) {
            feedback.answered(JSON.readTree(r.body()).path(0).path("id").asText(null), i % records.size());
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
      if (feedback != null) {
        feedback.sendDue(false);
      }
    }
    if (feedback != null) {
      feedback.sendDue(true);
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
    if (feedback != null) {
      out.put("labels", feedback.counts());
    }
    System.out.println(JSON.writeValueAsString(out));
  }

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  /**
   * The true labels of the load client's answers, sent as feedback ({@code POST /v1/feedback}
   * with {@code [{"id","label"}]}) once they are a second old, at most every half second. Ids a
   * server answers as unknown (another replica answered them) are sent again on a new connection,
   * up to {@link #TRIES} times in all; those still unknown then are counted as never accepted.
   */
  static final class Feedback {
    static final int TRIES = 8;
    private static final long DELAY = Duration.ofSeconds(1).toNanos();
    private static final long EVERY = Duration.ofMillis(500).toNanos();
    private final HttpClient http;
    private final URI uri;
    private final JsonNode labels;
    private final java.util.ArrayDeque<Label> pending = new java.util.ArrayDeque<>();
    private final Map<String, Integer> failureKinds = new LinkedHashMap<>();
    private long lastSent = System.nanoTime();
    private long answersWithoutId;
    private long sent;
    private long accepted;
    private long acceptedOnAnotherTry;
    private long neverAccepted;
    private long failed;
    private long posts;

    /** An answer's label, due for sending {@link #DELAY} after {@code answeredAt}. */
    private record Label(long answeredAt, String id, int label) {}

    Feedback(HttpClient http, URI uri, JsonNode labels) {
      this.http = http;
      this.uri = uri;
      this.labels = labels;
    }

    /** An answer's id and the index of its record (and label). */
    void answered(String id, int record) {
      if (id == null) {
        answersWithoutId++;
        return;
      }
      pending.add(new Label(System.nanoTime(), id, labels.get(record).asInt()));
    }

    /** Sends the labels that are due (all of them when {@code all}, after waiting out their delay). */
    void sendDue(boolean all) throws Exception {
      long now = System.nanoTime();
      if (all) {
        Thread.sleep(DELAY / 1_000_000);
        now = System.nanoTime();
      } else if (now - lastSent < EVERY) {
        return;
      }
      lastSent = now;
      ArrayNode batch = JSON.createArrayNode();
      while (!pending.isEmpty() && (all || now - pending.peek().answeredAt() >= DELAY)) {
        Label l = pending.poll();
        batch.addObject().put("id", l.id()).put("label", l.label());
      }
      if (!batch.isEmpty()) {
        sent += batch.size();
        send(batch);
      }
    }

    private void send(ArrayNode batch) throws Exception {
      ArrayNode left = batch;
      for (int attempt = 1; attempt <= TRIES && !left.isEmpty(); attempt++) {
        // the first try on the load's own connection (the server that answered, most of the
        // time), each further one on a new connection: kube-proxy picks a Pod for it
        HttpClient client = attempt == 1 ? http : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        JsonNode answer;
        try {
          posts++;
          HttpResponse<String> r = sendRetryingRefused(client, post(uri, left));
          if (r.statusCode() != 200) {
            failure("HTTP " + r.statusCode(), left.size());
            return;
          }
          answer = JSON.readTree(r.body());
        } catch (java.io.IOException e) {
          failure(e.getClass().getSimpleName() + ": " + e.getMessage(), left.size());
          return;
        }
        long joined = answer.path("accepted").asLong();
        accepted += joined;
        if (attempt > 1) {
          acceptedOnAnotherTry += joined;
        }
        java.util.Set<String> unknown = new java.util.HashSet<>();
        answer.path("unknown").forEach(id -> unknown.add(id.asText()));
        ArrayNode again = JSON.createArrayNode();
        left.forEach(item -> {
          if (unknown.contains(item.path("id").asText())) {
            again.add(item);
          }
        });
        left = again;
      }
      neverAccepted += left.size();
    }

    private void failure(String kind, int labelsLost) {
      failed += labelsLost;
      failureKinds.merge(kind, 1, Integer::sum);
    }

    Map<String, Object> counts() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("sent", sent);
      out.put("accepted", accepted);
      out.put("acceptedOnAnotherTry", acceptedOnAnotherTry);
      out.put("neverAccepted", neverAccepted);
      out.put("failed", failed);
      out.put("failureKinds", failureKinds);
      out.put("posts", posts);
      out.put("answersWithoutId", answersWithoutId);
      return out;
    }
  }
}
