package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.api.v1alpha1.Rollout;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.serving.ModelVersionReconciler;
import dev.modelops.operator.serving.ServerAnswers;
import dev.modelops.operator.serving.ServingMetrics;
import dev.modelops.testing.Cluster;
import dev.modelops.testing.KubeExtension;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow and Canary rollouts with the operator on a real API server and real model servers
 * ({@link StandInKubelet} runs each Deployment as a server process with the template's
 * environment): churn-v1, trained on the one- and two-year contracts only, has the production
 * traffic while month-to-month customers arrive, with their true labels sent as feedback. A
 * candidate trained on shuffled labels is mirrored to and rejected, with the failed check and its
 * values; one trained on every customer (the drifted segment included) is promoted on evidence:
 * it agrees with the labels better. A Canary of the same model answers 20%, then 50% of the
 * callers before it is promoted. The caller of the Production server never sees an error (every
 * request is checked for a 200).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutIT {
  static final String NS = "rollout";
  @TempDir static Path tmp;
  static KubernetesClient client;
  static StandInKubelet kubelet;
  static Path yearly;
  static Path shuffled;
  static Path everyone;
  static List<Map<String, Object>> monthToMonth;
  static List<Integer> monthToMonthLabels;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static int cursor;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces(NS).operator(own -> {
    Operator operator = new Operator(o -> o.withKubernetesClient(own).withUseSSAToPatchPrimaryResource(true));
    operator.register(new ModelVersionReconciler(new OperatorSettings("trainer:test", "server:test", "modelops-artifacts"), Clock.systemUTC(),
        new ServingMetrics(new SimpleMeterRegistry()), new ServerAnswers(http)), o -> o.settingNamespace(NS));
    operator.start();
    return operator::stop;
  });

  @BeforeAll
  static void start() throws Exception {
    client = kube.client();
    kubelet = new StandInKubelet(client, NS, tmp);
    Path examples = Path.of("../examples");
    yearly = ModelServerProcess.train(tmp.resolve("yearly"), Path.of("../examples/quickstart/experiment.yaml"), examples, "max_depth=3", "eta=0.1");
    everyone = ModelServerProcess.train(tmp.resolve("everyone"), Path.of("../examples/quickstart/experiment.yaml"), shuffledOrNot(false),
        "max_depth=3", "eta=0.1");
    shuffled = ModelServerProcess.train(tmp.resolve("shuffled"), Path.of("../examples/quickstart/experiment.yaml"), shuffledOrNot(true),
        "max_depth=3", "eta=0.1");
    List<Map<String, Object>> rows = ModelServerProcess.churnRecords(yearly);
    List<Integer> labels = ModelServerProcess.churnLabels();
    List<Integer> m2m = IntStream.range(0, rows.size()).filter(i -> "Month-to-month".equals(rows.get(i).get("contract"))).boxed()
        .collect(Collectors.toCollection(ArrayList::new));
    Collections.shuffle(m2m, new Random(11));
    monthToMonth = m2m.stream().map(rows::get).toList();
    monthToMonthLabels = m2m.stream().map(labels::get).toList();
  }

  /**
   * A pvc root whose claim "data" holds telco-churn-yearly.csv made of every customer (the
   * quickstart's Experiment reads that file), with the churn labels shuffled when {@code shuffle}.
   */
  static Path shuffledOrNot(boolean shuffle) throws IOException {
    Path root = tmp.resolve(shuffle ? "pvc-shuffled" : "pvc-everyone");
    ModelServerProcess.writeChurn(Files.createDirectories(root.resolve("data")).resolve("telco-churn-yearly.csv"), shuffle);
    return root;
  }

  @AfterAll
  static void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  static ModelVersion version(int version, Path bundle, Rollout rollout) {
    ModelVersion mv = new ModelVersion();
    mv.getMetadata().setName("churn-v" + version);
    mv.getMetadata().setNamespace(NS);
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel("churn");
    spec.setVersion(version);
    ModelVersionSpec.Artifact a = new ModelVersionSpec.Artifact();
    a.setUri(bundle.toAbsolutePath().toString());
    spec.setArtifact(a);
    spec.setStage(ModelVersionSpec.Stage.Production);
    ModelVersionSpec.Serving serving = new ModelVersionSpec.Serving();
    serving.setReplicas(1);
    spec.setServing(serving);
    spec.setRollout(rollout);
    mv.setSpec(spec);
    return client.resource(mv).create();
  }

  static Rollout rollout(Rollout.Strategy strategy, double maxDivergence) {
    Rollout r = new Rollout();
    r.setStrategy(strategy);
    if (strategy == Rollout.Strategy.Canary) {
      r.setSteps(List.of(20, 50));
    }
    Rollout.Analysis a = new Rollout.Analysis();
    a.setMinSamples(300);
    a.setMinDuration("3s");
    a.setMaxDuration("5m");
    a.setMaxPredictionDivergence(maxDivergence);
    a.setMaxClassDisagreement(0.5);
    a.setMaxLatencyP99("10s"); // a few dozen calls: their p99 is the first, cold one
    a.setAccuracyMargin(0.0);
    a.setMinLabels(200);
    r.setAnalysis(a);
    return r;
  }

  /** The Production server's callers: month-to-month customers, 50 a request, each labelled afterwards. */
  static void traffic(String production, int requests) throws Exception {
    ModelServerProcess server = kubelet.server(production);
    for (int k = 0; k < requests; k++) {
      int from = cursor % (monthToMonth.size() - 50);
      cursor += 50;
      List<JsonNode> answers = server.answers(monthToMonth.subList(from, from + 50));
      Thread.sleep(100); // the candidate answers the mirrored rows after Production
      List<Map<String, Object>> labels = new ArrayList<>();
      for (int i = 0; i < answers.size(); i++) {
        labels.add(Map.of("id", answers.get(i).path("id").asText(), "label", monthToMonthLabels.get(from + i)));
      }
      server.feedback(labels);
    }
  }

  /** Waits (at most 3 minutes) for churn-v{version} to match, running the kubelet and sending traffic to the Production server meanwhile. */
  static ModelVersion until(int version, String production, Predicate<ModelVersionStatus> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (true) {
      kubelet.sync();
      ModelVersion mv = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v" + version).get();
      if (mv.getStatus() != null && condition.test(mv.getStatus())) {
        return mv;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("churn-v" + version + " did not get there:\n" + Serialization.asYaml(mv.getStatus()));
      }
      if (kubelet.server(production) != null) {
        traffic(production, 2);
      } else {
        Thread.sleep(200);
      }
    }
  }

  static String routedVersion() {
    return client.services().inNamespace(NS).withName("churn").get().getSpec().getSelector().get("modelops.dev/version");
  }

  @Test
  @Order(1)
  void theYearlyModelHasTheProductionTraffic() throws Exception {
    version(1, yearly, null);
    until(1, "churn-v1", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
    assertThat(routedVersion()).isEqualTo("1");
  }

  @Test
  @Order(2)
  void aCandidateTrainedOnShuffledLabelsIsRejectedWithTheFailedCheckAndProductionIsUntouched() throws Exception {
    version(2, shuffled, rollout(Rollout.Strategy.Shadow, 0.2));
    ModelVersion analysing = until(2, "churn-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Analysing);
    assertThat(analysing.getStatus().getAnalysis().getBaseline()).isEqualTo("churn-v1");
    ModelVersion rejected = until(2, "churn-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Rejected);
    System.out.println("rollout: shuffled-label candidate: " + rejected.getStatus().getMessage());
    System.out.println("rollout: shuffled-label candidate checks: " + Serialization.asJson(rejected.getStatus().getAnalysis().getChecks()));
    assertThat(rejected.getStatus().getMessage()).startsWith("rejected: step 1 of 1: ").contains("production stays with churn-v1");
    assertThat(rejected.getStatus().getAnalysis().getSamples()).isGreaterThanOrEqualTo(300);
    assertThat(rejected.getStatus().getAnalysis().getChecks()).anyMatch(c -> "Fail".equals(c.getVerdict()));
    assertThat(routedVersion()).isEqualTo("1");
    List<Event> events = Cluster.eventsOnce(client, NS, e -> "Rejected".equals(e.getReason()));
    assertThat(events).filteredOn(e -> "Rejected".equals(e.getReason())).singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    // Production stops mirroring to it: its servers run without the candidate again
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (client.apps().deployments().inNamespace(NS).withName("churn-v1").get().getSpec().getTemplate().getSpec().getContainers().get(0)
        .getEnv().stream().anyMatch(e -> e.getName().equals("MODEL_SHADOW_URL"))) {
      assertThat(System.nanoTime()).as("churn-v1's Deployment still mirrors to the rejected candidate after 60 s").isLessThan(deadline);
      Thread.sleep(500);
    }
    kubelet.sync();
    traffic("churn-v1", 2);
  }

  @Test
  @Order(3)
  void aCandidateTrainedOnEveryCustomerIsPromotedOnEvidence() throws Exception {
    version(3, everyone, rollout(Rollout.Strategy.Shadow, 0.833));
    ModelVersion passed = until(3, "churn-v1", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
    System.out.println("rollout: every-customer candidate: " + passed.getStatus().getAnalysis().getMessage());
    System.out.println("rollout: every-customer candidate checks: " + Serialization.asJson(passed.getStatus().getAnalysis().getChecks()));
    assertThat(passed.getStatus().getAnalysis().getResult()).isEqualTo("Passed");
    assertThat(passed.getStatus().getAnalysis().getChecks()).filteredOn(c -> c.getName().equals("accuracy")).singleElement()
        .satisfies(c -> assertThat(c.getValue()).as("the candidate's live accuracy minus Production's").isGreaterThan(0));
    assertThat(routedVersion()).isEqualTo("3");
  }

  @Test
  @Order(4)
  void aCanaryAnswersAGrowingShareOfCallersStepByStepAndIsPromoted() throws Exception {
    // the same model as churn-v3, rebuilt: it must behave as v3 does
    ModelVersion v4 = version(4, everyone, rollout(Rollout.Strategy.Canary, 0.05));
    ModelVersion second = until(4, "churn-v3", s -> s.getAnalysis() != null && s.getAnalysis().getStep() == 2
        && s.getAnalysis().getStepStartedAt() != null);
    assertThat(second.getStatus().getAnalysis().getShare()).isEqualTo(0.5);
    assertThat(kubelet.server("churn-v3")).isNotNull();
    ModelVersion promoted = until(4, "churn-v3", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
    System.out.println("rollout: canary: " + promoted.getStatus().getAnalysis().getMessage());
    assertThat(promoted.getStatus().getAnalysis().getChecks()).filteredOn(c -> c.getName().equals("classDisagreement")).singleElement()
        .satisfies(c -> assertThat(c.getValue()).isZero());
    assertThat(routedVersion()).isEqualTo("4");
    assertThat(Cluster.eventsOnce(client, NS, e -> "Promoted".equals(e.getReason()) && "churn-v4".equals(e.getInvolvedObject().getName())))
        .filteredOn(e -> v4.getMetadata().getName().equals(e.getInvolvedObject().getName())).extracting(Event::getReason)
        .contains("AnalysisStarted", "AnalysisStepPassed", "AnalysisPassed", "Promoted");
  }
}
