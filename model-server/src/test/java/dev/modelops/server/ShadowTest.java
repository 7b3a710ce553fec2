package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.Scorer;
import dev.modelops.trainer.TrainerMain;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow rollouts over real HTTP: a Production server mirrors its prediction requests to a
 * candidate server that serves a different model trained by the real trainer, and to candidates
 * that hang or are down. The caller's answers are Production's alone, whatever the candidate
 * does; what the candidate did is only counted. (A hung candidate would hang the callers if they
 * waited for it: the class timeout turns that into a failure.)
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ShadowTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir static Path tmp;
  static List<Map<String, Object>> rows;
  static Path productionPath;
  static ModelBundle productionBundle;
  static ModelBundle candidateBundle;
  static final List<EmbeddedServer> servers = new ArrayList<>();
  static String candidate;
  static String production;
  /** A candidate that takes requests and answers none until the tests end. */
  static HttpServer hung;
  static final CountDownLatch release = new CountDownLatch(1);
  static final Map<String, AtomicInteger> hungReceived = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    productionPath = ServerApiTest.trainChurn(tmp);
    Path candidatePath = tmp.resolve("stumps");
    // The candidate: the same data and features, shallower trees learnt faster, so some classes differ.
    assertThat(TrainerMain.run(new String[] {"--experiment", "../examples/churn/experiment.yaml", "--param", "max_depth=2", "--param", "eta=0.3", "--output", candidatePath.toString()},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()), Path.of("../examples").toAbsolutePath().normalize())).isZero();
    productionBundle = ModelBundle.read(productionPath);
    candidateBundle = ModelBundle.read(candidatePath);
    rows = ServerApiTest.churnRecords(productionBundle);

    candidate = base(serve(candidatePath, Map.of("model.shadow.accept-ids", true)));
    production = base(serve(productionPath, Map.of("model.shadow.url", candidate)));

    hung = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hung.setExecutor(Executors.newCachedThreadPool());
    hung.createContext("/", exchange -> {
      hungReceived.computeIfAbsent(exchange.getRequestURI().getPath().split("/")[1], k -> new AtomicInteger()).incrementAndGet();
      try {
        release.await(2, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    hung.start();
  }

  @AfterAll
  static void stop() {
    release.countDown();
    if (hung != null) {
      hung.stop(0);
    }
    servers.forEach(s -> s.getApplicationContext().close());
  }

  static EmbeddedServer serve(Path bundle, Map<String, Object> settings) {
    Map<String, Object> all = new HashMap<>(settings);
    all.put("micronaut.server.port", -1);
    all.put("model.bundle", bundle.toString());
    EmbeddedServer s = ApplicationContext.run(EmbeddedServer.class, all);
    servers.add(s);
    return s;
  }

  static String base(EmbeddedServer s) {
    return "http://127.0.0.1:" + s.getPort();
  }

  static HttpResponse<String> post(String url, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of one series in the server's Prometheus exposition: the metric and every given label; 0 when absent. */
  static double metric(String server, String name, String... labels) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create(server + "/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
    return body.lines().filter(l -> l.startsWith(name + "{")).filter(l -> {
      for (String label : labels) {
        if (!l.contains(label)) {
          return false;
        }
      }
      return true;
    }).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
  }

  /** Waits until a count reaches {@code expected} (mirrors settle after the caller's answer), then answers it. */
  static double awaitCount(String server, double expected, String name, String... labels) throws Exception {
    double v = metric(server, name, labels);
    for (int i = 0; i < 1500 && v < expected; i++) {
      Thread.sleep(20);
      v = metric(server, name, labels);
    }
    return v;
  }

  static JsonNode shadowReport(String server) throws Exception {
    return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(server + "/v1/shadow")).build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  /** The calls to the candidate a /v1/shadow report counts: the untimed first ones and the timed ones. */
  static long calls(JsonNode report) {
    long calls = report.path("latency").path("untimed").asLong();
    for (JsonNode n : report.path("latency").path("counts")) {
      calls += n.asLong();
    }
    return calls;
  }

  @Test
  void theCandidatesFirstCallsFindItColdAndAreNotTimed() throws Exception {
    String server = base(serve(productionPath, Map.of("model.shadow.url", candidate, "model.shadow.max-batch", 1)));
    for (Map<String, Object> record : rows.subList(300, 325)) {
      post(server + "/v1/predict", JSON.writeValueAsString(record));
    }
    assertThat(awaitCount(server, 25, "model_shadow_requests_total", "outcome=\"ok\"")).isEqualTo(25);
    JsonNode report = shadowReport(server);
    assertThat(report.path("latency").path("untimed").asLong()).isEqualTo(20);
    assertThat(calls(report)).isEqualTo(25);
    assertThat(metric(server, "model_shadow_latency_seconds_count")).isEqualTo(5);
    assertThat(report.path("rows").asLong()).as("the untimed calls are compared all the same").isEqualTo(25);
  }

  static double[] scores(ModelBundle bundle, List<Map<String, Object>> records) throws Exception {
    try (Scorer s = bundle.newScorer()) {
      double[] p = new double[records.size()];
      for (int i = 0; i < p.length; i++) {
        p[i] = s.score(records.get(i));
      }
      return p;
    }
  }

  static void assertAnswersAreProductions(JsonNode answer, Map<String, Object> record) throws Exception {
    double expected = scores(productionBundle, List.of(record))[0];
    assertThat(answer.path("probability").asDouble()).isEqualTo(expected);
    assertThat(answer.path("class").asInt()).isEqualTo(expected >= 0.5 ? 1 : 0);
  }

  static String v2Body(List<Map<String, Object>> records) throws Exception {
    List<Map<String, Object>> inputs = new ArrayList<>();
    for (String name : records.get(0).keySet()) {
      List<Object> data = new ArrayList<>();
      records.forEach(r -> data.add(r.get(name)));
      boolean text = records.get(0).get(name) instanceof String;
      inputs.add(Map.of("name", name, "shape", List.of(records.size()), "datatype", text ? "BYTES" : "FP64", "data", data));
    }
    return JSON.writeValueAsString(Map.of("inputs", inputs));
  }

  @Test
  void theCandidatesAnswersToTheSameRowsAreComparedWithProductionsUnderTheSameIds() throws Exception {
    List<Map<String, Object>> sent = rows.subList(0, 160);
    List<String> ids = new ArrayList<>();
    for (Map<String, Object> record : sent.subList(0, 100)) {
      JsonNode answer = JSON.readTree(post(production + "/v1/predict", JSON.writeValueAsString(record)).body());
      assertAnswersAreProductions(answer, record);
      ids.add(answer.path("id").asText());
    }
    JsonNode array = JSON.readTree(post(production + "/v1/predict", JSON.writeValueAsString(sent.subList(100, 150))).body());
    for (int i = 0; i < 50; i++) {
      assertAnswersAreProductions(array.get(i), sent.get(100 + i));
      ids.add(array.get(i).path("id").asText());
    }
    JsonNode v2 = JSON.readTree(post(production + "/v2/models/churn/infer", v2Body(sent.subList(150, 160))).body());
    for (int i = 0; i < 10; i++) {
      assertThat(v2.path("outputs").get(0).path("data").get(i).asDouble()).isEqualTo(scores(productionBundle, List.of(sent.get(150 + i)))[0]);
    }

    assertThat(awaitCount(production, 102, "model_shadow_requests_total", "outcome=\"ok\"")).as("mirrored requests answered").isEqualTo(102);
    double[] p = scores(productionBundle, sent);
    double[] c = scores(candidateBundle, sent);
    int differ = 0;
    long[][] bins = new long[2][ProfileBuilder.PREDICTION_CUTS.length + 1];
    for (int i = 0; i < p.length; i++) {
      differ += (p[i] >= 0.5) != (c[i] >= 0.5) ? 1 : 0;
      bins[0][ReferenceProfile.binOf(ProfileBuilder.PREDICTION_CUTS, p[i])]++;
      bins[1][ReferenceProfile.binOf(ProfileBuilder.PREDICTION_CUTS, c[i])]++;
    }
    assertThat(differ).as("the two models disagree on some of these rows").isPositive();
    assertThat(metric(production, "model_shadow_rows_total")).isEqualTo(160);
    assertThat(metric(production, "model_shadow_disagreements_total")).isEqualTo(differ);
    for (int b = 0; b < bins[0].length; b++) {
      String le = "le=\"" + (b < ProfileBuilder.PREDICTION_CUTS.length ? Double.toString(ProfileBuilder.PREDICTION_CUTS[b]) : "1.0") + "\"";
      assertThat(metric(production, "model_shadow_prediction_bin_total", "server=\"production\"", le)).as("production " + le).isEqualTo(bins[0][b]);
      assertThat(metric(production, "model_shadow_prediction_bin_total", "server=\"candidate\"", le)).as("candidate " + le).isEqualTo(bins[1][b]);
    }
    // One answer time per call to the candidate: the single records went in fewer calls than requests (coalesced).
    assertThat(calls(shadowReport(production))).isBetween(3L, 101L);
    assertThat(metric(production, "model_shadow_requests_total", "outcome=\"dropped\"") + metric(production, "model_shadow_requests_total", "outcome=\"error\""))
        .isZero();

    // Labels sent to Production are joined to both servers' answers; the candidate knows the rows by Production's ids.
    List<Map<String, Object>> labels = new ArrayList<>();
    int productionRight = 0;
    int candidateRight = 0;
    for (int i = 0; i < 60; i++) {
      int label = i % 3 == 0 ? 1 : 0;
      labels.add(Map.of("id", ids.get(i), "label", label));
      productionRight += (p[i] >= 0.5 ? 1 : 0) == label ? 1 : 0;
      candidateRight += (c[i] >= 0.5 ? 1 : 0) == label ? 1 : 0;
    }
    assertThat(JSON.readTree(post(production + "/v1/feedback", JSON.writeValueAsString(labels)).body()).path("accepted").asInt()).isEqualTo(60);
    assertThat(metric(production, "model_shadow_feedback_total")).isEqualTo(60);
    assertThat(metric(production, "model_shadow_feedback_correct_total", "server=\"production\"")).isEqualTo(productionRight);
    assertThat(metric(production, "model_shadow_feedback_correct_total", "server=\"candidate\"")).isEqualTo(candidateRight);
    assertThat(productionRight).as("the two models are told apart by these labels").isNotEqualTo(candidateRight);
    JsonNode atCandidate = JSON.readTree(post(candidate + "/v1/feedback", JSON.writeValueAsString(labels)).body());
    assertThat(atCandidate.path("accepted").asInt()).as("the candidate answered under Production's ids").isEqualTo(60);
    assertThat(atCandidate.path("liveAccuracy").asDouble()).isEqualTo(candidateRight / 60.0);
  }

  @Test
  void aCanaryAnswersItsShareOfCallersUnderProductionsIdsAndTheStepIsReportedForTheOperator() throws Exception {
    String canary = base(serve(productionPath, Map.of("model.shadow.url", candidate, "model.shadow.mode", "canary", "model.shadow.share", 1.0,
        "model.shadow.step", "churn-v2/1/1")));
    List<Map<String, Object>> sent = rows.subList(200, 240);
    double[] c = scores(candidateBundle, sent);
    double[] p = scores(productionBundle, sent);
    JsonNode answers = JSON.readTree(post(canary + "/v1/predict", JSON.writeValueAsString(sent)).body());
    for (int i = 0; i < sent.size(); i++) {
      assertThat(answers.get(i).path("probability").asDouble()).as("the candidate's answer, row " + i).isEqualTo(c[i]);
    }
    JsonNode one = JSON.readTree(post(canary + "/v1/predict", JSON.writeValueAsString(sent.get(0))).body());
    assertThat(one.path("probability").asDouble()).isEqualTo(c[0]);
    // V2's unversioned infer too; a caller who names Production's version gets Production's answer.
    JsonNode v2 = JSON.readTree(post(canary + "/v2/models/churn/infer", v2Body(sent.subList(0, 5))).body());
    for (int i = 0; i < 5; i++) {
      assertThat(v2.path("outputs").get(0).path("data").get(i).asDouble()).as("the candidate's V2 answer, row " + i).isEqualTo(c[i]);
    }
    String productionVersion = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(canary + "/v2/models/churn")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).path("versions").get(0).asText();
    JsonNode pinned = JSON.readTree(post(canary + "/v2/models/churn/versions/" + productionVersion + "/infer", v2Body(sent.subList(0, 5))).body());
    for (int i = 0; i < 5; i++) {
      assertThat(pinned.path("outputs").get(0).path("data").get(i).asDouble()).as("Production's V2 answer, row " + i).isEqualTo(p[i]);
    }

    JsonNode report = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(canary + "/v1/shadow")).build(), HttpResponse.BodyHandlers.ofString()).body());
    assertThat(report.path("step").asText()).isEqualTo("churn-v2/1/1");
    assertThat(report.path("mode").asText()).isEqualTo("canary");
    assertThat(report.path("answered").asLong()).isEqualTo(3);
    assertThat(report.path("failed").asLong()).isZero();
    assertThat(report.path("rows").asLong()).isEqualTo(46);
    long differ = IntStream.range(0, sent.size()).filter(i -> (p[i] >= 0.5) != (c[i] >= 0.5)).count() + ((p[0] >= 0.5) != (c[0] >= 0.5) ? 1 : 0)
        + IntStream.range(0, 5).filter(i -> (p[i] >= 0.5) != (c[i] >= 0.5)).count();
    assertThat(report.path("disagreements").asLong()).isEqualTo(differ);
    long binned = 0;
    for (JsonNode n : report.path("bins").path("candidate")) {
      binned += n.asLong();
    }
    assertThat(binned).isEqualTo(46);
    assertThat(calls(report)).isEqualTo(3);
    assertThat(report.path("latency").path("bounds").size()).isEqualTo(report.path("latency").path("counts").size() - 1);
  }

  @Test
  void aCanaryWhoseCandidateIsDownAnswersEveryCallerItself() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String canary = base(serve(productionPath, Map.of("model.shadow.url", "http://127.0.0.1:" + closed, "model.shadow.mode", "canary")));
    for (Map<String, Object> record : rows.subList(0, 5)) {
      HttpResponse<String> r = post(canary + "/v1/predict", JSON.writeValueAsString(record));
      assertThat(r.statusCode()).isEqualTo(200);
      assertAnswersAreProductions(JSON.readTree(r.body()), record);
    }
    JsonNode report = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(canary + "/v1/shadow")).build(), HttpResponse.BodyHandlers.ofString()).body());
    assertThat(report.path("failed").asLong()).isEqualTo(5);
    assertThat(report.path("answered").asLong()).isZero();
  }

  @Test
  void onlyACandidateTakesIdsFromTheRequest() throws Exception {
    String given = "0123456789abcdef-41";
    JsonNode atProduction = JSON.readTree(post(production + "/v1/predict", JSON.writeValueAsString(rows.subList(0, 2)), "Modelops-Prediction-Id", given).body());
    assertThat(atProduction.get(0).path("id").asText()).isNotEqualTo(given);
    JsonNode atCandidate = JSON.readTree(post(candidate + "/v1/predict", JSON.writeValueAsString(rows.subList(0, 2)), "Modelops-Prediction-Id", given).body());
    assertThat(atCandidate.get(0).path("id").asText()).isEqualTo(given);
    assertThat(atCandidate.get(1).path("id").asText()).isEqualTo("0123456789abcdef-42");
    HttpResponse<String> bad = post(candidate + "/v1/predict", JSON.writeValueAsString(rows.get(0)), "Modelops-Prediction-Id", "../etc");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).path("field").asText()).isEqualTo("Modelops-Prediction-Id");
    // A coalesced call names each row's id; a number alone keeps the previous id's prefix.
    JsonNode listed = JSON.readTree(post(candidate + "/v1/predict", JSON.writeValueAsString(rows.subList(0, 3)), "Modelops-Prediction-Id",
        "0123456789abcdef-41,57,fedcba9876543210-3").body());
    assertThat(listed).extracting(a -> a.path("id").asText()).containsExactly("0123456789abcdef-41", "0123456789abcdef-57", "fedcba9876543210-3");
    HttpResponse<String> miscounted = post(candidate + "/v1/predict", JSON.writeValueAsString(rows.subList(0, 3)), "Modelops-Prediction-Id",
        "0123456789abcdef-41,57");
    assertThat(miscounted.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(miscounted.body()).path("error").asText()).contains("names 2 ids for 3 rows");
    assertThat(post(candidate + "/v1/predict", JSON.writeValueAsString(rows.subList(0, 2)), "Modelops-Prediction-Id", "57,0123456789abcdef-41")
        .statusCode()).as("a number with no prefix before it").isEqualTo(400);
  }

  @Test
  void singleRecordsAreMirroredTogetherInOneCallUnderTheirOwnIds() throws Exception {
    String server = base(serve(productionPath, Map.of("model.shadow.url", candidate, "model.shadow.linger", "1s")));
    List<Map<String, Object>> labels = new ArrayList<>();
    for (Map<String, Object> record : rows.subList(200, 220)) {
      JsonNode answer = JSON.readTree(post(server + "/v1/predict", JSON.writeValueAsString(record)).body());
      labels.add(Map.of("id", answer.path("id").asText(), "label", 1));
    }
    assertThat(awaitCount(server, 20, "model_shadow_requests_total", "outcome=\"ok\"")).isEqualTo(20);
    assertThat(metric(server, "model_shadow_rows_total")).isEqualTo(20);
    // Twenty requests within the linger: one call, two if the first call left before the last came.
    assertThat(calls(shadowReport(server))).isBetween(1L, 2L);
    JsonNode atCandidate = JSON.readTree(post(candidate + "/v1/feedback", JSON.writeValueAsString(labels)).body());
    assertThat(atCandidate.path("accepted").asInt()).as("the candidate answered each row under Production's id").isEqualTo(20);
    assertThat(JSON.readTree(post(server + "/v1/feedback", JSON.writeValueAsString(labels)).body()).path("accepted").asInt()).isEqualTo(20);
    assertThat(metric(server, "model_shadow_feedback_total")).isEqualTo(20);
  }

  @Test
  void aHungCandidateNeitherDelaysNorFailsCallersAndMirrorsPastTheBoundAreDropped() throws Exception {
    String server = base(serve(productionPath, Map.of("model.shadow.url", "http://127.0.0.1:" + hung.getAddress().getPort() + "/bounded/",
        "model.shadow.max-in-flight", 2, "model.shadow.queue", 3, "model.shadow.timeout", "1m", "model.shadow.max-batch", 1)));
    for (Map<String, Object> record : rows.subList(0, 10)) {
      HttpResponse<String> r = post(server + "/v1/predict", JSON.writeValueAsString(record));
      assertThat(r.statusCode()).isEqualTo(200);
      assertAnswersAreProductions(JSON.readTree(r.body()), record);
      if (record == rows.get(1)) {
        // The two senders are now held by the candidate.
        for (int i = 0; i < 1500 && hungReceived.getOrDefault("bounded", new AtomicInteger()).get() < 2; i++) {
          Thread.sleep(20);
        }
      }
    }
    // Two held by the candidate, one in the sender's hand waiting for a call to end, three in the
    // queue; the other four found no room and were dropped.
    assertThat(hungReceived.get("bounded").get()).isEqualTo(2);
    assertThat(metric(server, "model_shadow_requests_total", "outcome=\"dropped\"")).isEqualTo(4);
    assertThat(metric(server, "model_shadow_requests_total", "outcome=\"ok\"")).isZero();
  }

  @Test
  void aCandidateThatDoesNotAnswerInTimeIsCountedAsATimeout() throws Exception {
    String server = base(serve(productionPath,
        Map.of("model.shadow.url", "http://127.0.0.1:" + hung.getAddress().getPort() + "/slow", "model.shadow.timeout", "200ms")));
    for (Map<String, Object> record : rows.subList(0, 3)) {
      HttpResponse<String> r = post(server + "/v1/predict", JSON.writeValueAsString(record));
      assertThat(r.statusCode()).isEqualTo(200);
      assertAnswersAreProductions(JSON.readTree(r.body()), record);
    }
    assertThat(awaitCount(server, 3, "model_shadow_requests_total", "outcome=\"timeout\"")).isEqualTo(3);
    assertThat(hungReceived.get("slow").get()).as("calls (the records may have been coalesced)").isBetween(1, 3);
  }

  @Test
  void aCandidateThatIsDownIsCountedAsErrorsAndCallersAreAnswered() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String server = base(serve(productionPath, Map.of("model.shadow.url", "http://127.0.0.1:" + closed)));
    for (Map<String, Object> record : rows.subList(0, 3)) {
      HttpResponse<String> r = post(server + "/v1/predict", JSON.writeValueAsString(record));
      assertThat(r.statusCode()).isEqualTo(200);
      assertAnswersAreProductions(JSON.readTree(r.body()), record);
    }
    JsonNode v2 = JSON.readTree(post(server + "/v2/models/churn/infer", v2Body(rows.subList(0, 2))).body());
    assertThat(v2.path("outputs").get(0).path("data")).hasSize(2);
    assertThat(awaitCount(server, 4, "model_shadow_requests_total", "outcome=\"error\"")).isEqualTo(4);
  }

  @Test
  void badShadowSettingsStopTheServerNamingTheSettingAndWhatIsAllowed() {
    assertThatThrownBy(() -> serve(productionPath, Map.of("model.shadow.url", "http://c:8080", "model.shadow.share", 1.5)))
        .hasStackTraceContaining("model.shadow.share (MODEL_SHADOW_SHARE) is '1.5'; it must be a share of requests from 0 to 1");
    assertThatThrownBy(() -> serve(productionPath, Map.of("model.shadow.url", "ftp://c:8080")))
        .hasStackTraceContaining("model.shadow.url (MODEL_SHADOW_URL) is 'ftp://c:8080'; it must be the candidate server's base URL");
    assertThatThrownBy(() -> serve(productionPath, Map.of("model.shadow.url", "http://c:8080", "model.shadow.max-in-flight", 0)))
        .hasStackTraceContaining("model.shadow.max-in-flight (MODEL_SHADOW_MAX_IN_FLIGHT) is '0'");
    assertThatThrownBy(() -> serve(productionPath, Map.of("model.shadow.url", "http://c:8080", "model.shadow.max-batch", 0)))
        .hasStackTraceContaining("model.shadow.max-batch (MODEL_SHADOW_MAX_BATCH) is '0'; it must be a number of requests from 1 to 1000");
    assertThatThrownBy(() -> serve(productionPath, Map.of("model.shadow.url", "http://c:8080", "model.shadow.linger", "2s")))
        .hasStackTraceContaining("model.shadow.linger (MODEL_SHADOW_LINGER) is 'PT2S'; it must be a duration from 0 to 1s");
  }
}
