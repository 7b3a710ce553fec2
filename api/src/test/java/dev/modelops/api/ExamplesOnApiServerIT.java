package dev.modelops.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.testing.RealApiServer;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.SchemaDefaults;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubeapitest.KubeAPIServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one authority on whether the examples and the CRDs are valid: a real kube-apiserver, through
 * kubectl as users run it (YAML 1.1, strict field validation, `--dry-run=server`). Creating the
 * CRDs proves what the API server checks in them (CEL rules compile against their schema, defaults
 * satisfy their own schema and rules); every example is accepted as written, the schema
 * defaults filled in; every file in examples/invalid/ is rejected with exactly one error, the one its "# expect:"
 * line names. Skipped, saying why, without the binaries of tools/kube/kube-binaries.sh.
 */
class ExamplesOnApiServerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  // One error of the API server's list: "<field>: <kind of error>", or kubectl's strict decoding error.
  private static final Pattern ERROR = Pattern.compile(
      "(?:(?:spec|metadata)[\\w.\\[\\]]*: (?:Required value|Invalid value|Unsupported value|Too long|Too many|Duplicate value|Forbidden))"
          // A rule on the whole resource (the Experiment's name length) has no field path.
          + "|<nil>: Invalid value: \"object\""
          + "|unknown field \"");
  @TempDir static Path tmp;
  static KubeAPIServer server;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    server = RealApiServer.start();
    kubeconfig = RealApiServer.kubeconfig(server, tmp);
    Result r = kubectl(null, "apply", "-f", "../crds/");
    assertThat(r.code).as("the API server accepts the CRDs: %s", r.output).isZero();
    assertThat(kubectl(null, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s").code).isZero();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  record Result(int code, String output) {}

  /** Runs kubectl against the server, with the given text (or nothing) on its standard input. */
  static Result kubectl(String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(RealApiServer.binaries().resolve("kubectl").toString());
    cmd.add("--kubeconfig=" + kubeconfig);
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  static Result dryRun(String yaml) throws Exception {
    return kubectl(yaml, "apply", "--dry-run=server", "-o", "json", "-f", "-");
  }

  static Stream<Path> validExamples() throws IOException {
    return Examples.valid().stream();
  }

  static Stream<Path> invalidExamples() throws IOException {
    return Examples.invalid().stream();
  }

  @ParameterizedTest
  @MethodSource("validExamples")
  void exampleIsAcceptedAndDefaulted(Path file) throws Exception {
    Result r = kubectl(null, "apply", "--dry-run=server", "-o", "json", "-f", file.toString());
    assertThat(r.code).as("%s: %s", file, r.output).isZero();
    JsonNode answer = JSON.readTree(r.output);
    List<JsonNode> stored = new ArrayList<>();
    (answer.path("kind").asText().equals("List") ? answer.path("items") : JSON.createArrayNode().add(answer)).forEach(stored::add);
    List<JsonNode> written = Examples.documents(file);
    assertThat(stored).as(file.toString()).hasSameSizeAs(written);
    for (int i = 0; i < written.size(); i++) {
      JsonNode spec = written.get(i).path("spec");
      // Nothing the file says was dropped or changed (the server only adds its defaults).
      assertThat(contains(stored.get(i).path("spec"), spec)).as("%s: the server keeps the spec as written: %s", file, stored.get(i)).isTrue();
    }
  }

  @Test
  void theServerFillsInTheSchemaDefaults() throws Exception {
    Result r = kubectl(null, "apply", "--dry-run=server", "-o", "json", "-f", "../examples/churn/experiment.yaml");
    JsonNode spec = JSON.readTree(r.output).path("spec");
    assertThat(spec.path("dataset").path("features").path("categoricalMinCount").asInt()).as("schema default").isEqualTo(5);
  }

  /** The kinds, by name, as Java types. */
  private static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS =
      Map.of("Experiment", Experiment.class, "ModelVersion", ModelVersion.class, "DriftPolicy", DriftPolicy.class);

  @ParameterizedTest
  @MethodSource("validExamples")
  void schemaDefaultsInCodeAreTheServersDefaults(Path file) throws Exception {
    Result r = kubectl(null, "apply", "--dry-run=server", "-o", "json", "-f", file.toString());
    JsonNode answer = JSON.readTree(r.output);
    List<JsonNode> stored = new ArrayList<>();
    (answer.path("kind").asText().equals("List") ? answer.path("items") : JSON.createArrayNode().add(answer)).forEach(stored::add);
    List<JsonNode> written = Examples.documents(file);
    for (int i = 0; i < written.size(); i++) {
      assertSameDefaults(file.toString(), written.get(i), stored.get(i));
    }
  }

  /** What the trainer (and tests) fill in with SchemaDefaults is what the API server fills in, field for field. */
  static void assertSameDefaults(String what, JsonNode written, JsonNode stored) throws Exception {
    Class<? extends CustomResource<?, ?>> type = KINDS.get(written.path("kind").asText());
    if (type == null) {
      return; // not a modelops kind (a claim beside the examples)
    }
    Object local = SchemaDefaults.apply(JSON.treeToValue(written, type).getSpec());
    Object server = JSON.treeToValue(stored, type).getSpec();
    JsonNode filled = JSON.valueToTree(local);
    JsonNode defaulted = JSON.valueToTree(server);
    assertThat(filled).as("%s: SchemaDefaults.apply and the API server", what).isEqualTo(defaulted);
  }

  @ParameterizedTest
  @MethodSource("invalidExamples")
  void invalidExampleIsRejectedWithExactlyTheErrorItExpects(Path file) throws Exception {
    Examples.Expectation expected = Examples.expectation(file);
    Result r = kubectl(null, "apply", "--dry-run=server", "-f", file.toString());
    assertThat(r.code).as("%s must be rejected", file).isNotZero();
    assertThat(r.output).as(file.toString()).contains(expected.field()).contains(expected.message());
    // One mistake per file, so a file cannot pass on an error it was not written to show.
    assertThat(errors(r.output)).as("%s: one error: %s", file, r.output).isEqualTo(1);
  }

  /** An Experiment with only the required fields and the smallest search. */
  private static final String SMALLEST_EXPERIMENT =
      """
      apiVersion: modelops.dev/v1alpha1
      kind: Experiment
      metadata: {name: smallest, namespace: default}
      spec:
        model: smallest
        dataset: {uri: data.csv, label: churn, positiveClass: "Yes", features: {numeric: [tenure]}}
        search: {maxTrials: 1}
        objective: {metric: accuracy}
      """;

  @Test
  void theSmallestResourceOfEveryKindIsAccepted() throws Exception {
    // Only the required fields: the defaults must not trip any rule.
    String version =
        """
        apiVersion: modelops.dev/v1alpha1
        kind: ModelVersion
        metadata: {name: smallest-v1, namespace: default}
        spec: {model: smallest, version: 1, artifact: {uri: model.json, format: xgboost}}
        """;
    String policy =
        """
        apiVersion: modelops.dev/v1alpha1
        kind: DriftPolicy
        metadata: {name: smallest, namespace: default}
        spec: {model: smallest, checks: [{metric: predictionDrift, alert: 0.5}]}
        """;
    for (String yaml : List.of(SMALLEST_EXPERIMENT, version, policy)) {
      Result r = dryRun(yaml);
      assertThat(r.code).as("%s%s", yaml, r.output).isZero();
      assertSameDefaults(yaml, YAML.readTree(yaml), JSON.readTree(r.output));
    }
    Result r = dryRun(SMALLEST_EXPERIMENT.replace("search: {maxTrials: 1}", "search: {}"));
    assertThat(r.code).as(r.output).isZero();
    assertThat(JSON.readTree(r.output).path("spec").path("search").path("maxTrials").asInt()).as("search: {} runs the default 10 trials").isEqualTo(10);
  }

  @Test
  void requestsUpToTheirLimitsAreAcceptedWrittenAsNumbersOrStrings() throws Exception {
    String trainer = "  trainer: {resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: \"1\", memory: 1024Mi, nvidia.com/gpu: 1}}}\n";
    Result r = dryRun(SMALLEST_EXPERIMENT + trainer);
    assertThat(r.code).as(r.output).isZero();
    r = dryRun(SMALLEST_EXPERIMENT + trainer.replace("cpu: 1,", "cpu: 1001m,"));
    assertThat(r.output).contains("spec.trainer.resources.requests", "a request must not exceed its limit");
  }

  @Test
  void linkLocalUrlsAreRefusedUnlessThePolicyAllowsThemAndOrdinaryHostsNever() throws Exception {
    String policy =
        """
        apiVersion: modelops.dev/v1alpha1
        kind: DriftPolicy
        metadata: {name: urls, namespace: default}
        spec:
          model: churn
          checks: [{metric: predictionDrift, alert: 0.5}]
          source: {type: prometheus, prometheusUrl: "PROMETHEUS"}
          alert: {webhook: "WEBHOOK"}
        """;
    // Loopback (what the tests' own receivers listen on), cluster names, and link-local text
    // anywhere but the host are ordinary addresses.
    for (String url : List.of("http://127.0.0.1:9090", "http://[::1]:9090", "http://prometheus.monitoring.svc:9090",
        "http://hooks.example.com/?next=169.254.169.254", "http://169.254.169.254@hooks.example.com/", "https://169.254.169.254.example.com/")) {
      Result r = dryRun(policy.replace("PROMETHEUS", url).replace("WEBHOOK", url));
      assertThat(r.code).as("%s: %s", url, r.output).isZero();
    }
    for (String url : List.of("http://169.254.169.254", "http://100.100.100.200/latest/meta-data", "http://[fd00:ec2::254]/",
        "http://metadata.google.internal./", "http://[FE80::1]:9090", "http://[::ffff:a9fe:a9fe]/")) {
      Result r = dryRun(policy.replace("PROMETHEUS", "http://127.0.0.1:9090").replace("WEBHOOK", url));
      assertThat(r.code).as(url).isNotZero();
      assertThat(r.output).contains("spec.alert.webhook", "webhook " + url + " is a link-local or cloud metadata address");
      assertThat(errors(r.output)).as(r.output).isEqualTo(1);
      // The policy's opt-in lifts the rule (the operator decides again, with its own setting).
      Result allowed = dryRun(policy.replace("PROMETHEUS", url).replace("WEBHOOK", url).replace("model: churn", "model: churn\n  allowLinkLocal: true"));
      assertThat(allowed.code).as("%s: %s", url, allowed.output).isZero();
    }
  }

  @Test
  void defaultsAreAppliedBeforeTheRules() throws Exception {
    // objective.goal defaults to maximize, which a log_loss objective must not have.
    String experiment = SMALLEST_EXPERIMENT.replace("{metric: accuracy}", "{metric: log_loss}");
    assertThat(dryRun(experiment).output).contains("spec.objective.goal", "log_loss is a loss: set goal to minimize");
    assertThat(dryRun(experiment.replace("{metric: log_loss}", "{metric: log_loss, goal: minimize}")).code).isZero();
  }

  @Test
  void kubectlListsAllThreeKindsByCategoryAndShortName() throws Exception {
    assertThat(kubectl(null, "apply", "-f", "../examples/churn/").code).isZero();
    Result all = kubectl(null, "get", "modelops");
    assertThat(all.output).contains("experiment.modelops.dev/churn-baseline", "modelversion.modelops.dev/churn-v1", "driftpolicy.modelops.dev/churn-drift");
    assertThat(kubectl(null, "get", "exp,mv,dp").code).isZero();
    assertThat(kubectl(null, "explain", "experiment.spec.search").output).contains("parallelTrials");
    Result scale = kubectl(null, "scale", "mv/churn-v1", "--replicas=3");
    assertThat(scale.code).as(scale.output).isZero();
    assertThat(kubectl(null, "get", "mv", "churn-v1", "-o", "jsonpath={.spec.serving.replicas}").output).isEqualTo("3");
  }

  /** How many errors kubectl's message holds (the API server's note that some rules were skipped is not one). */
  static int errors(String output) {
    Matcher m = ERROR.matcher(output);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** Whether every value of {@code part} is in {@code whole} (numbers compared by value; the server may add fields, never drop or change one). */
  static boolean contains(JsonNode whole, JsonNode part) {
    if (part.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = part.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!whole.has(e.getKey()) || !contains(whole.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
      return whole.isObject();
    }
    if (part.isArray()) {
      if (!whole.isArray() || whole.size() != part.size()) {
        return false;
      }
      for (int i = 0; i < part.size(); i++) {
        if (!contains(whole.get(i), part.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (part.isNumber()) {
      return whole.isNumber() && whole.decimalValue().compareTo(part.decimalValue()) == 0;
    }
    return part.equals(whole);
  }
}
