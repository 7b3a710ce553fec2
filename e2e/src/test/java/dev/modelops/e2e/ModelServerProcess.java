package dev.modelops.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.Scorer;
import dev.modelops.trainer.TrainerMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
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
import org.apache.commons.csv.CSVFormat;

/** A real model-server process (model-server/target/model-server.jar) on a loopback port. */
final class ModelServerProcess implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  final int port;
  /** The port of drift and /prometheus when MODEL_ADMIN_PORT was given, else 0 (they are on {@link #port}). */
  final int adminPort;
  private final Process process;
  private final Path out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ModelServerProcess(int port, int adminPort, Process process, Path out) {
    this.port = port;
    this.adminPort = adminPort;
    this.process = process;
    this.out = out;
  }

  /** Where Prometheus scrapes this server. */
  int metricsPort() {
    return adminPort != 0 ? adminPort : port;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * Trains the churn example's bundle with the real trainer (max_depth 4), as a trial Job would. The
   * example reads pvc://data/telco-churn.csv: with the pvc root examples/, claim "data" is
   * examples/data, for this run only (whatever modelops.pvcRoot says for other trainers here).
   */
  static Path trainChurn(Path dir) {
    return train(dir.resolve("churn-bundle"), Path.of("../examples/churn/experiment.yaml"), Path.of("../examples"), "max_depth=4");
  }

  /** Trains an Experiment file's model with the real trainer into {@code bundle}; its pvc:// data under {@code pvcRoot}. */
  static Path train(Path bundle, Path experiment, Path pvcRoot, String... params) {
    List<String> args = new ArrayList<>(List.of("--experiment", experiment.toString(), "--output", bundle.toString()));
    for (String p : params) {
      args.addAll(List.of("--param", p));
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainerMain.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()), new PrintStream(err),
        pvcRoot.toAbsolutePath().normalize());
    if (code != 0) {
      throw new IllegalStateException("the trainer failed with exit code " + code + ": " + err);
    }
    return bundle;
  }

  /** The churn data as records of the bundle's features, the way clients send them. */
  static List<Map<String, Object>> churnRecords(Path bundle) throws IOException {
    return records(bundle, Path.of("../examples/data/telco-churn.csv"));
  }

  /** The rows of a CSV as records of the bundle's features, the way clients send them. */
  static List<Map<String, Object>> records(Path bundle, Path csv) throws IOException {
    ModelBundle b = ModelBundle.read(bundle);
    List<Map<String, Object>> out = new ArrayList<>();
    try (var reader = Files.newBufferedReader(csv)) {
      for (var rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var f : b.features()) {
          m.put(f.name(), Scorer.fromCell(f, rec.get(f.name()).trim()));
        }
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Writes the churn example's data to {@code out}, every row and column as they are, with the
   * churn labels shuffled among the rows (seed 3) when {@code shuffleLabels}: a training set a
   * model can learn nothing true from.
   */
  static Path writeChurn(Path out, boolean shuffleLabels) throws IOException {
    List<org.apache.commons.csv.CSVRecord> rows;
    List<String> header;
    try (var reader = Files.newBufferedReader(Path.of("../examples/data/telco-churn.csv"));
        var parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
      header = parser.getHeaderNames();
      rows = parser.getRecords();
    }
    List<String> labels = new ArrayList<>(rows.stream().map(r -> r.get("churn")).toList());
    if (shuffleLabels) {
      java.util.Collections.shuffle(labels, new java.util.Random(3));
    }
    try (var writer = Files.newBufferedWriter(out);
        var printer = new org.apache.commons.csv.CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader(header.toArray(String[]::new)).get())) {
      for (int i = 0; i < rows.size(); i++) {
        List<String> cells = new ArrayList<>(rows.get(i).toList());
        cells.set(header.indexOf("churn"), labels.get(i));
        printer.printRecord(cells);
      }
    }
    return out;
  }

  /** The true label of each row of the churn example's data (1 when it churned), in the order of {@link #churnRecords}. */
  static List<Integer> churnLabels() throws IOException {
    List<Integer> out = new ArrayList<>();
    try (var reader = Files.newBufferedReader(Path.of("../examples/data/telco-churn.csv"))) {
      for (var rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
        out.add("Yes".equals(rec.get("churn").trim()) ? 1 : 0);
      }
    }
    return out;
  }

  static ModelServerProcess start(Path bundle, Path dir, Map<String, String> env) throws Exception {
    return start(bundle.toString(), dir, env);
  }

  /** Starts a server on a bundle given by path or URI (pvc:// resolves under MODELOPS_PVC_ROOT from {@code env}). */
  static ModelServerProcess start(String bundle, Path dir, Map<String, String> env) throws Exception {
    int port = freePort();
    Path out = dir.resolve("server-" + port + ".out");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
        "../model-server/target/model-server.jar").redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().putAll(Map.of("MODEL_BUNDLE", bundle, "MICRONAUT_SERVER_PORT", Integer.toString(port)));
    pb.environment().putAll(env);
    ModelServerProcess server = new ModelServerProcess(port, Integer.parseInt(env.getOrDefault("MODEL_ADMIN_PORT", "0")), pb.start(), out);
    long deadline = System.currentTimeMillis() + 90_000;
    while (true) {
      try {
        if (server.get("/v2/health/ready").statusCode() == 200) {
          return server;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.currentTimeMillis() > deadline || !server.process.isAlive()) {
        server.close();
        throw new IllegalStateException("the model server did not become ready:\n" + Files.readString(out));
      }
      Thread.sleep(200);
    }
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET of the drift and metrics endpoints, on the admin port when the server has one. */
  HttpResponse<String> getAdmin(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Scores records in requests of 100; fails on anything but 200. */
  void predict(List<Map<String, Object>> records) throws Exception {
    answers(records);
  }

  /** Scores records in requests of 100 and returns the answers ({"id","class","probability"}) in order; fails on anything but 200. */
  List<JsonNode> answers(List<Map<String, Object>> records) throws Exception {
    List<JsonNode> answers = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i += 100) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/predict"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(records.subList(i, Math.min(i + 100, records.size()))))).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("POST /v1/predict answered " + r.statusCode() + ": " + r.body());
      }
      JSON.readTree(r.body()).forEach(answers::add);
    }
    return answers;
  }

  /** Posts true labels ({"id","label"}) to {@code POST /v1/feedback}; returns how many joined a prediction. */
  int feedback(List<Map<String, Object>> labels) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/feedback"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(labels))).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("POST /v1/feedback answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).path("accepted").asInt();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
