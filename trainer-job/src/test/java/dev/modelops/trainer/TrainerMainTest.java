package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.bundle.TrialResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user or a Job runs it: exit codes, the result line, one-line errors. */
class TrainerMainTest {
  @TempDir Path tmp;
  String stdout;
  String stderr;

  @AfterEach
  void clearProperties() {
    System.clearProperty("modelops.terminationLog");
    System.clearProperty("modelops.pvcRoot");
  }

  int run(String... args) {
    Fixtures.Run run = Fixtures.run(args);
    stdout = run.stdout();
    stderr = run.stderr();
    return run.code();
  }

  JsonNode lastLine() throws Exception {
    String[] lines = stdout.strip().split("\n");
    return new ObjectMapper().readTree(lines[lines.length - 1]);
  }

  Path churnExperiment(String dataUri) throws Exception {
    return Fixtures.write(tmp, "experiment.yaml", Fixtures.churn(dataUri, ""));
  }

  Path csv(String name, String text) throws Exception {
    return Fixtures.write(tmp, name, text);
  }

  /** Runs against a bad input and checks: exit 2, one error line with the phrase, a Failed result. */
  void assertRefused(String phrase, String reason, String... args) throws Exception {
    int code = run(args);
    assertThat(code).as(stderr).isEqualTo(2);
    List<String> errorLines = new ArrayList<>(stderr.lines().filter(l -> l.startsWith("error:")).toList());
    assertThat(errorLines).hasSize(1);
    assertThat(errorLines.get(0)).contains(phrase);
    JsonNode result = lastLine();
    assertThat(result.path("status").asText()).isEqualTo("Failed");
    assertThat(result.path("reason").asText()).isEqualTo(reason);
  }

  @Test
  void aSuccessfulTrialEndsWithTheResultOnStdoutAndInTheTerminationLog() throws Exception {
    Path log = tmp.resolve("termination-log");
    Files.writeString(log, "");
    System.setProperty("modelops.terminationLog", log.toString());
    // The relative dataset path resolves against the Experiment file's folder.
    Files.copy(Fixtures.DATA.resolve("telco-churn.csv"), tmp.resolve("churn.csv"));
    Path exp = churnExperiment("churn.csv");

    int code = run("--experiment", exp.toString(), "--param", "max_depth=3", "--param", "booster=gbtree", "--output", tmp.resolve("bundle").toString());

    assertThat(code).as(stderr).isZero();
    JsonNode result = lastLine();
    assertThat(result.path("status").asText()).isEqualTo("Succeeded");
    assertThat(result.path("objective").asDouble()).isGreaterThan(0.8);
    assertThat(result.path("metrics").path("roc_auc").asDouble()).isEqualTo(result.path("objective").asDouble());
    assertThat(result.path("bundleUri").asText()).isEqualTo(tmp.resolve("bundle").toAbsolutePath().toString());
    assertThat(result.path("params").path("max_depth").asText()).isEqualTo("3");
    assertThat(result.path("timings").path("totalMs").asLong()).isPositive();
    String termination = Files.readString(log);
    assertThat(termination.getBytes(StandardCharsets.UTF_8).length).isLessThan(4096);
    assertThat(new ObjectMapper().readTree(termination)).isEqualTo(result);
    assertThat(tmp.resolve("bundle/manifest.json")).exists();
  }

  Process launch(Map<String, String> env, String... args) throws Exception {
    return Fixtures.launch(tmp, env, args);
  }

  @Test
  void inAJobTheExperimentComesFromTheEnvironmentAndTheExitCodeFromTheProcess() throws Exception {
    String json = new ObjectMapper().writeValueAsString(
        ExperimentLoader.YAML.readTree(Fixtures.churn(Fixtures.DATA.resolve("telco-churn.csv").toString(), "")));
    Path log = tmp.resolve("termination-log");
    Files.writeString(log, "");
    Map<String, String> env = Map.of("MODELOPS_EXPERIMENT", json, "MODELOPS_TERMINATION_LOG", log.toString());

    Process ok = launch(env, "--param", "max_depth=3", "--output", "out/bundle");
    String out = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(ok.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ok.waitFor()).as(err).isZero();
    String[] lines = out.strip().split("\n");
    JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(result.path("status").asText()).isEqualTo("Succeeded");
    assertThat(new ObjectMapper().readTree(Files.readString(log))).isEqualTo(result);
    assertThat(tmp.resolve("out/bundle/manifest.json")).as("a relative --output resolves against the working folder").exists();

    Process bad = launch(env, "--param", "max_depth=99", "--output", "out/other");
    String badErr = new String(bad.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    bad.getInputStream().readAllBytes();
    assertThat(bad.waitFor()).isEqualTo(2);
    assertThat(badErr.lines().toList()).hasSize(1).first().asString().startsWith("error: --param max_depth=99 is outside the search space [2, 6]");
  }

  @Test
  void readsDataFromAPersistentVolumeClaimMount() throws Exception {
    Path claim = Files.createDirectories(tmp.resolve("pvcs/churn-data/latest"));
    Files.copy(Fixtures.DATA.resolve("telco-churn.csv"), claim.resolve("data.csv"));
    System.setProperty("modelops.pvcRoot", tmp.resolve("pvcs").toString());
    Path exp = churnExperiment("pvc://churn-data/latest/data.csv");

    assertThat(run("--experiment", exp.toString(), "--output", "pvc://artifacts/ns/exp/t0")).as(stderr).isZero();

    assertThat(lastLine().path("bundleUri").asText()).isEqualTo("pvc://artifacts/ns/exp/t0");
    assertThat(tmp.resolve("pvcs/artifacts/ns/exp/t0/model.ubj")).exists();
  }

  @Test
  void anInProcessRunReadsAndWritesClaimsUnderItsOwnPvcRoot() throws Exception {
    // The example as written reads pvc://data/telco-churn.csv; the root this run names wins over
    // the process's (modelops.pvcRoot, MODELOPS_PVC_ROOT), which it leaves alone.
    Path root = tmp.resolve("root");
    Files.createDirectories(root.resolve("data"));
    Files.copy(Fixtures.DATA.resolve("telco-churn.csv"), root.resolve("data/telco-churn.csv"));
    System.setProperty("modelops.pvcRoot", tmp.resolve("elsewhere").toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = TrainerMain.run(new String[] {"--experiment", "../examples/churn/experiment-fixed-params.yaml", "--output", "pvc://artifacts/ns/fixed/t0"},
        new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream(), true), root);

    assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(root.resolve("artifacts/ns/fixed/t0/model.ubj")).exists();
    assertThat(tmp.resolve("elsewhere")).doesNotExist();
    assertThat(System.getProperty("modelops.pvcRoot")).isEqualTo(tmp.resolve("elsewhere").toString());

    // Without that root the data is not there, and the error says where claims were looked for.
    assertRefused("or MODELOPS_PVC_ROOT (claims are under " + tmp.resolve("elsewhere") + ")", "BadData",
        "--experiment", "../examples/churn/experiment-fixed-params.yaml", "--output", tmp.resolve("o").toString());
  }

  @Test
  void readsDataOverHttp() throws Exception {
    byte[] body = Files.readAllBytes(Fixtures.DATA.resolve("telco-churn.csv"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/data/churn.csv", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      assertThat(run("--experiment", churnExperiment(url + "/data/churn.csv").toString(), "--output", tmp.resolve("b").toString())).as(stderr).isZero();
      assertRefused("HTTP 404", "BadData", "--experiment", churnExperiment(url + "/missing.csv").toString(), "--output", tmp.resolve("c").toString());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void parsesQuotedFieldsWithCommasAndNewlinesAndMissingValues() throws Exception {
    StringBuilder data = new StringBuilder("label,note,score\n");
    for (int i = 0; i < 200; i++) {
      boolean pos = i % 2 == 0;
      data.append(pos ? "yes" : "no").append(',')
          .append(pos ? "\"great, really\ngreat\"" : "\"bad, \"\"awful\"\"\"").append(',')
          .append(i % 10 == 0 ? "NA" : i % 7 == 0 ? "" : Integer.toString(i)).append('\n');
    }
    csv("quoted.csv", data.toString());
    String exp = """
        spec:
          model: quoted
          dataset:
            uri: quoted.csv
            label: label
            positiveClass: "yes"
            features: {numeric: [score], text: [note], textOptions: {minDocumentFrequency: 1}}
          algorithm: {params: {num_round: 5}}
          search: {maxTrials: 1}
          objective: {metric: accuracy}
        """;
    assertThat(run("--experiment", Fixtures.write(tmp, "q.yaml", exp).toString(), "--output", tmp.resolve("q").toString())).as(stderr).isZero();
    // The text column separates the classes perfectly, which it only can if "great, really\ngreat" stayed one field.
    assertThat(lastLine().path("metrics").path("accuracy").asDouble()).isEqualTo(1.0);
  }

  @Test
  void aMissingDatasetFile() throws Exception {
    assertRefused("does not exist", "BadData", "--experiment", churnExperiment("nowhere.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void anUnreadableDataset() throws Exception {
    Files.createDirectories(tmp.resolve("adir.csv"));
    assertRefused("not a readable file", "BadData", "--experiment", churnExperiment("adir.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void aFileWithoutHeader() throws Exception {
    csv("empty.csv", "");
    assertRefused("no header row", "BadData", "--experiment", churnExperiment("empty.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void anAbsentLabelColumn() throws Exception {
    csv("nolabel.csv", "tenure,monthly_charges,total_charges,senior_citizen,contract,internet_service,payment_method,tech_support\n1,2,3,0,a,b,c,d\n");
    assertRefused("label column 'churn'", "BadData", "--experiment", churnExperiment("nolabel.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void aLabelWithASingleClass() throws Exception {
    StringBuilder s = new StringBuilder("churn,tenure,monthly_charges,total_charges,senior_citizen,contract,internet_service,payment_method,tech_support\n");
    for (int i = 0; i < 50; i++) {
      s.append("No,").append(i).append(",2,3,0,a,b,c,d\n");
    }
    csv("oneclass.csv", s.toString());
    assertRefused("single class", "BadData", "--experiment", churnExperiment("oneclass.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void aNumericColumnThatIsMostlyText() throws Exception {
    StringBuilder s = new StringBuilder("churn,tenure,monthly_charges,total_charges,senior_citizen,contract,internet_service,payment_method,tech_support\n");
    for (int i = 0; i < 50; i++) {
      s.append(i % 2 == 0 ? "Yes" : "No").append(",long,2,3,0,a,b,c,d\n");
    }
    csv("mostlytext.csv", s.toString());
    assertRefused("'tenure' is declared numeric but 100% of its values", "BadData", "--experiment", churnExperiment("mostlytext.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void anEmptyDataset() throws Exception {
    csv("headeronly.csv", "churn,tenure,monthly_charges,total_charges,senior_citizen,contract,internet_service,payment_method,tech_support\n");
    assertRefused("no rows", "BadData", "--experiment", churnExperiment("headeronly.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void aListedFeatureColumnThatDoesNotExist() throws Exception {
    csv("nofeature.csv", "churn,tenure,monthly_charges,total_charges,senior_citizen,contract,internet_service,payment_method\nYes,1,2,3,0,a,b,c\n");
    assertRefused("'tech_support' listed in spec.dataset.features.categorical does not exist", "BadData",
        "--experiment", churnExperiment("nofeature.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void anUnknownParameter() throws Exception {
    assertRefused("--param max_dept is not in spec.search.parameters", "BadParameter",
        "--experiment", churnExperiment(Fixtures.DATA.resolve("telco-churn.csv").toString()).toString(), "--param", "max_dept=3", "--output", tmp.resolve("o").toString());
  }

  @Test
  void aValueOutsideTheSearchSpace() throws Exception {
    String exp = churnExperiment(Fixtures.DATA.resolve("telco-churn.csv").toString()).toString();
    assertRefused("outside the search space [2, 6]", "BadParameter", "--experiment", exp, "--param", "max_depth=9", "--output", tmp.resolve("o").toString());
    assertRefused("must be an integer", "BadParameter", "--experiment", exp, "--param", "max_depth=2.5", "--output", tmp.resolve("o").toString());
    assertRefused("not one of the searched values [gbtree, dart]", "BadParameter", "--experiment", exp, "--param", "booster=gblinear", "--output", tmp.resolve("o").toString());
  }

  @Test
  void anUnwritableOutput() throws Exception {
    Path file = csv("a-file", "x");
    assertRefused("choose a writable --output", "BadOutput",
        "--experiment", churnExperiment(Fixtures.DATA.resolve("telco-churn.csv").toString()).toString(), "--output", file.resolve("bundle").toString());
  }

  @Test
  void anUnreadableExperimentFile() throws Exception {
    assertRefused("cannot read the Experiment file", "BadSpec", "--experiment", tmp.resolve("nowhere.yaml").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void aValidationSplitWithoutOneOfTheClasses() throws Exception {
    StringBuilder s = new StringBuilder("churn,tenure,monthly_charges,total_charges,senior_citizen,contract,internet_service,payment_method,tech_support\n");
    for (int i = 0; i < 100; i++) {
      s.append(i < 2 ? "Yes" : "No").append(',').append(i).append(",2,3,0,a,b,c,d\n");
    }
    csv("rare.csv", s.toString());
    assertRefused("lacks one class", "BadData", "--experiment", churnExperiment("rare.csv").toString(), "--output", tmp.resolve("o").toString());
  }

  @Test
  void aResultThatWouldNotFitTheTerminationMessageStaysValidJson() throws Exception {
    Map<String, String> params = new java.util.TreeMap<>();
    for (int i = 0; i < 300; i++) {
      params.put("param_" + i, "a long value that the Experiment author chose " + i);
    }
    String line = TrialResult.succeeded(0.9, Map.of(), Map.of(), "bundle", params, Map.of()).toLine();
    assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4000);
    JsonNode parsed = new ObjectMapper().readTree(line);
    assertThat(parsed.path("status").asText()).isEqualTo("Succeeded");
    assertThat(parsed.path("objective").asDouble()).isEqualTo(0.9);
    assertThat(parsed.has("paramsOmitted")).isTrue();
    assertThat(TrialResult.parse("log line\n" + line)).hasValueSatisfying(r -> assertThat(r.ok()).isTrue());

    assertThat(TrialResult.failed("BadData", "é".repeat(3000)).toLine().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4000);
  }

  @Test
  void aMultiClassResultCarriesEachClassesMetricsWhenTheyFitAndLeavesThemToTheManifestWhenNot() throws Exception {
    Map<String, Map<String, Double>> few = Map.of("VF", Map.of("precision", 0.9, "recall", 0.8, "f1", 0.85));
    JsonNode small = new ObjectMapper().readTree(TrialResult.succeeded(0.8, Map.of("macro_f1", 0.8), null, few, "b", Map.of(), Map.of()).toLine());
    assertThat(small.path("classMetrics").path("VF").path("recall").asDouble()).isEqualTo(0.8);
    Map<String, Map<String, Double>> many = new java.util.TreeMap<>();
    for (int i = 0; i < 100; i++) {
      many.put("job-class-" + i, Map.of("precision", 0.123456789, "recall", 0.123456789, "f1", 0.123456789));
    }
    String line = TrialResult.succeeded(0.8, Map.of("macro_f1", 0.8), null, many, "b", Map.of("eta", "0.1"), Map.of()).toLine();
    assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4000);
    JsonNode parsed = new ObjectMapper().readTree(line);
    assertThat(parsed.path("status").asText()).isEqualTo("Succeeded");
    assertThat(parsed.path("metrics").path("macro_f1").asDouble()).isEqualTo(0.8);
    assertThat(parsed.has("classMetrics")).isFalse();
  }

  @Test
  void aMalformedCommandLine() throws Exception {
    assertRefused("should be in KEY=VALUE format", "BadParameter", "--experiment", "x.yaml", "--param", "max_depth", "--output", "o");
    assertRefused("Missing required option: '--output", "BadParameter", "--experiment", "x.yaml");
  }

  @Test
  void noExperimentAtAll() throws Exception {
    assertRefused("--experiment", "BadSpec", "--output", tmp.resolve("o").toString());
  }
}
