package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.FeatureType;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.ModelKind;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.Scorer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint with a regression bundle (house-prices) and a multi-class bundle (hpc-jobs) the
 * real trainer made, over real HTTP: each answer equals the bundle's own Java scorer.
 */
class ModelKindsServerTest {
  static final int ROWS = 60;

  @TempDir static Path tmp;
  static Served houses;
  static Served jobs;

  /** A server of one bundle, its records and the bundle's scorer's answers to them. */
  record Served(EmbeddedServer server, String base, ModelBundle bundle, List<Map<String, Object>> records) {
    HttpResponse<String> get(String path) throws Exception {
      return ServerApiTest.HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String contentType, String body) throws Exception {
      return ServerApiTest.HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode postJson(String path, Object body) throws Exception {
      HttpResponse<String> r = post(path, "application/json", ServerApiTest.JSON.writeValueAsString(body));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return ServerApiTest.JSON.readTree(r.body());
    }

    double value(int row) {
      try (Scorer s = bundle.newScorer()) {
        return s.value(records.get(row));
      }
    }

    double[] probabilities(int row) {
      try (Scorer s = bundle.newScorer()) {
        return s.probabilities(records.get(row));
      }
    }

    String predictedClass(int row) {
      return bundle.classes().get(ProfileBuilder.predictedClass(probabilities(row)));
    }
  }

  /** Serves examples/{example} trained with fewer boosting rounds than it asks for, to keep the test quick. */
  static Served serve(String name, String example, String data, int rounds, String... params) throws Exception {
    Path experiment = tmp.resolve(name + ".yaml");
    Files.writeString(experiment, Files.readString(Path.of("../examples/" + example + "/experiment.yaml")).replaceAll("num_round: \\d+", "num_round: " + rounds));
    Path dir = ServerApiTest.train(tmp.resolve(name), experiment, params);
    ModelBundle bundle = ModelBundle.read(dir);
    EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
        "micronaut.server.port", -1,
        "model.bundle", dir.toString(),
        "model.inference-log", tmp.resolve(name + "-log").toString(),
        "model.drift-window", 1000));
    return new Served(server, "http://127.0.0.1:" + server.getPort(), bundle, ServerApiTest.records(bundle, data).subList(0, ROWS));
  }

  @BeforeAll
  static void start() throws Exception {
    houses = serve("houses", "house-prices", "ames-housing.csv", 30, "max_depth=3");
    jobs = serve("jobs", "hpc-jobs", "hpc-jobs.csv", 20, "max_depth=8");
    assertThat(houses.bundle().kind()).isEqualTo(ModelKind.REGRESSION);
    assertThat(jobs.bundle().kind()).isEqualTo(ModelKind.MULTICLASS);
  }

  @AfterAll
  static void stop() {
    for (Served s : new Served[] {houses, jobs}) {
      if (s != null) {
        s.server().getApplicationContext().close();
      }
    }
  }

  @Test
  void bothKindsLoadAndAreReady() throws Exception {
    assertThat(houses.get("/v2/health/ready").statusCode()).isEqualTo(200);
    assertThat(jobs.get("/v2/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void predictAnswersTheValueOfARegression() throws Exception {
    JsonNode one = houses.postJson("/v1/predict", houses.records().get(0));
    assertThat(one.get("id").asText()).isNotEmpty();
    assertThat(one.get("value").asDouble()).isEqualTo(houses.value(0));
    assertThat(one.has("class")).isFalse();
    JsonNode all = houses.postJson("/v1/predict", houses.records());
    for (int i = 0; i < ROWS; i++) {
      assertThat(all.get(i).get("value").asDouble()).isEqualTo(houses.value(i));
    }
  }

  @Test
  void predictAnswersTheClassAndEveryProbabilityOfAMultiClassModel() throws Exception {
    JsonNode all = jobs.postJson("/v1/predict", jobs.records());
    for (int i = 0; i < ROWS; i++) {
      assertThat(all.get(i).get("class").asText()).isEqualTo(jobs.predictedClass(i));
      double[] p = jobs.probabilities(i);
      List<String> classes = new ArrayList<>();
      all.get(i).get("probabilities").fieldNames().forEachRemaining(classes::add);
      assertThat(classes).isEqualTo(jobs.bundle().classes());
      for (int k = 0; k < p.length; k++) {
        assertThat(all.get(i).get("probabilities").get(jobs.bundle().classes().get(k)).asDouble()).isEqualTo(p[k]);
      }
    }
  }

  /** The V2 request of the served records: one tensor per feature. */
  static ObjectNode v2Request(Served s) {
    ObjectNode request = ServerApiTest.JSON.createObjectNode();
    ArrayNode inputs = request.putArray("inputs");
    for (Feature f : s.bundle().features()) {
      ObjectNode t = inputs.addObject();
      t.put("name", f.name());
      t.put("datatype", f.type() == FeatureType.NUMERIC ? "FP64" : "BYTES");
      t.putArray("shape").add(ROWS);
      ArrayNode data = t.putArray("data");
      for (Map<String, Object> r : s.records()) {
        data.add(ServerApiTest.JSON.valueToTree(r.get(f.name())));
      }
    }
    return request;
  }

  @Test
  void v2AnswersAValueTensorForARegression() throws Exception {
    JsonNode meta = ServerApiTest.JSON.readTree(houses.get("/v2/models/house-prices").body());
    assertThat(meta.get("outputs").toString()).isEqualTo("[{\"name\":\"value\",\"datatype\":\"FP64\",\"shape\":[-1]}]");
    JsonNode answer = houses.postJson("/v2/models/house-prices/infer", v2Request(houses));
    JsonNode value = answer.get("outputs").get(0);
    assertThat(value.get("name").asText()).isEqualTo("value");
    assertThat(value.get("shape").toString()).isEqualTo("[" + ROWS + "]");
    for (int i = 0; i < ROWS; i++) {
      assertThat(value.get("data").get(i).asDouble()).isEqualTo(houses.value(i));
    }
  }

  @Test
  void v2AnswersClassAndProbabilityTensorsForAMultiClassModel() throws Exception {
    int k = jobs.bundle().classes().size();
    JsonNode meta = ServerApiTest.JSON.readTree(jobs.get("/v2/models/hpc-jobs").body());
    assertThat(meta.get("outputs").toString()).isEqualTo("[{\"name\":\"class\",\"datatype\":\"BYTES\",\"shape\":[-1]},"
        + "{\"name\":\"probabilities\",\"datatype\":\"FP64\",\"shape\":[-1," + k + "]}]");
    JsonNode outputs = jobs.postJson("/v2/models/hpc-jobs/infer", v2Request(jobs)).get("outputs");
    assertThat(outputs.get(0).get("name").asText()).isEqualTo("class");
    assertThat(outputs.get(1).get("shape").toString()).isEqualTo("[" + ROWS + "," + k + "]");
    for (int i = 0; i < ROWS; i++) {
      assertThat(outputs.get(0).get("data").get(i).asText()).isEqualTo(jobs.predictedClass(i));
      double[] p = jobs.probabilities(i);
      for (int c = 0; c < k; c++) {
        assertThat(outputs.get(1).get("data").get(i * k + c).asDouble()).isEqualTo(p[c]);
      }
    }
  }

  /** The served records as a CSV with a header row (null as an empty cell) and as NDJSON. */
  static String[] csvAndNdjson(Served s) throws Exception {
    StringBuilder csv = new StringBuilder();
    StringBuilder ndjson = new StringBuilder();
    List<String> names = s.bundle().features().stream().map(Feature::name).toList();
    csv.append(String.join(",", names)).append('\n');
    for (Map<String, Object> r : s.records()) {
      csv.append(String.join(",", names.stream().map(n -> r.get(n) == null ? "" : r.get(n).toString()).toList())).append('\n');
      ndjson.append(ServerApiTest.JSON.writeValueAsString(r)).append('\n');
    }
    return new String[] {csv.toString(), ndjson.toString()};
  }

  @Test
  void batchAnswersValuesOfARegressionInCsvAndNdjson() throws Exception {
    String[] bodies = csvAndNdjson(houses);
    HttpResponse<String> csv = houses.post("/v1/predict/batch", "text/csv", bodies[0]);
    assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
    String[] lines = csv.body().split("\n");
    assertThat(lines[0]).isEqualTo("id,value");
    assertThat(lines).hasSize(ROWS + 1);
    HttpResponse<String> ndjson = houses.post("/v1/predict/batch", "application/x-ndjson", bodies[1]);
    String[] answers = ndjson.body().split("\n");
    for (int i = 0; i < ROWS; i++) {
      assertThat(Double.parseDouble(lines[i + 1].split(",")[1])).isEqualTo(houses.value(i));
      JsonNode a = ServerApiTest.JSON.readTree(answers[i]);
      assertThat(a.get("value").asDouble()).isEqualTo(houses.value(i));
      assertThat(a.size()).isEqualTo(2);
    }
  }

  @Test
  void batchAnswersClassesAndProbabilitiesOfAMultiClassModelInCsvAndNdjson() throws Exception {
    String[] bodies = csvAndNdjson(jobs);
    List<String> classes = jobs.bundle().classes();
    String[] lines = jobs.post("/v1/predict/batch", "text/csv", bodies[0]).body().split("\n");
    assertThat(lines[0]).isEqualTo("id,class," + String.join(",", classes.stream().map(c -> "p_" + c).toList()));
    String[] answers = jobs.post("/v1/predict/batch", "application/x-ndjson", bodies[1]).body().split("\n");
    for (int i = 0; i < ROWS; i++) {
      double[] p = jobs.probabilities(i);
      String[] cells = lines[i + 1].split(",");
      assertThat(cells[1]).isEqualTo(jobs.predictedClass(i));
      JsonNode a = ServerApiTest.JSON.readTree(answers[i]);
      assertThat(a.get("class").asText()).isEqualTo(jobs.predictedClass(i));
      for (int k = 0; k < p.length; k++) {
        assertThat(Double.parseDouble(cells[2 + k])).isEqualTo(p[k]);
        assertThat(a.get("probabilities").get(classes.get(k)).asDouble()).isEqualTo(p[k]);
      }
    }
  }

  @Test
  void regressionFeedbackIsNumbersJoinedIntoMaeAndRmse() throws Exception {
    JsonNode answers = houses.postJson("/v1/predict", houses.records().subList(0, 3));
    double[] labels = {100_000, 200_000, 300_000};
    List<Map<String, Object>> feedback = new ArrayList<>();
    double abs = 0;
    double squared = 0;
    for (int i = 0; i < 3; i++) {
      feedback.add(Map.of("id", answers.get(i).get("id").asText(), "label", labels[i]));
      double error = labels[i] - houses.value(i);
      abs += Math.abs(error);
      squared += error * error;
    }
    JsonNode before = ServerApiTest.JSON.readTree(houses.get("/v1/drift/counts").body());
    JsonNode joined = houses.postJson("/v1/feedback", feedback);
    assertThat(joined.get("accepted").asInt()).isEqualTo(3);
    JsonNode after = ServerApiTest.JSON.readTree(houses.get("/v1/drift/counts").body());
    assertThat(after.get("feedback").asLong() - before.get("feedback").asLong()).isEqualTo(3);
    double absDelta = after.get("feedbackAbsError").asDouble() - before.get("feedbackAbsError").asDouble();
    assertThat(absDelta).isCloseTo(abs, within(1e-6 * abs));
    assertThat(after.get("feedbackSquaredError").asDouble() - before.get("feedbackSquaredError").asDouble()).isCloseTo(squared, within(1e-6 * squared));
    long n = after.get("feedback").asLong();
    assertThat(joined.get("liveMae").asDouble()).isCloseTo(after.get("feedbackAbsError").asDouble() / n, within(1e-9));
    assertThat(joined.get("liveRmse").asDouble()).isCloseTo(Math.sqrt(after.get("feedbackSquaredError").asDouble() / n), within(1e-9));
    String metrics = houses.get("/prometheus").body();
    assertThat(metrics).contains("model_feedback_abs_error_sum_total{", "model_feedback_squared_error_sum_total{", "model_feedback_total{");
  }

  @Test
  void aRegressionLabelThatIsNoNumberIsRefusedNamingFieldAndValue() throws Exception {
    HttpResponse<String> r = houses.post("/v1/feedback", "application/json", "[{\"id\": \"x\", \"label\": 1}, {\"id\": \"y\", \"label\": \"cheap\"}]");
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = ServerApiTest.JSON.readTree(r.body());
    assertThat(error.get("field").asText()).isEqualTo("[1]label");
    assertThat(error.get("error").asText()).contains("\"cheap\"", "not a number");
  }

  @Test
  void multiClassFeedbackIsClassValuesJoinedIntoLiveAccuracy() throws Exception {
    JsonNode answers = jobs.postJson("/v1/predict", jobs.records().subList(0, 4));
    JsonNode before = ServerApiTest.JSON.readTree(jobs.get("/v1/drift/counts").body());
    List<Map<String, Object>> feedback = new ArrayList<>();
    int right = 0;
    for (int i = 0; i < 4; i++) {
      // Two labels the model predicted, two it did not.
      String label = i < 2 ? jobs.predictedClass(i) : jobs.bundle().classes().stream().filter(c -> !c.equals(jobs.predictedClass(2))).findFirst().orElseThrow();
      right += label.equals(jobs.predictedClass(i)) ? 1 : 0;
      feedback.add(Map.of("id", answers.get(i).get("id").asText(), "label", label));
    }
    JsonNode joined = jobs.postJson("/v1/feedback", feedback);
    assertThat(joined.get("accepted").asInt()).isEqualTo(4);
    JsonNode after = ServerApiTest.JSON.readTree(jobs.get("/v1/drift/counts").body());
    assertThat(after.get("feedback").asLong() - before.get("feedback").asLong()).isEqualTo(4);
    assertThat(after.get("feedbackCorrect").asLong() - before.get("feedbackCorrect").asLong()).isEqualTo(right);
    assertThat(joined.get("liveAccuracy").asDouble()).isEqualTo((double) after.get("feedbackCorrect").asLong() / after.get("feedback").asLong());
  }

  @Test
  void aClassTheModelNeverSawIsRefusedNamingFieldAndValue() throws Exception {
    HttpResponse<String> r = jobs.post("/v1/feedback", "application/json", "{\"id\": \"x\", \"label\": \"Enormous\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = ServerApiTest.JSON.readTree(r.body());
    assertThat(error.get("field").asText()).isEqualTo("label");
    assertThat(error.get("error").asText()).contains("\"Enormous\"", String.join(", ", jobs.bundle().classes()));
  }

  @Test
  void driftCountsPredictionsInTheProfilesOwnBins() throws Exception {
    for (Served s : new Served[] {houses, jobs}) {
      s.postJson("/v1/predict", s.records());
      JsonNode counts = ServerApiTest.JSON.readTree(s.get("/v1/drift/counts").body());
      double[] cuts = s.bundle().profile().prediction().cuts();
      JsonNode prediction = counts.get("prediction");
      assertThat(prediction.size()).isEqualTo(cuts.length + 1);
      long sum = 0;
      for (JsonNode c : prediction) {
        sum += c.asLong();
      }
      assertThat(sum).isEqualTo(counts.get("samples").asLong());
      assertThat(ServerApiTest.JSON.readTree(s.get("/v1/drift").body()).get("report").has("predictionPsi")).isTrue();
      assertThat(s.get("/prometheus").body()).contains("model_prediction_bin_count{bin=\"" + cuts.length + "\"");
    }
    // Since the start, a regression also counts its values in those bins, a multi-class model its classes by label.
    assertThat(houses.get("/prometheus").body()).contains("model_prediction_value_bin_total{le=\"+Inf\"");
    assertThat(jobs.get("/prometheus").body()).contains("model_predictions_total{class=\"" + jobs.bundle().classes().get(0) + "\"");
    // A multi-class model's bins are its classes: the share each was predicted.
    JsonNode counts = ServerApiTest.JSON.readTree(jobs.get("/v1/drift/counts").body());
    assertThat(counts.get("prediction").size()).isEqualTo(jobs.bundle().classes().size());
  }

  /** The inference log's prediction and feedback entries of one id, once both are written (the log writes off the request path). */
  static Map<String, JsonNode> logged(Path dir, String id) throws Exception {
    Map<String, JsonNode> found = new java.util.HashMap<>();
    for (long end = System.currentTimeMillis() + 10_000; found.size() < 2 && System.currentTimeMillis() < end; Thread.sleep(50)) {
      Path file = dir.resolve("inference.ndjson");
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file)) {
          JsonNode e = ServerApiTest.JSON.readTree(line);
          if (id.equals(e.path("id").asText())) {
            found.put(e.get("type").asText(), e);
          }
        }
      }
    }
    assertThat(found).containsKeys("prediction", "feedback");
    return found;
  }

  @Test
  void theInferenceLogKeepsEachKindsAnswerAndFeedback() throws Exception {
    String house = houses.postJson("/v1/predict", houses.records().get(1)).get("id").asText();
    houses.postJson("/v1/feedback", Map.of("id", house, "label", 150_000));
    Map<String, JsonNode> h = logged(tmp.resolve("houses-log"), house);
    assertThat(h.get("prediction").get("value").asDouble()).isEqualTo(houses.value(1));
    assertThat(h.get("feedback").get("error").asDouble()).isEqualTo(150_000 - houses.value(1));
    String job = jobs.postJson("/v1/predict", jobs.records().get(1)).get("id").asText();
    jobs.postJson("/v1/feedback", Map.of("id", job, "label", jobs.predictedClass(1)));
    Map<String, JsonNode> j = logged(tmp.resolve("jobs-log"), job);
    assertThat(j.get("prediction").get("class").asText()).isEqualTo(jobs.predictedClass(1));
    assertThat(j.get("prediction").get("probabilities").size()).isEqualTo(jobs.bundle().classes().size());
    assertThat(j.get("feedback").get("label").asText()).isEqualTo(jobs.predictedClass(1));
    assertThat(j.get("feedback").get("correct").asBoolean()).isTrue();
  }

  @Test
  void aShadowOfEachKindReadsTheCandidatesAnswers() throws Exception {
    for (Served candidate : new Served[] {houses, jobs}) {
      // Production serves the same bundle as its candidate: every answer read back agrees.
      EmbeddedServer production = ApplicationContext.run(EmbeddedServer.class, Map.of(
          "micronaut.server.port", -1,
          "model.bundle", candidate.bundle().dir().toString(),
          "model.shadow.url", candidate.base()));
      try {
        Served p = new Served(production, "http://127.0.0.1:" + production.getPort(), candidate.bundle(), candidate.records());
        p.postJson("/v1/predict", p.records().subList(0, 10));
        p.postJson("/v2/models/" + p.bundle().manifest().model() + "/infer", v2Request(p));
        JsonNode shadow = null;
        for (long end = System.currentTimeMillis() + 10_000; System.currentTimeMillis() < end; Thread.sleep(50)) {
          shadow = ServerApiTest.JSON.readTree(p.get("/v1/shadow").body());
          if (shadow.get("answered").asLong() + shadow.get("failed").asLong() >= 2) {
            break;
          }
        }
        assertThat(shadow.get("answered").asLong()).as(shadow.toString()).isEqualTo(2);
        assertThat(shadow.get("failed").asLong()).isZero();
        assertThat(shadow.get("rows").asLong()).isEqualTo(10 + ROWS);
        assertThat(shadow.get("disagreements").asLong()).isZero();
      } finally {
        production.getApplicationContext().close();
      }
    }
  }
}
