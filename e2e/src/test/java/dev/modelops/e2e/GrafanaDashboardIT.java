package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.OperatorMain;
import dev.modelops.operator.OperatorProbes;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.testing.Cluster;
import dev.modelops.testing.KubeExtension;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's Grafana dashboard (helm/modelops/dashboards/modelops.json) against a real
 * Prometheus (Debian's package) scraping a real model server and the real operator's /metrics:
 * the operator (all three reconcilers) serves churn-v1 in Production and runs the example
 * DriftPolicy, which retrains on drifted traffic; the server gets labelled feedback. Every
 * panel's query, with the dashboard's variables set to the namespace and model found through the
 * variables' own queries, must run and return series. An admission policy refuses the model
 * servers of another model, so the operator has reconcile errors to show too.
 */
class GrafanaDashboardIT {
  static final String NS = "dash";
  static final Path DASHBOARD = Path.of("../helm/modelops/dashboards/modelops.json");
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  static final HttpClient http = HttpClient.newHttpClient();
  static OperatorProbes probes;
  static ModelServerProcess server;

  @TempDir static Path tmp;

  @RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces(NS).operator(own -> {
    Operator operator = OperatorMain.create(own, new OperatorSettings("trainer:test", "server:test", KubeExtension.ARTIFACTS_CLAIM),
        Set.of(NS), null, false, registry);
    try {
      probes = new OperatorProbes(0, operator, registry);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    operator.start();
    probes.markStarted();
    return () -> {
      probes.close();
      operator.stop();
    };
  });

  static final String REFUSE_BROKEN = """
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicy
      metadata:
        name: refuse-broken
      spec:
        failurePolicy: Fail
        matchConstraints:
          resourceRules:
            - apiGroups: [apps]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [deployments]
        validations:
          - expression: "!object.metadata.name.startsWith('broken-')"
            message: the test refuses the model servers of model broken
      ---
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingAdmissionPolicyBinding
      metadata:
        name: refuse-broken
      spec:
        policyName: refuse-broken
        validationActions: [Deny]
      """;

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyPanelQueryReturnsSeriesFromTheModelServersAndTheOperator() throws Exception {
    if (System.getenv("MODELOPS_REQUIRE_PROMETHEUS") == null) {
      assumeTrue(PrometheusProcess.available(), "Prometheus is not installed at " + PrometheusProcess.BINARY + " (apt-get install prometheus)");
    }
    KubernetesClient client = kube.client();
    // An admission policy refuses the model servers of model "broken": its version's reconciles fail.
    client.load(new java.io.ByteArrayInputStream(REFUSE_BROKEN.getBytes(StandardCharsets.UTF_8))).createOrReplace();
    KubeApiServer.claim(client, NS, "data");

    Path bundle = ModelServerProcess.trainChurn(tmp);
    List<Map<String, Object>> rows = ModelServerProcess.churnRecords(bundle);
    server = ModelServerProcess.start(bundle, tmp, Map.of("MODEL_DRIFT_WINDOW", "500"));

    // churn-v1 in Production: the operator deploys it; the test plays the kubelet.
    ModelVersion mv = YAML.readValue(Path.of("../examples/churn/modelversion.yaml").toFile(), ModelVersion.class);
    mv.getMetadata().setNamespace(NS);
    client.resource(mv).create();
    Deployment d = client.apps().deployments().inNamespace(NS).withName("churn-v1").waitUntilCondition(x -> x != null, 30, TimeUnit.SECONDS);
    Cluster.makeReady(client, d, d.getSpec().getReplicas());
    Cluster.runPod(client, NS, "churn-v1-" + server.port, Map.of("modelops.dev/model", "churn", "modelops.dev/version", "1"), "model-server",
        "server:test", server.port);
    client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1")
        .waitUntilCondition(v -> v.getStatus() != null && v.getStatus().getPhase() == ModelVersionStatus.Phase.Serving, 60, TimeUnit.SECONDS);

    // Drifted traffic (month-to-month contracts only) with true labels for 300 of the answers.
    List<Integer> truth = ModelServerProcess.churnLabels();
    List<Integer> drifted = IntStream.range(0, rows.size()).filter(i -> "Month-to-month".equals(rows.get(i).get("contract"))).limit(1000).boxed().toList();
    List<JsonNode> answers = server.answers(drifted.stream().map(rows::get).toList());
    List<Map<String, Object>> labels = new ArrayList<>();
    for (int k = 0; k < 300; k++) {
      labels.add(Map.of("id", answers.get(k).path("id").asText(), "label", truth.get(drifted.get(k))));
    }
    assertThat(server.feedback(labels)).isEqualTo(300);

    // A version the admission policy refuses to serve: the operator's reconcile errors.
    ModelVersion broken = YAML.readValue(Path.of("../examples/churn/modelversion.yaml").toFile(), ModelVersion.class);
    broken.getMetadata().setNamespace(NS);
    broken.getMetadata().setName("broken-v1");
    broken.getSpec().setModel("broken");
    client.resource(broken).create();

    // The template Experiment and the example policy, which evaluates at once and retrains.
    Experiment template = YAML.readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    template.getMetadata().setNamespace(NS);
    client.resource(template).create();
    DriftPolicy policy = YAML.readValue(Path.of("../examples/churn/drift-policy.yaml").toFile(), DriftPolicy.class);
    policy.getMetadata().setNamespace(NS);
    client.resource(policy).create();
    client.resources(DriftPolicy.class).inNamespace(NS).withName("churn-drift").waitUntilCondition(
        p -> p.getStatus() != null && p.getStatus().getRetrainCount() != null && p.getStatus().getRetrainCount() >= 1, 60, TimeUnit.SECONDS);

    Map<Integer, Map<String, String>> servers = Map.of(server.metricsPort(), Map.of("namespace", NS, "pod", "churn-v1-" + server.port));
    try (PrometheusProcess prometheus = PrometheusProcess.start(Files.createDirectories(tmp.resolve("prometheus")), servers, List.of(probes.port()))) {
      JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
      // The variables, as Grafana would fill them: from their own label_values queries.
      Map<String, String> variables = new LinkedHashMap<>();
      variables.put("__rate_interval", "1m");
      variables.put("__range", "5m");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (labelValues(prometheus, "model_served", "namespace").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
      assertThat(labelValues(prometheus, "model_served", "namespace")).as("$namespace's values").contains(NS);
      variables.put("namespace", NS);
      assertThat(labelValues(prometheus, substitute(variable(dashboard, "model"), variables), "model")).as("$model's values").contains("churn");
      variables.put("model", "churn");

      List<String> failures = List.of();
      List<String[]> queries = queries(dashboard);
      assertThat(queries).hasSizeGreaterThanOrEqualTo(12);
      while (System.nanoTime() < deadline) {
        failures = new ArrayList<>();
        for (String[] q : queries) {
          String expr = substitute(q[1], variables);
          assertThat(expr).as("every variable of %s is set", q[0]).doesNotContain("$");
          JsonNode answer = query(prometheus, expr);
          if (!"success".equals(answer.path("status").asText())) {
            failures.add(q[0] + ": " + expr + " failed: " + answer.path("error").asText());
          } else if (answer.path("data").path("result").isEmpty()) {
            failures.add(q[0] + ": " + expr + " returned no series");
          }
        }
        if (failures.isEmpty()) {
          break;
        }
        Thread.sleep(1000);
      }
      assertThat(failures).as("panel queries that failed or returned nothing; the operator's metrics:\n%s",
          registry.scrape().lines().filter(l -> l.startsWith("operator_sdk_reconciliations") || l.startsWith("modelops_")).toList()).isEmpty();
    }
  }

  /** [panel title, expr] of every target of every panel, rows' panels included. */
  static List<String[]> queries(JsonNode dashboard) {
    List<String[]> out = new ArrayList<>();
    List<JsonNode> panels = new ArrayList<>();
    dashboard.path("panels").forEach(p -> {
      panels.add(p);
      p.path("panels").forEach(panels::add);
    });
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        out.add(new String[] {p.path("title").asText(), t.path("expr").asText()});
      }
    }
    return out;
  }

  /** The series selector inside a label_values(selector, label) variable query. */
  static String variable(JsonNode dashboard, String name) {
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if (name.equals(v.path("name").asText())) {
        String q = v.path("query").path("query").asText();
        assertThat(q).startsWith("label_values(");
        return q.substring("label_values(".length(), q.lastIndexOf(','));
      }
    }
    throw new AssertionError("no variable " + name);
  }

  /** Grafana's substitution: $name and ${name}, longest names first. */
  static String substitute(String expr, Map<String, String> variables) {
    String out = expr;
    for (String name : variables.keySet().stream().sorted((a, b) -> b.length() - a.length()).toList()) {
      out = out.replace("${" + name + "}", variables.get(name)).replace("$" + name, variables.get(name));
    }
    return out;
  }

  static List<String> labelValues(PrometheusProcess prometheus, String selector, String label) throws Exception {
    JsonNode answer = get(prometheus, "/api/v1/label/" + label + "/values?match[]=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
    assertThat(answer.path("status").asText()).as("label values of %s: %s", selector, answer).isEqualTo("success");
    List<String> out = new ArrayList<>();
    answer.path("data").forEach(v -> out.add(v.asText()));
    return out;
  }

  static JsonNode query(PrometheusProcess prometheus, String expr) throws Exception {
    return get(prometheus, "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
  }

  static JsonNode get(PrometheusProcess prometheus, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prometheus.url + path)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }
}
