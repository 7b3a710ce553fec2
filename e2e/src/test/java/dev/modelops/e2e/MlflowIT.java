package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.Condition;
import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.TrialResult;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OperatorMain;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.serving.MlflowRegistry;
import dev.modelops.testing.Cluster;
import dev.modelops.testing.KubeExtension;
import dev.modelops.tracking.MlflowClient;
import dev.modelops.trainer.TrainerMain;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * MLflow as its users run it (the `mlflow` server from PyPI, SQLite store, served artifacts): the
 * trainer logs a trial as a run (parameters, metrics, tags, the bundle's manifest as an artifact);
 * the operator keeps the registry in step with the ModelVersions (the alias production follows the
 * traffic); an MLflow that cannot be reached never fails a trial or holds up serving, is reported
 * in status, and is caught up with once it is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MlflowIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NS = "tracking";
  @TempDir static Path tmp;
  static MlflowProcess mlflow;
  static MlflowClient client;
  static String runId;

  @RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces(NS);

  @BeforeAll
  static void start() throws Exception {
    if (!MlflowProcess.available()) {
      Assumptions.assumeTrue(System.getenv("MODELOPS_REQUIRE_MLFLOW") == null,
          "MODELOPS_REQUIRE_MLFLOW is set but there is no MLflow in " + MlflowProcess.VENV + " (tools/mlflow/mlflow-venv.sh makes it)");
      // CI sets MODELOPS_REQUIRE_MLFLOW once it has made the venv: there the assumption above fails the class.
      Assumptions.abort("no MLflow in " + MlflowProcess.VENV + "; run tools/mlflow/mlflow-venv.sh");
    }
    mlflow = MlflowProcess.start(Files.createDirectories(tmp.resolve("mlflow")));
    client = MlflowClient.of(mlflow.url);
  }

  @AfterAll
  static void stop() throws Exception {
    if (mlflow != null) {
      mlflow.close();
    }
  }

  static TrialResult train(Path output, Map<String, String> env) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainerMain.run(new String[] {"--experiment", "../examples/churn/experiment.yaml", "--param", "max_depth=3", "--param", "eta=0.2",
        "--output", output.toString()}, new PrintStream(out), new PrintStream(err), Path.of("../examples").toAbsolutePath().normalize(), env);
    assertThat(code).as("trainer: %s", err.toString(StandardCharsets.UTF_8)).isZero();
    return TrialResult.parse(TrialResult.lastLine(out.toString(StandardCharsets.UTF_8))).orElseThrow();
  }

  @Test
  @Order(1)
  void aTrialIsLoggedAsARunWithItsParametersMetricsTagsAndManifest() throws Exception {
    Path bundle = tmp.resolve("bundle-t0");
    TrialResult result = train(bundle, Map.of("MLFLOW_TRACKING_URI", mlflow.url, "MLFLOW_EXPERIMENT_NAME", NS + "/churn-baseline",
        "MODELOPS_TRIAL", "churn-baseline-t0"));
    assertThat(result.message()).as("nothing to report").isNull();

    String experimentId = client.findExperiment(NS + "/churn-baseline").orElseThrow();
    List<String> runs = client.runsTagged(experimentId, "modelops.dev/trial", "churn-baseline-t0");
    assertThat(runs).hasSize(1);
    runId = runs.get(0);
    JsonNode run = client.run(runId);
    assertThat(run.path("info").path("status").asText()).isEqualTo("FINISHED");
    assertThat(run.path("info").path("run_name").asText()).isEqualTo("churn-baseline-t0");
    Map<String, String> params = pairs(run.path("data").path("params"));
    assertThat(params).containsEntry("max_depth", "3").containsEntry("eta", "0.2");
    Map<String, String> metrics = pairs(run.path("data").path("metrics"));
    assertThat(Double.parseDouble(metrics.get("roc_auc"))).isEqualTo(result.metrics().get("roc_auc"));
    Map<String, String> tags = pairs(run.path("data").path("tags"));
    String manifest = Files.readString(bundle.resolve(ModelBundle.MANIFEST));
    assertThat(tags).containsEntry("modelops.dev/experiment", NS + "/churn-baseline")
        .containsEntry("modelops.dev/bundle-uri", result.bundleUri())
        .containsEntry("modelops.dev/data-sha256", JSON.readTree(manifest).path("data").path("sha256").asText());

    // The manifest, as an artifact of the run, through the tracking server.
    HttpResponse<String> listed = get("/api/2.0/mlflow/artifacts/list?run_id=" + runId);
    assertThat(listed.body()).contains("manifest.json");
    String artifactUri = run.path("info").path("artifact_uri").asText();
    HttpResponse<String> file = get("/api/2.0/mlflow-artifacts/artifacts/" + artifactUri.substring("mlflow-artifacts:/".length()).replaceAll("^/+", "")
        + "/manifest.json");
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(file.body())).isEqualTo(JSON.readTree(manifest));
  }

  @Test
  @Order(2)
  void anUnreachableMlflowNeverFailsATrialAndTheResultSaysSo() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    TrialResult result = train(tmp.resolve("bundle-t1"), Map.of("MLFLOW_TRACKING_URI", "http://127.0.0.1:" + closed,
        "MLFLOW_EXPERIMENT_NAME", NS + "/churn-baseline", "MODELOPS_TRIAL", "churn-baseline-t1"));
    assertThat(result.ok()).isTrue();
    assertThat(result.message()).contains("not logged to MLflow", "unreachable", "127.0.0.1:" + closed);
  }

  @Test
  @Order(3)
  void theRegistryFollowsTheModelVersionsAndTheProductionAliasFollowsTheTraffic() throws Exception {
    OperatorSettings settings = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts").withMlflow(mlflow.url);
    Operator operator = OperatorMain.create(kube.newClient(), settings, Set.of(NS), null, false, new SimpleMeterRegistry());
    operator.start();
    KubernetesClient k = kube.client();
    String registered = NS + ".churn";
    try {
      create(k, 1, ModelVersionSpec.Stage.Production, Map.of(Labels.EXPERIMENT, "churn-baseline", Labels.TRIAL, "churn-baseline-t0"));
      makeReady(k, "churn-v1");
      ModelVersionStatus s1 = await(k, "churn-v1", s -> tracked(s, "alias production"));
      assertThat(tracked(s1).getMessage()).contains("MLflow registered model " + registered + " version 1");
      assertThat(client.alias(registered, MlflowRegistry.PRODUCTION_ALIAS)).contains("1");
      JsonNode v1 = getJson("/api/2.0/mlflow/model-versions/get?name=" + registered + "&version=1").path("model_version");
      assertThat(v1.path("run_id").asText()).as("linked to the run of the trial that made it").isEqualTo(runId);
      assertThat(v1.path("source").asText()).isEqualTo("pvc://modelops-artifacts/" + NS + "/churn/t1");

      create(k, 2, ModelVersionSpec.Stage.Production, Map.of());
      makeReady(k, "churn-v2");
      await(k, "churn-v2", s -> tracked(s, "alias production"));
      assertThat(client.alias(registered, MlflowRegistry.PRODUCTION_ALIAS)).as("the alias moved with the traffic").contains("2");
      await(k, "churn-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Superseded && tracked(s, "stage Production"));

      // MLflow goes away: a new version is served all the same, its status says MLflow could not be reached.
      mlflow.stop();
      create(k, 3, ModelVersionSpec.Stage.Staging, Map.of());
      makeReady(k, "churn-v3");
      ModelVersionStatus down = await(k, "churn-v3", s -> s.getPhase() == ModelVersionStatus.Phase.Serving
          && Conditions.find(s.getConditions(), MlflowRegistry.TRACKED) != null && "False".equals(tracked(s).getStatus()));
      assertThat(tracked(down).getReason()).isEqualTo("MlflowUnavailable");
      assertThat(tracked(down).getMessage()).contains("unreachable", "serving is not affected");
      // Back again: caught up with, without a change to the version.
      mlflow.start();
      ModelVersionStatus up = await(k, "churn-v3", s -> tracked(s, "stage Staging"));
      assertThat(tracked(up).getMessage()).contains("version 3");
      assertThat(client.versions(registered)).hasSize(3)
          .anySatisfy(v -> assertThat(v.tags()).containsEntry("modelops.dev/modelversion", "churn-v3").containsEntry("modelops.dev/stage", "Staging"));
    } finally {
      operator.stop();
    }
  }

  static void create(KubernetesClient k, int version, ModelVersionSpec.Stage stage, Map<String, String> labels) {
    ModelVersion mv = new ModelVersion();
    mv.setMetadata(new ObjectMetaBuilder().withName("churn-v" + version).withNamespace(NS).withLabels(labels).build());
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel("churn");
    spec.setVersion(version);
    ModelVersionSpec.Artifact a = new ModelVersionSpec.Artifact();
    a.setUri("pvc://modelops-artifacts/" + NS + "/churn/t" + version);
    spec.setArtifact(a);
    spec.setStage(stage);
    mv.setSpec(spec);
    k.resource(mv).create();
  }

  static void makeReady(KubernetesClient k, String name) {
    Deployment d = k.apps().deployments().inNamespace(NS).withName(name).waitUntilCondition(x -> x != null, 60, TimeUnit.SECONDS);
    Cluster.makeReady(k, d, d.getSpec().getReplicas());
  }

  static ModelVersionStatus await(KubernetesClient k, String name, Predicate<ModelVersionStatus> test) {
    return k.resources(ModelVersion.class).inNamespace(NS).withName(name)
        .waitUntilCondition(v -> v != null && v.getStatus() != null && test.test(v.getStatus()), 90, TimeUnit.SECONDS).getStatus();
  }

  static Condition tracked(ModelVersionStatus s) {
    return Conditions.find(s.getConditions(), MlflowRegistry.TRACKED);
  }

  static boolean tracked(ModelVersionStatus s, String state) {
    Condition c = tracked(s);
    return c != null && "True".equals(c.getStatus()) && c.getMessage().endsWith(state);
  }

  static Map<String, String> pairs(JsonNode list) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    list.forEach(p -> m.put(p.path("key").asText(), p.path("value").asText()));
    return m;
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(mlflow.url + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode getJson(String path) throws Exception {
    return JSON.readTree(get(path).body());
  }
}
