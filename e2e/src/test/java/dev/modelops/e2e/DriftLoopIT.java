package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.OperatorMain;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.testing.KubeExtension;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop, drift → retrain → evaluate → promote, with every real program: the operator
 * (all three reconcilers) on a real kube-apiserver, the real trainer for every trial Job and the
 * real model server for every served version ({@link LocalKubelet} stands in for the kubelet).
 *
 * <p>The story: the churn model was trained when the company sold only yearly contracts. Then
 * month-to-month customers arrive. The DriftPolicy sees the contract feature drift and retrains
 * on the newest labelled data (all customers); the new version beats the old one on its
 * objective, is promoted by the Experiment's own rules, and the policy follows it and finds it
 * healthy on the new population.
 */
class DriftLoopIT {
  static final String NS = "shop";
  @TempDir static Path tmp;
  /** The API server, and the operator with all three reconcilers on a client of its own. */
  @RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces(NS).operator(own -> {
    Operator operator = OperatorMain.create(own, new OperatorSettings("trainer:test", "server:test", "modelops-artifacts"), Set.of(NS), null, false,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    operator.start();
    return operator::stop;
  });
  static KubernetesClient client;
  static LocalKubelet kubelet;

  @BeforeAll
  static void start() throws Exception {
    Path pvc = tmp.resolve("pvc");
    Files.createDirectories(pvc.resolve("churn-data"));
    Files.createDirectories(tmp.resolve("work"));
    // The data: yearly-contract customers only (what v1 is trained on), and everyone.
    Files.copy(Path.of("../examples/data/telco-churn.csv"), pvc.resolve("churn-data/all-customers.csv"));
    try (var reader = Files.newBufferedReader(Path.of("../examples/data/telco-churn.csv"));
        BufferedWriter writer = Files.newBufferedWriter(pvc.resolve("churn-data/yearly-customers.csv"))) {
      var parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader);
      try (CSVPrinter out = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader(parser.getHeaderNames().toArray(String[]::new)).get())) {
        for (CSVRecord r : parser) {
          if (!"Month-to-month".equals(r.get("contract"))) {
            out.printRecord(r.values());
          }
        }
      }
    }
    client = kube.client();
    KubeApiServer.claim(client, NS, "churn-data");
    kubelet = new LocalKubelet(client, NS, pvc, tmp.resolve("work"));
  }

  @AfterAll
  static void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  static ModelVersion waitForVersion(String name, ModelVersionStatus.Phase phase) {
    return client.resources(ModelVersion.class).inNamespace(NS).withName(name)
        .waitUntilCondition(m -> m != null && m.getStatus() != null && m.getStatus().getPhase() == phase, 180, TimeUnit.SECONDS);
  }

  static DriftPolicy waitForPolicy(java.util.function.Predicate<DriftPolicyStatus> condition) {
    try {
      return client.resources(DriftPolicy.class).inNamespace(NS).withName("churn-drift")
          .waitUntilCondition(p -> p != null && p.getStatus() != null && condition.test(p.getStatus()), 180, TimeUnit.SECONDS);
    } catch (io.fabric8.kubernetes.client.KubernetesClientTimeoutException e) {
      throw new AssertionError("the policy did not get there; its status: "
          + io.fabric8.kubernetes.client.utils.Serialization.asYaml(client.resources(DriftPolicy.class).inNamespace(NS).withName("churn-drift").get().getStatus())
          + "\nexperiments: " + client.resources(Experiment.class).inNamespace(NS).list().getItems().stream()
              .map(x -> x.getMetadata().getName() + " " + (x.getStatus() == null ? "-" : x.getStatus().getPhase() + " " + x.getStatus().getMessage())).toList()
          + "\nversions: " + client.resources(ModelVersion.class).inNamespace(NS).list().getItems().stream()
              .map(x -> x.getMetadata().getName() + " " + x.getSpec().getStage() + " " + (x.getStatus() == null ? "-" : x.getStatus().getPhase())).toList()
          + "\nkubelet problems: " + kubelet.problems, e);
    }
  }

  @Test
  void driftRetrainsEvaluatesPromotesAndThePolicyFollowsTheNewVersion() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    Experiment exp = yaml.readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setNamespace(NS);
    exp.getSpec().getDataset().setUri("pvc://churn-data/yearly-customers.csv");
    exp.getSpec().getSearch().setMaxTrials(2);
    // Churn among yearly customers is rare and hard to predict: a lower bar for the first model.
    ExperimentSpec.MetricThreshold gate = exp.getSpec().getRegister().getQualityGate().get(0);
    gate.setMin(0.6);
    client.resource(exp).create();

    ModelVersion v1 = waitForVersion("churn-v1", ModelVersionStatus.Phase.Serving);
    assertThat(v1.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    double v1Auc = v1.getSpec().getMetrics().get("roc_auc");

    DriftPolicy policy = yaml.readValue(Path.of("../examples/churn/drift-policy.yaml").toFile(), DriftPolicy.class);
    policy.getMetadata().setNamespace(NS);
    policy.getSpec().setInterval("3s");
    policy.getSpec().setMinSamples(300);
    policy.getSpec().getRetrain().setDatasetUri("pvc://churn-data/all-customers.csv");
    // A new kind of customer moves most features and the predictions at once (with the example's
    // bands that is Alerting: people decide). Here the newest labelled data includes them, so
    // this policy retrains instead: no alert bands.
    policy.getSpec().getChecks().forEach(c -> c.setAlert(null));
    client.resource(policy).create();
    DriftPolicy watching = waitForPolicy(s -> "churn-v1".equals(s.getModelVersion()) && s.getState() != null
        && s.getState() != DriftPolicyStatus.State.Unknown);
    assertThat(watching.getStatus().getState()).as(watching.getStatus().getMessage()).isEqualTo(DriftPolicyStatus.State.Healthy);

    // Month-to-month customers arrive.
    List<Map<String, Object>> rows = ModelServerProcess.churnRecords(Path.of(
        tmp.resolve("pvc").toString(), "modelops-artifacts", NS, "churn-baseline", v1.getSpec().getSource().getTrial()));
    kubelet.servers.get("churn-v1").predict(rows.stream().filter(r -> "Month-to-month".equals(r.get("contract"))).limit(600).toList());

    DriftPolicy retraining = waitForPolicy(s -> !s.getRetrains().isEmpty());
    assertThat(retraining.getStatus().getRetrains().get(0).getReason()).contains("contract");
    assertThat(retraining.getStatus().getRetrains().get(0).getExperiment()).isEqualTo("churn-drift-retrain-1");

    // The retraining Experiment trains on everyone, beats v1 and is promoted by its own rules.
    ModelVersion v2 = waitForVersion("churn-v2", ModelVersionStatus.Phase.Serving);
    assertThat(v2.getSpec().getSource().getExperiment()).isEqualTo("churn-drift-retrain-1");
    assertThat(v2.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    assertThat(v2.getSpec().getMetrics().get("roc_auc")).isGreaterThan(v1Auc);
    waitForVersion("churn-v1", ModelVersionStatus.Phase.Superseded);
    assertThat(client.services().inNamespace(NS).withName("churn").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "2");

    // The policy follows v2; on the new population (everyone) it is healthy, and it retrained once.
    waitForPolicy(s -> "churn-v2".equals(s.getModelVersion()));
    List<Map<String, Object>> everyone = new ArrayList<>(rows);
    Collections.shuffle(everyone, new Random(3));
    kubelet.servers.get("churn-v2").predict(everyone.subList(0, 600));
    DriftPolicy healthy = waitForPolicy(s -> "churn-v2".equals(s.getModelVersion()) && s.getState() == DriftPolicyStatus.State.Healthy
        && s.getChecks().stream().anyMatch(c -> c.getSamples() != null && c.getSamples() >= 600));
    assertThat(healthy.getStatus().getRetrainCount()).isEqualTo(1);
    assertThat(client.resources(Experiment.class).inNamespace(NS).list().getItems()).extracting(e -> e.getMetadata().getName())
        .containsExactlyInAnyOrder("churn-baseline", "churn-drift-retrain-1");
    assertThat(kubelet.problems).isEmpty();
  }
}
