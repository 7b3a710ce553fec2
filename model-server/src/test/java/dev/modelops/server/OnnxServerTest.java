package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bring-your-own ONNX model (scikit-learn gradient boosting converted by skl2onnx, made by
 * tools/onnx/make-test-model.sh) served through DJL's ONNX Runtime engine: the same endpoints
 * answer what onnxruntime itself computes for that model, and bad input is a 4xx.
 */
class OnnxServerTest {
  static final Path MADE = Path.of("target/onnx");
  static final List<String> FEATURES = List.of("tenure", "monthly_charges", "total_charges", "female", "senior_citizen", "partner",
      "dependents", "phone_service", "paperless_billing");
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path tmp;
  static EmbeddedServer server;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    if (System.getenv("MODELOPS_REQUIRE_ONNX") == null) {
      Assumptions.assumeTrue(Files.exists(MADE.resolve("churn-gb.onnx")), "no ONNX test model in " + MADE + "; run bash tools/onnx/make-test-model.sh");
    }
    Path bundle = tmp.resolve("churn-onnx");
    Files.createDirectories(bundle);
    Files.copy(MADE.resolve("churn-gb.onnx"), bundle.resolve("model.onnx"));
    List<Map<String, String>> features = FEATURES.stream().map(f -> Map.of("name", f, "type", "NUMERIC")).toList();
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("formatVersion", 1);
    manifest.put("model", "churn-onnx");
    manifest.put("algorithm", "onnx");
    manifest.put("features", features);
    manifest.put("createdAt", "2026-11-01T00:00:00Z");
    JSON.writeValue(bundle.resolve("manifest.json").toFile(), manifest);
    server = ApplicationContext.run(EmbeddedServer.class, Map.of("micronaut.server.port", -1, "model.bundle", bundle.toString(), "model.version", 2));
    base = "http://127.0.0.1:" + server.getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.getApplicationContext().close();
    }
  }

  static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The first 200 churn rows without missing values, with onnxruntime's own probability. */
  static List<Map.Entry<Map<String, Object>, Double>> cases() throws Exception {
    List<Double> expected = new ArrayList<>();
    for (String line : Files.readAllLines(MADE.resolve("churn-gb-expected.csv")).subList(1, 201)) {
      expected.add(Double.parseDouble(line.split(",")[1]));
    }
    List<Map.Entry<Map<String, Object>, Double>> out = new ArrayList<>();
    try (var reader = Files.newBufferedReader(Path.of("../examples/data/telco-churn.csv"))) {
      int i = 0;
      for (CSVRecord r : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
        if (i >= 200) {
          break;
        }
        Map<String, Object> record = new LinkedHashMap<>();
        boolean complete = true;
        for (String f : FEATURES) {
          String cell = r.get(f).trim();
          complete &= !cell.isEmpty() && !cell.equals("NA");
          record.put(f, complete ? Double.parseDouble(cell) : null);
        }
        if (complete) {
          out.add(Map.entry(record, expected.get(i)));
        }
        i++;
      }
    }
    return out;
  }

  @Test
  void predictionsAreThoseOfOnnxRuntimeOnEveryEndpoint() throws Exception {
    assertThat(JSON.readTree(get("/v2/health/ready").body()).path("ready").asBoolean()).isTrue();
    var cases = cases();
    assertThat(cases).hasSizeGreaterThan(150);
    List<Map<String, Object>> records = cases.stream().map(Map.Entry::getKey).toList();
    JsonNode answers = JSON.readTree(post("/v1/predict", "application/json", JSON.writeValueAsString(records)).body());
    for (int i = 0; i < cases.size(); i++) {
      assertThat(answers.get(i).path("probability").asDouble()).as("row %d", i).isCloseTo(cases.get(i).getValue(), within(1e-5));
    }
    JsonNode one = JSON.readTree(post("/v1/predict", "application/json", JSON.writeValueAsString(records.get(0))).body());
    assertThat(one.path("probability").asDouble()).isCloseTo(cases.get(0).getValue(), within(1e-5));

    StringBuilder inputs = new StringBuilder();
    for (String f : FEATURES) {
      List<Object> data = records.subList(0, 3).stream().map(r -> r.get(f)).toList();
      inputs.append(inputs.isEmpty() ? "" : ",").append("{\"name\":\"%s\",\"shape\":[3],\"datatype\":\"FP64\",\"data\":%s}"
          .formatted(f, JSON.writeValueAsString(data)));
    }
    JsonNode v2 = JSON.readTree(post("/v2/models/churn-onnx/infer", "application/json", "{\"inputs\":[" + inputs + "]}").body());
    for (int i = 0; i < 3; i++) {
      assertThat(v2.path("outputs").get(0).path("data").get(i).asDouble()).isCloseTo(cases.get(i).getValue(), within(1e-5));
    }

    StringBuilder csv = new StringBuilder(String.join(",", FEATURES)).append('\n');
    records.subList(0, 20).forEach(r -> csv.append(String.join(",", FEATURES.stream().map(f -> String.valueOf(r.get(f))).toList())).append('\n'));
    HttpResponse<String> batch = post("/v1/predict/batch", "text/csv", csv.toString());
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
    assertThat(batch.body().strip().split("\n")).hasSizeGreaterThanOrEqualTo(20);
  }

  @Test
  void badInputIsA4xxAndDriftSaysWhyItIsOff() throws Exception {
    Map<String, Object> record = new LinkedHashMap<>(cases().get(0).getKey());
    record.remove("tenure");
    HttpResponse<String> missing = post("/v1/predict", "application/json", JSON.writeValueAsString(record));
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(missing.body()).path("field").asText()).isEqualTo("tenure");
    record.put("tenure", "twelve");
    HttpResponse<String> wrongType = post("/v1/predict", "application/json", JSON.writeValueAsString(record));
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(wrongType.body()).path("field").asText()).isEqualTo("tenure");
    HttpResponse<String> shape = post("/v2/models/churn-onnx/infer", "application/json",
        "{\"inputs\":[{\"name\":\"tenure\",\"shape\":[2],\"datatype\":\"FP64\",\"data\":[1]}]}");
    assertThat(shape.statusCode()).as(shape.body()).isEqualTo(400);
    HttpResponse<String> drift = get("/v1/drift");
    assertThat(drift.statusCode()).isEqualTo(404);
    assertThat(drift.body()).contains("reference profile");
  }
}
