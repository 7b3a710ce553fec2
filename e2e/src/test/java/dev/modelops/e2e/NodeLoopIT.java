package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.testing.Cluster;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop in real Pods on a real node ({@link KubeNode}: upstream Kubernetes in a
 * k3s-compatible container started by Testcontainers): the Helm chart installs the operator
 * image with its RBAC; the churn data sits on a real PersistentVolume; the quickstart's
 * Experiment runs trial Pods of the trainer image; the best trial becomes a ModelVersion served
 * by model-server Pods behind a Service; predictions go through the Service's ClusterIP
 * (kube-proxy); month-to-month customers drift the contract feature; the DriftPolicy retrains;
 * the new version goes through a Shadow analysis judged on the feedback labels of a client that
 * sends requests through the Service without pause, and is promoted on its better live accuracy.
 * It prints what it measured (node start, first trial Pod, drift to serving, the analysis, memory,
 * the promotion's failed requests and p99) for docs/benchmarks.md and docs/rollouts.md.
 */
class NodeLoopIT {
  static final String NS = "default";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path HELM = Path.of(System.getenv().getOrDefault("HELM_BINARY", System.getProperty("user.home") + "/.cache/modelops/helm/v3.17.3/helm"));

  @TempDir Path tmp;
  KubernetesClient client;
  KubeNode node;
  /** The stable Service's URL (its ClusterIP), and the records the load client sends. */
  String service;
  Path loadRecords;
  final Map<String, Object> figures = new LinkedHashMap<>();

  @Test
  void driftRetrainsAndPromotesInRealPodsWhileTheServiceKeepsAnswering() throws Exception {
    List<Path> images = List.of(Podman.archiveOrSkip("operator"), Podman.archiveOrSkip("trainer-job"), Podman.archiveOrSkip("model-server"));
    if (!Files.isExecutable(HELM)) {
      Assertions.assertTrue(System.getenv("MODELOPS_REQUIRE_HELM") == null && System.getenv("MODELOPS_REQUIRE_NODE") == null,
          "helm is not at " + HELM + ", and MODELOPS_REQUIRE_HELM or MODELOPS_REQUIRE_NODE says the node test must run");
      Assumptions.abort("helm is not at " + HELM + "; build it with `bash tools/helm/helm-binary.sh`");
    }
    Map<String, String> sysctls = KubeNode.hostSysctls();
    long start = System.nanoTime();
    node = KubeNode.startOrSkip(images);
    String containerId = node.getContainerId();
    figure("node start to Ready (container start, 3 image archives imported, node Ready)", seconds(start));
    try {
      client = node.client();
      theLoop();
      threePromotionsInARow();
      rolloutsOnEvidence();
      node.residentMemory().forEach((k, v) -> figure("resident memory, " + k + " (MiB)", v));
    } catch (Throwable t) {
      System.out.println(node.componentLogs(40));
      throw t;
    } finally {
      Path out = Path.of("target", "node-loop-figures.txt");
      Files.createDirectories(out.getParent());
      Files.write(out, figures.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
      figures.forEach((k, v) -> System.out.println("node-loop: " + k + ": " + v));
      if (client != null) {
        client.close();
      }
      node.stopGracefully();
    }
    // Stopping the node left the host as it was: the kernel settings, and no cgroup of the container.
    assertThat(KubeNode.hostSysctls()).isEqualTo(sysctls);
    try (var cgroups = Files.find(Path.of("/sys/fs/cgroup"), 3, (p, a) -> p.getFileName().toString().contains(containerId))) {
      assertThat(cgroups.toList()).as("cgroups of the stopped node").isEmpty();
    }
  }

  void theLoop() throws Exception {
    Path kubeconfig = node.kubeconfig(tmp);
    long t = System.nanoTime();
    run(List.of(HELM.toString(), "install", "modelops", "../helm/modelops", "--namespace", "modelops-system", "--create-namespace",
        "--wait", "--timeout", "5m", "--kubeconfig", kubeconfig.toString()));
    figure("helm install --wait (operator Ready)", seconds(t));

    // The claims of examples/cluster, on the node's default StorageClass; the data on claim "data".
    try (var in = Files.newInputStream(Path.of("../examples/cluster/storage.yaml"))) {
      client.load(in).inNamespace(NS).create();
    }
    for (String file : List.of("telco-churn.csv", "telco-churn-yearly.csv")) {
      node.copyIntoClaim(client, NS, "data", Path.of("../examples/data", file), file);
    }

    // The quickstart's Experiment: trial Pods of the trainer image train on the yearly customers.
    Experiment exp = YAML.readValue(Path.of("../examples/quickstart/experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setNamespace(NS);
    t = System.nanoTime();
    client.resource(exp).create();
    long applied = t;
    until("a trial Pod is Running", 120, () -> client.pods().inNamespace(NS).withLabel("modelops.dev/experiment", "churn-baseline").list().getItems()
        .stream().anyMatch(p -> "Running".equals(p.getStatus().getPhase()) || "Succeeded".equals(p.getStatus().getPhase())), 50);
    figure("Experiment applied to first trial Pod Running", seconds(applied));
    version("churn-v1", ModelVersionStatus.Phase.Serving, 480);
    // Serving with its first ready replica; the stable Service follows once both are ready.
    ModelVersion v1 = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1").waitUntilCondition(
        m -> m.getStatus() != null && Boolean.TRUE.equals(m.getStatus().getReceivesProductionTraffic()), 120, TimeUnit.SECONDS);
    figure("Experiment applied to churn-v1 receiving the Service's traffic (2 trials, 2 replicas ready)", seconds(applied));
    assertThat(v1.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    Experiment done = client.resources(Experiment.class).inNamespace(NS).withName("churn-baseline").get();
    assertThat(done.getStatus().getTrials()).allSatisfy(trial -> assertThat(trial.getPhase()).isEqualTo(ExperimentStatus.TrialPhase.Succeeded));
    List<Pod> trialPods = client.pods().inNamespace(NS).withLabel("modelops.dev/experiment", "churn-baseline").list().getItems();
    assertThat(trialPods).isNotEmpty().allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage())
        .isEqualTo("modelops/trainer-job:" + Podman.VERSION));

    // Predictions through the Service's ClusterIP, from inside the node's network.
    service = "http://" + client.services().inNamespace(NS).withName("churn").get().getSpec().getClusterIP() + ":8080";
    List<Map<String, Object>> everyone = records(exp.getSpec(), r -> true);
    JsonNode answers = predict(service, everyone.subList(0, 200));
    assertThat(answers).hasSize(200).allSatisfy(a -> assertThat(a.path("probability").asDouble(-1)).isBetween(0.0, 1.0));

    // Month-to-month customers arrive; the policy sees the contract feature drift and retrains on everyone.
    predict(service, records(exp.getSpec(), r -> "Month-to-month".equals(r.get("contract"))).subList(0, 600));
    // A retrain shall reach Production only on evidence from live traffic: the rollout of the
    // versions the policy's retrain registers is the template Experiment's register.rollout (the
    // retrain is a copy of churn-baseline made when it starts), set here as a user would
    // (kubectl edit) before the policy exists. churn-v1 was registered before: Direct.
    client.resources(Experiment.class).inNamespace(NS).withName("churn-baseline").edit(e -> {
      e.getSpec().getRegister().setRollout(retrainRollout());
      return e;
    });
    DriftPolicy policy = YAML.readValue(Path.of("../examples/quickstart/drift-policy.yaml").toFile(), DriftPolicy.class);
    policy.getMetadata().setNamespace(NS);
    client.resource(policy).create();
    DriftPolicy retraining = policy(s -> !s.getRetrains().isEmpty(), 180);
    long drifted = System.nanoTime();
    assertThat(retraining.getStatus().getRetrains().get(0).getReason()).contains("contract");
    String retrain = retraining.getStatus().getRetrains().get(0).getExperiment();
    // The operator is killed (SIGKILL) while the retrain runs: its successor resumes it, with no
    // second retrain and no version lost or registered twice (checked below).
    killOperator();

    // During the promotion a client sends requests through the Service without pause, and each
    // answer's true label (the customer's churn) a second later as feedback: the evidence of the
    // retrain's shadow analysis.
    Path stop = tmp.resolve("stop-load");
    loadRecords = tmp.resolve("load.json");
    List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, everyone.size()).boxed().toList());
    Collections.shuffle(order, new Random(5));
    List<Map<String, Object>> shuffled = order.stream().map(everyone::get).toList();
    List<Integer> everyonesLabels = labels(exp.getSpec(), r -> true);
    Path loadLabels = tmp.resolve("load-labels.json");
    JSON.writeValue(loadRecords.toFile(), shuffled.subList(0, 500));
    JSON.writeValue(loadLabels.toFile(), order.subList(0, 500).stream().map(everyonesLabels::get).toList());
    Process load = node.inNodeNetwork(javaCommand("load", service, loadRecords.toString(), stop.toString(), "900", loadLabels.toString()))
        .redirectError(tmp.resolve("load.err").toFile()).start();

    // churn-v2 is analysed against churn-v1 on the mirrored requests, then promoted on evidence.
    ModelVersion analysing = version("churn-v2", "Analysing", 600, m -> m.getStatus().getPhase() == ModelVersionStatus.Phase.Analysing);
    long analysed = System.nanoTime();
    figure("drift detected to churn-v2 Analysing (retrain; the operator killed once meanwhile)", seconds(drifted));
    assertThat(analysing.getStatus().getAnalysis().getStrategy()).isEqualTo("Shadow");
    assertThat(analysing.getStatus().getAnalysis().getBaseline()).isEqualTo("churn-v1");
    ModelVersion judged = version("churn-v2", "promoted or rejected", 600, m -> Boolean.TRUE.equals(m.getStatus().getReceivesProductionTraffic())
        || m.getStatus().getPhase() == ModelVersionStatus.Phase.Rejected);
    figure("churn-v2 Analysing to receiving the Service's traffic", seconds(analysed));
    figure("drift detected to churn-v2 receiving the Service's traffic, through its shadow analysis", seconds(drifted));
    ModelVersionStatus.Analysis analysis = judged.getStatus().getAnalysis();
    figure("churn-v2's shadow analysis", analysis.getMessage());
    figure("churn-v2's shadow analysis: rows compared / labelled", analysis.getSamples() + " / " + analysis.getLabels());
    assertThat(analysis.getResult()).as("churn-v2's analysis: %s", judged.getStatus().getMessage()).isEqualTo("Passed");
    assertThat(analysis.getChecks()).filteredOn(c -> c.getName().equals("accuracy")).singleElement().satisfies(c -> {
      figure("churn-v2's live accuracy minus churn-v1's on the labelled rows both answered", c.getValue());
      assertThat(c.getValue()).as("churn-v2's live accuracy minus churn-v1's").isGreaterThan(0);
    });
    assertThat(analysis.getLabels()).isGreaterThanOrEqualTo(retrainRollout().getAnalysis().getMinLabels().longValue());
    ModelVersion v2 = version("churn-v2", ModelVersionStatus.Phase.Serving, 120);
    version("churn-v1", ModelVersionStatus.Phase.Superseded, 120);
    assertThat(client.services().inNamespace(NS).withName("churn").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "2");
    until("churn-v1's Pods are gone", 120, () -> client.pods().inNamespace(NS).withLabel("modelops.dev/version", "1").list().getItems().isEmpty(), 200);
    Thread.sleep(2000);
    Files.writeString(stop, "done");
    assertThat(load.waitFor(60, TimeUnit.SECONDS)).as("the load client stopped").isTrue();
    JsonNode result = JSON.readTree(load.getInputStream().readAllBytes());
    figure("promotion under load: requests", result.path("requests").asLong());
    figure("promotion under load: failed requests", result.path("failures").asLong() + " " + result.path("failureKinds"));
    figure("promotion under load: p50 / p99 / max (ms)", result.path("p50Millis").asDouble() + " / " + result.path("p99Millis").asDouble()
        + " / " + result.path("maxMillis").asDouble());
    JsonNode feedback = result.path("labels");
    figure("promotion under load: feedback labels sent / accepted (of them on another try) / never accepted / failed",
        feedback.path("sent").asLong() + " / " + feedback.path("accepted").asLong() + " (" + feedback.path("acceptedOnAnotherTry").asLong() + ") / "
            + feedback.path("neverAccepted").asLong() + " / " + feedback.path("failed").asLong() + " " + feedback.path("failureKinds"));

    assertThat(v2.getSpec().getSource().getExperiment()).isEqualTo(retrain);
    assertThat(v2.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    assertThat(v2.getSpec().getMetrics().get("roc_auc")).isGreaterThan(v1.getSpec().getMetrics().get("roc_auc"));
    assertThat(predict(service, everyone.subList(200, 300))).hasSize(100);
    assertThat(result.path("requests").asLong()).as("requests sent during the promotion").isGreaterThan(100);
    assertThat(result.path("failures").asLong()).as("requests that failed during the promotion: %s", result.path("failureKinds")).isZero();
    assertThat(result.path("refusedConnections").asLong()).as("connections refused during the promotion").isZero();

    // The policy follows v2; on the new population (everyone) it is healthy, and it retrained once.
    policy(s -> "churn-v2".equals(s.getModelVersion()), 60);
    predict(service, shuffled.subList(0, 600));
    DriftPolicy healthy = policy(s -> "churn-v2".equals(s.getModelVersion()) && s.getState() == DriftPolicyStatus.State.Healthy
        && s.getChecks().stream().anyMatch(c -> c.getSamples() != null && c.getSamples() >= 600), 120);
    assertThat(healthy.getStatus().getRetrainCount()).isEqualTo(1);
    assertThat(client.resources(ModelVersion.class).inNamespace(NS).list().getItems()).extracting(m -> m.getMetadata().getName())
        .containsExactlyInAnyOrder("churn-v1", "churn-v2");
    assertThat(client.resources(Experiment.class).inNamespace(NS).list().getItems()).extracting(e -> e.getMetadata().getName())
        .containsExactlyInAnyOrder("churn-baseline", retrain);
  }

  /**
   * Three promotions in a row (churn-v3, v4, v5 of v2's bundle, each set to Production once the
   * previous one took the traffic and its predecessor's Pods are gone; v5 with a Shadow rollout,
   * so v4's Pods roll to mirror their requests to it before it is promoted) while one client sends
   * requests through the Service without pause: none may fail.
   */
  void threePromotionsInARow() throws Exception {
    ModelVersion v2 = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v2").get();
    Path stop = tmp.resolve("stop-promotions");
    Process load = node.inNodeNetwork(javaCommand("load", service, loadRecords.toString(), stop.toString(), "900"))
        .redirectError(tmp.resolve("promotions.err").toFile()).start();
    long t = System.nanoTime();
    for (int version = 3; version <= 5; version++) {
      ModelVersion mv = new ModelVersion();
      mv.getMetadata().setName("churn-v" + version);
      mv.getMetadata().setNamespace(NS);
      mv.setSpec(v2.getSpec());
      mv.getSpec().setVersion(version);
      mv.getSpec().setSource(null);
      mv.getSpec().setStage(ModelVersionSpec.Stage.Production);
      // Direct (v2's rollout, the retrain's, needs labels this load does not send), but the last
      // one on evidence: churn-v4's servers mirror the Service's requests to it (through the
      // cluster's DNS) until 200 rows compared agree, then it is promoted.
      mv.getSpec().setRollout(version == 5 ? shadowRollout() : null);
      client.resource(mv).create();
      int previous = version - 1;
      String name = mv.getMetadata().getName();
      until(name + " takes the traffic", 180, () -> {
        ModelVersion now = client.resources(ModelVersion.class).inNamespace(NS).withName(name).get();
        return now != null && now.getStatus() != null && Boolean.TRUE.equals(now.getStatus().getReceivesProductionTraffic());
      }, 200);
      if (version == 4) {
        // The operator is killed (SIGKILL) in the middle of this promotion.
        killOperator();
      }
      until("churn-v" + previous + "'s Pods are gone", 120,
          () -> client.pods().inNamespace(NS).withLabel("modelops.dev/version", Integer.toString(previous)).list().getItems().isEmpty(), 200);
    }
    Thread.sleep(2000);
    Files.writeString(stop, "done");
    assertThat(load.waitFor(60, TimeUnit.SECONDS)).as("the load client stopped").isTrue();
    JsonNode result = JSON.readTree(load.getInputStream().readAllBytes());
    figure("three promotions in a row (v3, v4, v5, each drained), wall time", seconds(t));
    figure("three promotions under load: requests / failed", result.path("requests").asLong() + " / " + result.path("failures").asLong()
        + " " + result.path("failureKinds"));
    figure("three promotions under load: p50 / p99 / max (ms)", result.path("p50Millis").asDouble() + " / " + result.path("p99Millis").asDouble()
        + " / " + result.path("maxMillis").asDouble());
    assertThat(client.services().inNamespace(NS).withName("churn").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "5");
    ModelVersion v5 = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v5").get();
    figure("churn-v5's shadow analysis", v5.getStatus().getAnalysis().getMessage());
    assertThat(v5.getStatus().getAnalysis().getResult()).isEqualTo("Passed");
    assertThat(v5.getStatus().getAnalysis().getSamples()).isGreaterThanOrEqualTo(200);
    assertThat(v5.getStatus().getAnalysis().getChecks()).filteredOn(c -> c.getName().equals("classDisagreement")).singleElement()
        .satisfies(c -> assertThat(c.getValue()).as("the same model mirrored").isZero());
    assertThat(result.path("requests").asLong()).as("requests sent during the promotions").isGreaterThan(100);
    assertThat(result.path("failures").asLong()).as("requests that failed during the promotions: %s", result.path("failureKinds")).isZero();
    assertThat(result.path("refusedConnections").asLong()).as("connections refused during the promotions").isZero();
    // Each version took the traffic once: no double switch, also across the operator's restart.
    for (int version = 3; version <= 5; version++) {
      String name = "churn-v" + version;
      assertThat(Cluster.eventsOnce(client, NS, e -> name.equals(e.getInvolvedObject().getName()) && "Promoted".equals(e.getReason())))
          .as("Promoted events of " + name)
          .filteredOn(e -> name.equals(e.getInvolvedObject().getName()) && "Promoted".equals(e.getReason())).hasSize(1);
    }
  }

  /**
   * With churn-v5 serving and a client sending requests through the Service without pause: a
   * candidate trained in trial Pods on the churn data with its labels shuffled is mirrored to
   * (Shadow) and rejected with the failed check, churn-v5 keeping the traffic; then a Canary of
   * churn-v5's model answers half of the Service's requests before it is promoted. No request
   * fails. Then one server is killed under load.
   */
  void rolloutsOnEvidence() throws Exception {
    Path shuffled = ModelServerProcess.writeChurn(tmp.resolve("telco-churn-shuffled.csv"), true);
    node.copyIntoClaim(client, NS, "data", shuffled, "telco-churn-shuffled.csv");
    Experiment broken = YAML.readValue(Path.of("../examples/quickstart/experiment.yaml").toFile(), Experiment.class);
    broken.getMetadata().setName("churn-shuffled");
    broken.getMetadata().setNamespace(NS);
    broken.getSpec().getDataset().setUri("pvc://data/telco-churn-shuffled.csv");
    broken.getSpec().getSearch().setMaxTrials(1);
    broken.getSpec().getSearch().setParallelTrials(1);
    broken.getSpec().getRegister().setQualityGate(null);
    broken.getSpec().getRegister().setPromote(ExperimentSpec.PromotionMode.MANUAL);
    client.resource(broken).create();
    ModelVersion v6 = version("churn-v6", ModelVersionStatus.Phase.Registered, 300);
    assertThat(v6.getSpec().getSource().getExperiment()).isEqualTo("churn-shuffled");

    Path stop = tmp.resolve("stop-rollouts");
    Process load = node.inNodeNetwork(javaCommand("load", service, loadRecords.toString(), stop.toString(), "900"))
        .redirectError(tmp.resolve("rollouts.err").toFile()).start();
    long t = System.nanoTime();
    dev.modelops.api.v1alpha1.Rollout strict = shadowRollout();
    strict.getAnalysis().setMaxPredictionDivergence(0.2);
    client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v6").edit(m -> {
      m.getSpec().setStage(ModelVersionSpec.Stage.Production);
      m.getSpec().setRollout(strict);
      return m;
    });
    ModelVersion rejected = version("churn-v6", ModelVersionStatus.Phase.Rejected, 240);
    figure("shuffled-label candidate: set to Production to rejected", seconds(t));
    figure("shuffled-label candidate: why", rejected.getStatus().getMessage());
    // its probabilities sit near the base rate, its classes all "no churn": one of the two checks fails first
    assertThat(rejected.getStatus().getMessage()).containsAnyOf("predictionDivergence", "classDisagreement")
        .contains("production stays with churn-v5");
    assertThat(client.services().inNamespace(NS).withName("churn").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "5");

    ModelVersion v5 = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v5").get();
    ModelVersion canary = new ModelVersion();
    canary.getMetadata().setName("churn-v7");
    canary.getMetadata().setNamespace(NS);
    canary.setSpec(v5.getSpec());
    canary.getSpec().setVersion(7);
    dev.modelops.api.v1alpha1.Rollout steps = shadowRollout();
    steps.setStrategy(dev.modelops.api.v1alpha1.Rollout.Strategy.Canary);
    steps.setShare(null);
    steps.setSteps(List.of(50));
    canary.getSpec().setRollout(steps);
    t = System.nanoTime();
    client.resource(canary).create();
    until("churn-v7 takes the traffic", 240, () -> {
      ModelVersion now = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v7").get();
      return now != null && now.getStatus() != null && Boolean.TRUE.equals(now.getStatus().getReceivesProductionTraffic());
    }, 200);
    figure("canary (one step, 50%) created to promoted", seconds(t));
    until("churn-v5's Pods are gone", 120, () -> client.pods().inNamespace(NS).withLabel("modelops.dev/version", "5").list().getItems().isEmpty(), 200);
    Thread.sleep(2000);
    Files.writeString(stop, "done");
    assertThat(load.waitFor(60, TimeUnit.SECONDS)).as("the load client stopped").isTrue();
    JsonNode result = JSON.readTree(load.getInputStream().readAllBytes());
    ModelVersion v7 = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v7").get();
    figure("churn-v7's canary analysis", v7.getStatus().getAnalysis().getMessage());
    figure("rejected shadow and canary under load: requests / failed", result.path("requests").asLong() + " / " + result.path("failures").asLong()
        + " " + result.path("failureKinds"));
    figure("rejected shadow and canary under load: p50 / p99 / max (ms)", result.path("p50Millis").asDouble() + " / "
        + result.path("p99Millis").asDouble() + " / " + result.path("maxMillis").asDouble());
    assertThat(v7.getStatus().getAnalysis().getResult()).isEqualTo("Passed");
    assertThat(result.path("requests").asLong()).as("requests sent during the rollouts").isGreaterThan(100);
    assertThat(result.path("failures").asLong()).as("requests that failed during the rollouts: %s", result.path("failureKinds")).isZero();
    assertThat(result.path("refusedConnections").asLong()).as("connections refused during the rollouts").isZero();
    killAServerUnderLoad("7");
  }

  /** A Shadow rollout of the whole traffic, judged on 200 rows over at least 10 s. */
  static dev.modelops.api.v1alpha1.Rollout shadowRollout() {
    dev.modelops.api.v1alpha1.Rollout r = new dev.modelops.api.v1alpha1.Rollout();
    r.setStrategy(dev.modelops.api.v1alpha1.Rollout.Strategy.Shadow);
    r.setShare(1.0);
    dev.modelops.api.v1alpha1.Rollout.Analysis a = new dev.modelops.api.v1alpha1.Rollout.Analysis();
    a.setMinSamples(200);
    a.setMinDuration("10s");
    a.setMaxDuration("5m");
    a.setMaxLatencyP99("10s"); // a few dozen calls: their p99 is the first, cold one
    r.setAnalysis(a);
    return r;
  }

  /**
   * The retrain's rollout: a Shadow of the whole traffic judged on live accuracy, the candidate
   * at least as often right as Production on the labelled rows both answered (accuracyMargin 0,
   * at least 200 labels, so that a label or two of luck cannot decide). A model retrained on the
   * drifted population is meant to answer differently from the one it replaces there, so the
   * divergence bounds are loose (0.833 is about the largest Jensen-Shannon distance, sqrt(ln 2)):
   * the labels decide.
   */
  static dev.modelops.api.v1alpha1.Rollout retrainRollout() {
    dev.modelops.api.v1alpha1.Rollout r = shadowRollout();
    r.getAnalysis().setMinSamples(300);
    r.getAnalysis().setMaxDuration("10m");
    r.getAnalysis().setMaxPredictionDivergence(0.833);
    r.getAnalysis().setMaxClassDisagreement(0.5);
    r.getAnalysis().setAccuracyMargin(0.0);
    r.getAnalysis().setMinLabels(200);
    return r;
  }

  /** Kills the operator's Pod with SIGKILL (deleted with no grace) and waits for its successor to be ready. */
  void killOperator() {
    String ns = "modelops-system";
    String old = client.pods().inNamespace(ns).withLabel("app.kubernetes.io/name", "modelops").list().getItems().get(0).getMetadata().getName();
    client.pods().inNamespace(ns).withName(old).withGracePeriod(0).delete();
    try {
      until("a new operator Pod is ready", 120, () -> client.pods().inNamespace(ns).withLabel("app.kubernetes.io/name", "modelops").list().getItems()
          .stream().anyMatch(p -> !p.getMetadata().getName().equals(old) && p.getStatus().getConditions().stream()
              .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))), 200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * One of the Production version's two model-server processes is killed (SIGKILL) while a client sends requests
   * through the Service: the request in flight on it is lost; the connections kube-proxy still
   * sends to it until the kubelet reports it not ready are refused, never sent, and tried again by
   * the client (counted and reported); the Service answers again afterwards.
   */
  void killAServerUnderLoad(String version) throws Exception {
    Path stop = tmp.resolve("stop-kill");
    Process load = node.inNodeNetwork(javaCommand("load", service, loadRecords.toString(), stop.toString(), "120"))
        .redirectError(tmp.resolve("kill.err").toFile()).start();
    Thread.sleep(3000);
    Pod victim = client.pods().inNamespace(NS).withLabel("modelops.dev/version", version).list().getItems().get(0);
    String container = victim.getStatus().getContainerStatuses().get(0).getContainerID().replace("containerd://", "");
    assertThat(node.execInContainer("k3s", "ctr", "task", "kill", "--signal", "SIGKILL", container).getExitCode()).isZero();
    until("the killed server restarted and is ready", 120, () -> {
      Pod p = client.pods().inNamespace(NS).withName(victim.getMetadata().getName()).get();
      return p.getStatus().getContainerStatuses().get(0).getRestartCount() > 0 && Boolean.TRUE.equals(p.getStatus().getContainerStatuses().get(0).getReady());
    }, 200);
    Thread.sleep(3000);
    Files.writeString(stop, "done");
    assertThat(load.waitFor(60, TimeUnit.SECONDS)).as("the load client stopped").isTrue();
    JsonNode result = JSON.readTree(load.getInputStream().readAllBytes());
    figure("one of two server Pods killed (SIGKILL) under load: requests / failed / refused connections tried again",
        result.path("requests").asLong() + " / " + result.path("failures").asLong() + " " + result.path("failureKinds") + " / "
            + result.path("refusedConnections").asLong());
    figure("one of two server Pods killed under load: p50 / p99 / max (ms)", result.path("p50Millis").asDouble() + " / "
        + result.path("p99Millis").asDouble() + " / " + result.path("maxMillis").asDouble());
    assertThat(predict(service, List.of(JSON.convertValue(JSON.readTree(loadRecords.toFile()).get(0), Map.class)))).hasSize(1);
    // One client, one request at a time: the one in flight on the killed server is lost; refused
    // connections are tried again. Reported (docs/benchmarks.md); bounded here only loosely, since
    // how long kube-proxy keeps sending new connections to the dead Pod varies with the machine.
    assertThat(result.path("failures").asLong()).as("requests lost when a server was killed: %s", result.path("failureKinds"))
        .isLessThanOrEqualTo(Math.max(3, result.path("requests").asLong() / 100));
  }

  /** The churn data as clients send it: the Experiment's features, numbers as numbers, blanks as null. */
  static List<Map<String, Object>> records(ExperimentSpec spec, Predicate<CSVRecord> which) throws Exception {
    List<String> numeric = spec.getDataset().getFeatures().getNumeric();
    List<String> categorical = spec.getDataset().getFeatures().getCategorical();
    List<Map<String, Object>> out = new ArrayList<>();
    for (CSVRecord r : rows(which)) {
      Map<String, Object> m = new LinkedHashMap<>();
      numeric.forEach(f -> m.put(f, cell(r, f) == null ? null : Double.parseDouble(cell(r, f))));
      categorical.forEach(f -> m.put(f, cell(r, f)));
      out.add(m);
    }
    return out;
  }

  /** The true labels of the same rows as {@link #records}: 1 where the Experiment's label column has its positive class, else 0. */
  static List<Integer> labels(ExperimentSpec spec, Predicate<CSVRecord> which) throws Exception {
    String label = spec.getDataset().getLabel();
    String positive = spec.getDataset().getPositiveClass();
    return rows(which).stream().map(r -> positive.equals(cell(r, label)) ? 1 : 0).toList();
  }

  /** The rows of the churn data that {@code which} takes, in the file's order. */
  static List<CSVRecord> rows(Predicate<CSVRecord> which) throws Exception {
    try (var reader = Files.newBufferedReader(Path.of("../examples/data/telco-churn.csv"))) {
      return CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader).stream().filter(which).toList();
    }
  }

  /** A cell as the data has it; blank and R's "NA" are missing. */
  static String cell(CSVRecord r, String column) {
    String v = r.get(column).trim();
    return v.isEmpty() || "NA".equals(v) ? null : v;
  }

  JsonNode predict(String service, List<Map<String, Object>> records) throws Exception {
    Path file = Files.createTempFile(tmp, "records", ".json");
    JSON.writeValue(file.toFile(), records);
    Process p = node.inNodeNetwork(javaCommand("predict", service, file.toString())).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor()).as("predictions through %s: %s", service, err).isZero();
    return JSON.readTree(out);
  }

  static List<String> javaCommand(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ServiceClient.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  ModelVersion version(String name, ModelVersionStatus.Phase phase, int seconds) {
    return version(name, phase.toString(), seconds, m -> m.getStatus().getPhase() == phase);
  }

  /** Waits for the version to exist with a status that matches {@code condition} ({@code what}). */
  ModelVersion version(String name, String what, int seconds, Predicate<ModelVersion> condition) {
    try {
      return client.resources(ModelVersion.class).inNamespace(NS).withName(name)
          .waitUntilCondition(m -> m != null && m.getStatus() != null && condition.test(m), seconds, TimeUnit.SECONDS);
    } catch (KubernetesClientTimeoutException e) {
      throw new AssertionError(name + " did not become " + what + " in " + seconds + " s\n" + clusterState(), e);
    }
  }

  DriftPolicy policy(Predicate<DriftPolicyStatus> condition, int seconds) {
    try {
      return client.resources(DriftPolicy.class).inNamespace(NS).withName("churn-drift")
          .waitUntilCondition(p -> p != null && p.getStatus() != null && condition.test(p.getStatus()), seconds, TimeUnit.SECONDS);
    } catch (KubernetesClientTimeoutException e) {
      throw new AssertionError("the policy did not get there in " + seconds + " s\n" + clusterState(), e);
    }
  }

  void until(String what, int seconds, Supplier<Boolean> condition, long pollMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not after " + seconds + " s\n" + clusterState());
      }
      Thread.sleep(pollMillis);
    }
  }

  /** What a person would look at: the resources' statuses, the Pods, the events and the operator's log. */
  String clusterState() {
    StringBuilder s = new StringBuilder();
    try {
      client.resources(Experiment.class).inNamespace(NS).list().getItems().forEach(x -> s.append("Experiment ").append(x.getMetadata().getName())
          .append(": ").append(Serialization.asYaml(x.getStatus())).append('\n'));
      client.resources(ModelVersion.class).inNamespace(NS).list().getItems().forEach(x -> s.append("ModelVersion ").append(x.getMetadata().getName())
          .append(' ').append(x.getSpec().getStage()).append(": ").append(Serialization.asYaml(x.getStatus())).append('\n'));
      client.resources(DriftPolicy.class).inNamespace(NS).list().getItems().forEach(x -> s.append("DriftPolicy: ").append(Serialization.asYaml(x.getStatus())).append('\n'));
      client.pods().inAnyNamespace().list().getItems().forEach(p -> s.append("pod ").append(p.getMetadata().getNamespace()).append('/')
          .append(p.getMetadata().getName()).append(' ').append(p.getStatus().getPhase()).append(' ')
          .append(p.getStatus().getContainerStatuses().stream().map(c -> String.valueOf(c.getState())).toList()).append('\n'));
      client.v1().events().inNamespace(NS).list().getItems().stream().skip(Math.max(0, client.v1().events().inNamespace(NS).list().getItems().size() - 30))
          .forEach(e -> s.append("event ").append(e.getInvolvedObject().getName()).append(' ').append(e.getReason()).append(": ").append(e.getMessage()).append('\n'));
      client.pods().inNamespace("modelops-system").withLabel("app.kubernetes.io/name", "modelops").list().getItems().forEach(p ->
          s.append("operator log (tail):\n").append(client.pods().inNamespace("modelops-system").withName(p.getMetadata().getName()).tailingLines(60).getLog()));
    } catch (RuntimeException e) {
      s.append("(could not read the cluster: ").append(e).append(')');
    }
    return s.toString();
  }

  void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("%s:\n%s\n%s", String.join(" ", command), out, p.exitValue() == 0 ? "" : clusterState()).isZero();
  }

  void figure(String name, Object value) {
    figures.put(name, value);
  }

  static String seconds(long sinceNanos) {
    return String.format("%.1f s", (System.nanoTime() - sinceNanos) / 1e9);
  }
}
