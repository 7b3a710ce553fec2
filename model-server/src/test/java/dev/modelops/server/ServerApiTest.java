package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.Scorer;
import dev.modelops.trainer.TrainerMain;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API as clients use it, over real HTTP, serving a bundle the real trainer made. */
class ServerApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path tmp;
  static Path bundle;
  static EmbeddedServer server;
  static String base;
  static List<Map<String, Object>> rows;

  /**
   * Trains the churn example with the real trainer and returns the bundle directory. The example
   * reads pvc://data/telco-churn.csv: with the pvc root examples/, claim "data" is examples/data.
   */
  static Path trainChurn(Path dir) {
    return train(dir.resolve("churn-bundle"), Path.of("../examples/churn/experiment.yaml"), "max_depth=4");
  }

  /** Trains an Experiment (its data under examples/) with the real trainer, with these searched hyperparameters (name=value), into {@code out}. */
  static Path train(Path out, Path experiment, String... params) {
    List<String> args = new ArrayList<>(List.of("--experiment", experiment.toString(), "--output", out.toString()));
    for (String p : params) {
      args.add("--param");
      args.add(p);
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainerMain.run(args.toArray(new String[0]), new PrintStream(new ByteArrayOutputStream()), new PrintStream(err),
        Path.of("../examples").toAbsolutePath().normalize());
    assertThat(code).as(err.toString()).isZero();
    return out;
  }

  /** The churn data as JSON-like records, the way clients send them. */
  static List<Map<String, Object>> churnRecords(ModelBundle b) throws Exception {
    return records(b, "telco-churn.csv");
  }

  /** A file of examples/data as JSON-like records of the bundle's features, the way clients send them. */
  static List<Map<String, Object>> records(ModelBundle b, String file) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    try (var reader = Files.newBufferedReader(Path.of("../examples/data/" + file))) {
      for (var rec : org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var f : b.features()) {
          m.put(f.name(), Scorer.fromCell(f, rec.get(f.name()).trim()));
        }
        out.add(m);
      }
    }
    return out;
  }

  @BeforeAll
  static void start() throws Exception {
    bundle = trainChurn(tmp);
    rows = churnRecords(ModelBundle.read(bundle));
    server = ApplicationContext.run(EmbeddedServer.class, Map.of(
        "micronaut.server.port", -1,
        "model.bundle", bundle.toString(),
        "model.version", 3,
        "model.inference-log", tmp.resolve("log").toString(),
        "model.drift-window", 1000,
        "model.max-batch-rows", 50,
        "model.max-json-bytes", 200_000));
    base = "http://127.0.0.1:" + server.getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.getApplicationContext().close();
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void healthAndServerMetadataFollowTheV2Protocol() throws Exception {
    assertThat(get("/v2/health/live").statusCode()).isEqualTo(200);
    assertThat(json(get("/v2/health/ready")).path("ready").asBoolean()).isTrue();
    assertThat(json(get("/v2")).path("name").asText()).isNotBlank();
    JsonNode meta = json(get("/v2/models/churn"));
    assertThat(meta.path("versions").get(0).asText()).isEqualTo("3");
    assertThat(meta.path("inputs")).hasSize(19);
    assertThat(meta.path("inputs").get(0).path("datatype").asText()).isEqualTo("FP64");
    assertThat(meta.path("outputs").get(0).path("name").asText()).isEqualTo("probability");
    assertThat(get("/v2/models/churn/ready").statusCode()).isEqualTo(200);
    assertThat(get("/v2/models/churn/versions/3/ready").statusCode()).isEqualTo(200);
    assertThat(get("/v2/models/churn/versions/3").statusCode()).isEqualTo(200);
  }

  @Test
  void v2InferScoresLikeTheBundleInFlatAndColumnShapes() throws Exception {
    List<Map<String, Object>> batch = rows.subList(0, 5);
    StringBuilder inputs = new StringBuilder();
    StringBuilder nested = new StringBuilder();
    for (String name : batch.get(0).keySet()) {
      boolean numeric = batch.get(0).get(name) instanceof Double || name.equals("total_charges");
      List<Object> data = new ArrayList<>();
      batch.forEach(r -> data.add(r.get(name)));
      String d = JSON.writeValueAsString(data);
      String dt = numeric ? "FP64" : "BYTES";
      inputs.append(inputs.isEmpty() ? "" : ",").append("{\"name\":\"%s\",\"shape\":[5],\"datatype\":\"%s\",\"data\":%s}".formatted(name, dt, d));
      List<List<Object>> col = new ArrayList<>();
      data.forEach(v -> { List<Object> one = new ArrayList<>(); one.add(v); col.add(one); });
      nested.append(nested.isEmpty() ? "" : ",").append("{\"name\":\"%s\",\"shape\":[5,1],\"datatype\":\"%s\",\"data\":%s}".formatted(name, dt, JSON.writeValueAsString(col)));
    }
    JsonNode flat = json(post("/v2/models/churn/infer", "application/json", "{\"id\":\"req-1\",\"inputs\":[" + inputs + "]}"));
    JsonNode col = json(post("/v2/models/churn/versions/3/infer", "application/json", "{\"inputs\":[" + nested + "]}"));
    assertThat(flat.path("id").asText()).isEqualTo("req-1");
    assertThat(flat.path("model_version").asText()).isEqualTo("3");
    try (Scorer s = ModelBundle.read(bundle).newScorer()) {
      for (int i = 0; i < 5; i++) {
        double expected = s.score(batch.get(i));
        assertThat(flat.path("outputs").get(0).path("data").get(i).asDouble()).isCloseTo(expected, within(1e-6));
        assertThat(col.path("outputs").get(0).path("data").get(i).asDouble()).isCloseTo(expected, within(1e-6));
        assertThat(flat.path("outputs").get(1).path("data").get(i).asInt()).isEqualTo(expected >= 0.5 ? 1 : 0);
      }
    }
  }

  @Test
  void predictAnswersOneRecordOrAnArrayWithClassProbabilityAndId() throws Exception {
    JsonNode one = json(post("/v1/predict", "application/json", JSON.writeValueAsString(rows.get(0))));
    assertThat(one.path("id").asText()).isNotBlank();
    assertThat(one.path("probability").asDouble()).isBetween(0.0, 1.0);
    assertThat(one.path("class").asInt()).isEqualTo(one.path("probability").asDouble() >= 0.5 ? 1 : 0);
    JsonNode many = json(post("/v1/predict", "application/json", JSON.writeValueAsString(rows.subList(0, 10))));
    assertThat(many).hasSize(10);
    assertThat(many.get(0).path("probability").asDouble()).isCloseTo(one.path("probability").asDouble(), within(1e-9));
    assertThat(many.get(0).path("id").asText()).isNotEqualTo(one.path("id").asText());
  }

  @Test
  void feedbackJoinsEarlierPredictionsIntoLiveAccuracy() throws Exception {
    JsonNode answers = json(post("/v1/predict", "application/json", JSON.writeValueAsString(rows.subList(100, 104))));
    List<Map<String, Object>> feedback = new ArrayList<>();
    for (JsonNode a : answers) {
      feedback.add(Map.of("id", a.path("id").asText(), "label", a.path("class").asInt()));
    }
    feedback.add(Map.of("id", "no-such-id", "label", "Yes"));
    JsonNode r = json(post("/v1/feedback", "application/json", JSON.writeValueAsString(feedback)));
    assertThat(r.path("accepted").asInt()).isEqualTo(4);
    assertThat(r.path("unknown").get(0).asText()).isEqualTo("no-such-id");
    assertThat(r.path("liveAccuracy").asDouble()).isGreaterThan(0.0);
    assertThat(post("/v1/feedback", "application/json", "{\"id\":\"x\"}").statusCode()).isEqualTo(400);
  }

  @Test
  void batchScoresCsvAndNdjsonStreams() throws Exception {
    String csv = Files.readAllLines(Path.of("../examples/data/telco-churn.csv")).subList(0, 201).stream().reduce("", (a, b) -> a + b + "\n");
    HttpResponse<String> r = post("/v1/predict/batch", "text/csv", csv);
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> lines = r.body().lines().toList();
    assertThat(lines.get(0)).isEqualTo("id,class,probability");
    assertThat(lines).hasSize(201);
    try (Scorer s = ModelBundle.read(bundle).newScorer()) {
      assertThat(Double.parseDouble(lines.get(1).split(",")[2])).isCloseTo(s.score(rows.get(0)), within(1e-6));
    }
    // Every row of the whole file (several chunks scored in parallel) answers in input order.
    HttpResponse<String> all = post("/v1/predict/batch", "text/csv", Files.readString(Path.of("../examples/data/telco-churn.csv")));
    List<String> answers = all.body().lines().toList();
    assertThat(answers).hasSize(rows.size() + 1);
    // Sent chunked, five times larger than model.max-json-bytes: a batch streams, no limit applies.
    byte[] file = Files.readAllBytes(Path.of("../examples/data/telco-churn.csv"));
    HttpResponse<String> chunked = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/predict/batch")).header("Content-Type", "text/csv")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(file))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.body().lines()).as(chunked.body().lines().findFirst().orElse("")).hasSize(rows.size() + 1);
    try (Scorer s = ModelBundle.read(bundle).newScorer()) {
      for (int i = 0; i < rows.size(); i++) {
        assertThat(Double.parseDouble(answers.get(i + 1).split(",")[2])).as("row %d", i + 1).isCloseTo(s.score(rows.get(i)), within(1e-6));
      }
    }
    StringBuilder nd = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      nd.append(JSON.writeValueAsString(rows.get(i))).append('\n');
    }
    HttpResponse<String> n = post("/v1/predict/batch", "application/x-ndjson", nd.toString());
    assertThat(n.statusCode()).isEqualTo(200);
    assertThat(n.body().lines().toList()).hasSize(30);
    assertThat(JSON.readTree(n.body().lines().findFirst().orElseThrow()).has("probability")).isTrue();
    try (Scorer s = ModelBundle.read(bundle).newScorer()) {
      List<String> nl = n.body().lines().toList();
      for (int i = 0; i < 30; i++) {
        assertThat(JSON.readTree(nl.get(i)).path("probability").asDouble()).as("line %d", i + 1).isCloseTo(s.score(rows.get(i)), within(1e-6));
      }
    }
  }

  @Test
  void ndjsonBatchesSkipBlankLinesIgnoreOtherKeysAndNameTheLineOfABadRecord() throws Exception {
    String r0 = JSON.writeValueAsString(rows.get(0));
    String extra = r0.replaceFirst("\\{", "{\"customer\":{\"id\":[1,2]},");
    HttpResponse<String> ok = post("/v1/predict/batch", "application/x-ndjson", r0 + "\n\n  \r\n" + extra + "\n");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(ok.body().lines()).hasSize(2);
    assertError(post("/v1/predict/batch", "application/x-ndjson", r0 + "\n[1,2]\n"), 400, "line 2");
    assertError(post("/v1/predict/batch", "application/x-ndjson", r0 + "\n\n" + r0.replaceFirst("\"tenure\":[0-9.]+", "\"tenure\":\"ten\"") + "\n"), 400, "line 3.tenure");
    assertError(post("/v1/predict/batch", "application/x-ndjson", r0.replaceFirst("\"contract\":\"[^\"]*\",?", "") + "\n"), 400, "line 1.contract");
    assertError(post("/v1/predict/batch", "application/x-ndjson", r0.replaceFirst("\"tenure\":[0-9.]+", "\"tenure\":NaN") + "\n"), 400, "line 1.tenure");
    assertError(post("/v1/predict/batch", "application/x-ndjson", r0.replaceFirst("\"tenure\":[0-9.]+", "\"tenure\":[1]") + "\n"), 400, "line 1.tenure");
    assertError(post("/v1/predict/batch", "application/x-ndjson", r0 + "\n{\"tenure\": }\n"), 400, "line 2.tenure");
  }

  @Test
  void aBadRowAfterTheFirstChunkEndsTheStreamWithAnErrorLineAfterEveryEarlierAnswer() throws Exception {
    List<String> file = Files.readAllLines(Path.of("../examples/data/telco-churn.csv"));
    StringBuilder csv = new StringBuilder(file.get(0)).append('\n');
    for (int i = 1; i <= 3000; i++) {
      csv.append(file.get(i)).append('\n');
    }
    csv.append("\"No\",1,0\n").append(file.get(3001)).append('\n');
    HttpResponse<String> r = post("/v1/predict/batch", "text/csv", csv.toString());
    assertThat(r.statusCode()).as("the status line was sent with the first chunk").isEqualTo(200);
    List<String> lines = r.body().lines().toList();
    assertThat(lines).hasSize(3002);
    assertThat(lines.subList(1, 3001)).allSatisfy(l -> assertThat(l).matches("[0-9a-f]{16}-[0-9]+,[01],[0-9.E-]+"));
    assertThat(lines.get(3001)).startsWith("#error,").contains("row 3001", "columns");
  }

  @Test
  void driftReportsAShiftedSliceAndCountsAreInReferenceBins() throws Exception {
    // Serve only month-to-month customers: the contract feature must drift.
    List<Map<String, Object>> shifted = rows.stream().filter(r -> "Month-to-month".equals(r.get("contract"))).limit(1000).toList();
    for (int i = 0; i < shifted.size(); i += 50) {
      assertThat(post("/v1/predict", "application/json", JSON.writeValueAsString(shifted.subList(i, Math.min(i + 50, shifted.size())))).statusCode()).isEqualTo(200);
    }
    JsonNode drift = json(get("/v1/drift"));
    assertThat(drift.path("report").path("samples").asLong()).isEqualTo(1000);
    List<String> drifted = new ArrayList<>();
    drift.path("report").path("drifted").forEach(d -> drifted.add(d.asText()));
    assertThat(drifted).contains("contract");
    JsonNode counts = json(get("/v1/drift/counts"));
    long monthToMonth = counts.path("categorical").path("contract").get(0).asLong();
    assertThat(monthToMonth).isEqualTo(1000); // the most frequent training category comes first
    assertThat(counts.path("samples").asLong()).isEqualTo(1000);
    assertThat(counts.path("version").asInt()).isEqualTo(3);
    assertThat(counts.has("feedback") && counts.has("feedbackCorrect")).isTrue();
    JsonNode reference = json(get("/v1/drift/reference"));
    JsonNode contract = null;
    for (JsonNode c : reference.path("categorical")) {
      contract = "contract".equals(c.path("name").asText()) ? c : contract;
    }
    assertThat(contract).as("the reference profile of contract").isNotNull();
    assertThat(contract.path("categories").get(0).asText()).isEqualTo("Month-to-month");
  }

  @Test
  void metricsArePublishedForPrometheus() throws Exception {
    post("/v1/predict", "application/json", JSON.writeValueAsString(rows.get(1)));
    String metrics = get("/prometheus").body();
    assertThat(metrics).contains("http_server_requests_seconds_bucket", "uri=\"/v1/predict\"");
    assertThat(metrics).contains("model_served{", "version=\"3\"");
    assertThat(metrics).contains("model_feature_drift_score{feature=\"contract\"", "model_feature_bin_count{", "model_prediction_bin_count{", "model_prediction_psi", "model_live_accuracy", "model_age_seconds", "model_feature_missing_share",
        "model_feature_drift_threshold{feature=\"contract\"");
  }

  @Test
  void feedbackCountsArePrometheusCountersEndingInTotal() throws Exception {
    JsonNode answer = json(post("/v1/predict", "application/json", JSON.writeValueAsString(rows.get(2))));
    String label = JSON.writeValueAsString(Map.of("id", answer.path("id").asText(), "label", answer.path("class").asInt()));
    assertThat(json(post("/v1/feedback", "application/json", label)).path("accepted").asInt()).isEqualTo(1);
    String metrics = get("/prometheus").body();
    // Counts that only grow are counters, exported with _total: what the operator's PromQL sums.
    assertThat(metrics).contains("# TYPE model_feedback_total counter", "model_feedback_total{model=\"churn\"}",
        "# TYPE model_feedback_correct_total counter", "model_feedback_correct_total{model=\"churn\"}");
    // A gauge named model_feedback_total would be exported as model_feedback: no such series.
    assertThat(metrics).doesNotContain("model_feedback{", "model_feedback_correct{");
    String count = metrics.lines().filter(l -> l.startsWith("model_feedback_total{")).findFirst().orElseThrow();
    assertThat(Double.parseDouble(count.substring(count.lastIndexOf(' ') + 1))).as("at least the label just given").isGreaterThanOrEqualTo(1);
  }

  @Test
  void badInputGetsA4xxNamingTheFieldNeverA5xx() throws Exception {
    Map<String, Object> record = new HashMap<>(rows.get(0));
    assertError(post("/v1/predict", "text/plain", "{}"), 415, null);
    assertError(post("/v1/predict", "application/json", "{\"tenure\": 1,"), 400, null);
    record.remove("contract");
    assertError(post("/v1/predict", "application/json", JSON.writeValueAsString(record)), 400, "contract");
    record.put("contract", "Month-to-month");
    record.put("tenure", "ten");
    assertError(post("/v1/predict", "application/json", JSON.writeValueAsString(record)), 400, "tenure");
    String nan = JSON.writeValueAsString(rows.get(0)).replaceFirst("\"tenure\":[0-9.]+", "\"tenure\":NaN");
    assertError(post("/v1/predict", "application/json", nan), 400, "tenure");
    String inf = JSON.writeValueAsString(rows.get(0)).replaceFirst("\"tenure\":[0-9.]+", "\"tenure\":Infinity");
    assertError(post("/v1/predict", "application/json", inf), 400, "tenure");
    assertError(post("/v1/predict", "application/json", "[]"), 400, null);
    assertError(post("/v1/predict", "application/json", ""), 400, null);
    assertError(post("/v1/feedback", "application/json", ""), 400, null);
    assertError(post("/v1/predict", "application/json", JSON.writeValueAsString(rows.subList(0, 51))), 413, null);
    assertError(post("/v1/predict", "application/json", "[" + "1,".repeat(150_000) + "1]"), 413, null);
    // The same body sent chunked (no Content-Length) is refused as it grows, in the same shape.
    byte[] chunked = ("[" + "1,".repeat(150_000) + "1]").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> grown = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/predict")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(chunked))).build(), HttpResponse.BodyHandlers.ofString());
    assertError(grown, 413, null);
    assertThat(grown.body()).contains("model.max-json-bytes");
    assertError(get("/v2/models/not-churn"), 404, "model_name");
    assertError(get("/v2/models/churn/versions/9"), 404, "model_version");
    assertError(post("/v2/models/churn/infer", "application/json", "{\"inputs\":[{\"name\":\"tenure\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1]}]}"), 400, "monthly_charges");
    assertError(post("/v1/predict/batch", "text/csv", Files.readAllLines(Path.of("../examples/data/telco-churn.csv")).get(0) + "\n"), 400, null);
    String header = Files.readAllLines(Path.of("../examples/data/telco-churn.csv")).get(0);
    assertError(post("/v1/predict/batch", "text/csv", header + "\n\"No\",1,0\n"), 400, "row 1");
    assertError(post("/v1/predict/batch", "application/x-ndjson", "{\"tenure\": \n"), 400, "line 1.tenure");
    assertError(post("/v1/predict/batch", "text/csv", ""), 400, null);
    assertError(post("/v1/predict/batch", "text/csv", header + "\n\"No,1,0\n"), 400, "row 1");
    // CRLF line ends, blank and whitespace-only lines, doubled quotes: two rows answered.
    String row1 = Files.readAllLines(Path.of("../examples/data/telco-churn.csv")).get(1);
    HttpResponse<String> lenient = post("/v1/predict/batch", "text/csv", header + "\r\n" + row1 + "\r\n\r\n  \n" + row1.replace("\"DSL\"", "\"DSL\"\"\"") + "\r\n");
    assertThat(lenient.statusCode()).as(lenient.body()).isEqualTo(200);
    assertThat(lenient.body().lines()).hasSize(3);
  }

  @Test
  void badV2RequestsGetA4xxNamingTheTensorOrElement() throws Exception {
    String url = "/v2/models/churn/infer";
    StringBuilder good = new StringBuilder();
    for (Map.Entry<String, Object> e : rows.get(0).entrySet()) {
      boolean numeric = e.getValue() instanceof Double || e.getKey().equals("total_charges");
      good.append(good.isEmpty() ? "" : ",").append("{\"name\":\"%s\",\"shape\":[1],\"datatype\":\"%s\",\"data\":[%s]}"
          .formatted(e.getKey(), numeric ? "FP64" : "BYTES", JSON.writeValueAsString(e.getValue())));
    }
    assertThat(post(url, "application/json", "{\"inputs\":[" + good + "]}").statusCode()).isEqualTo(200);
    assertError(post(url, "application/json", ""), 400, null);
    assertError(post(url, "application/json", "{\"inputs\":[" + good), 400, null);
    assertError(post(url, "application/json", "[1]"), 400, null);
    assertError(post(url, "application/json", "{\"inputs\":{}}"), 400, "inputs");
    assertError(post(url, "application/json", "{\"inputs\":[]}"), 400, "inputs");
    assertError(post(url, "application/json", "{\"inputs\":[" + good + ",42]}"), 400, "inputs[19]");
    assertError(post(url, "application/json", "{\"inputs\":[{\"data\":[1]}]}"), 400, "inputs[0].name");
    assertError(post(url, "application/json", "{\"inputs\":[{\"name\":\"tenure\",\"data\":5}]}"), 400, "inputs[0].data");
    assertError(post(url, "application/json", "{\"inputs\":[{\"name\":\"tenure\",\"data\":[{\"v\":1}]}]}"), 400, "inputs[0].data[0]");
    assertError(post(url, "application/json", "{\"inputs\":[{\"name\":\"tenure\",\"shape\":[1,2],\"data\":[[1,2]]}]}"), 400, "inputs[0].data");
    assertError(post(url, "application/json", "{\"inputs\":[{\"name\":\"tenure\",\"data\":[[1],2]}]}"), 400, "inputs[0].data");
    assertError(post(url, "application/json", "{\"inputs\":[{\"name\":\"tenure\",\"data\":[1,2]},{\"name\":\"contract\",\"data\":[\"a\"]}]}"), 400, "contract");
    assertError(post(url, "application/json", "{\"inputs\":[{\"name\":\"tenure\",\"data\":[1]},{\"name\":\"tenure\",\"data\":[2]}]}"), 400, "inputs[1].name");
    assertError(post(url, "application/json", "{\"inputs\":[" + good.toString().replaceFirst("\"data\":\\[[0-9.]+\\]", "\"data\":[NaN]") + "]}"), 400, null);
    assertError(post(url, "application/json", "{\"inputs\":[" + good.toString().replace("\"Month-to-month\"", "7.5e400") + "]}"), 400, "contract");
    assertError(post(url, "application/json", "{\"inputs\":[" + good.toString().replaceFirst("\"data\":\\[[0-9.]+\\]", "\"data\":[\"ten\"]") + "]}"), 400, null);
    // A good request still answers after all of that.
    assertThat(json(post(url, "application/json", "{\"id\":7,\"inputs\":[" + good + "],\"parameters\":{\"x\":[1,{}]}}")).path("id").asText()).isEqualTo("7");
  }

  static void assertError(HttpResponse<String> r, int status, String field) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode body = json(r);
    assertThat(body.path("error").asText()).as(r.body()).isNotBlank();
    if (field != null) {
      assertThat(body.path("field").asText()).as(r.body()).isEqualTo(field);
    }
  }
}
