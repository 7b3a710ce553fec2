package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.OperatorMain;
import dev.modelops.operator.StatusRecorder;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import dev.modelops.testing.Cluster;
import dev.modelops.testing.KubeExtension;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's Experiment and ModelVersion lifecycles against a real kube-apiserver: real
 * schema validation of everything they create, defaults from the CRDs, server-side apply of
 * Deployments and Services, and server-side apply of status through the status subresource (as
 * the reconcilers write it). Jobs, Pods and Deployments get their status written by the test,
 * since no controllers or kubelets run here.
 */
class OperatorOnApiServerIT {
  @RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces("train", "serve");
  static KubernetesClient client;
  static final OperatorSettings SETTINGS = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts");

  @BeforeAll
  static void start() {
    client = kube.client();
    KubeApiServer.claim(client, "train", "data"); // the example's data (examples/cluster/storage.yaml)
  }

  /** The operator as it runs, watching one namespace, with a client of its own (stopping it closes that client). */
  /** The operator's metrics, as its /metrics endpoint would show them. */
  static final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  static Operator startOperator(String namespace) {
    Operator operator = OperatorMain.create(kube.newClient(), SETTINGS, Set.of(namespace), null, false, registry);
    operator.start();
    return operator;
  }

  static void finish(String ns, String job, boolean ok, String message) {
    Cluster.finishJob(client, ns, job, "trainer:test", ok ? 0 : 2, message);
  }


  @Test
  void anExperimentRunsItsTrialsAndRegistersAValidModelVersion() throws Exception {
    Experiment exp = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setNamespace("train");
    exp.getSpec().getSearch().setMaxTrials(3);
    exp.getSpec().getSearch().setParallelTrials(2);
    client.resource(exp).create();
    Experiment current = client.resources(Experiment.class).inNamespace("train").withName("churn-baseline").get();
    assertThat(current.getSpec().getDataset().getFeatures().getCategoricalMinCount()).as("a schema default").isEqualTo(5);

    Operator operator = startOperator("train");
    try {
      for (String job : new String[] {"churn-baseline-t0", "churn-baseline-t1"}) {
        client.batch().v1().jobs().inNamespace("train").withName(job).waitUntilCondition(j -> j != null, 30, TimeUnit.SECONDS);
      }
      assertThat(client.batch().v1().jobs().inNamespace("train").withLabel(Labels.EXPERIMENT, "churn-baseline").list().getItems()).hasSize(2);
      finish("train", "churn-baseline-t0", true, "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":0.84},\"bundleUri\":\"pvc://modelops-artifacts/train/churn-baseline/churn-baseline-t0\"}");
      finish("train", "churn-baseline-t1", false, "{\"status\":\"Failed\",\"reason\":\"BadData\",\"message\":\"no rows\"}");
      client.batch().v1().jobs().inNamespace("train").withName("churn-baseline-t2").waitUntilCondition(j -> j != null, 30, TimeUnit.SECONDS);
      finish("train", "churn-baseline-t2", true, "{\"status\":\"Succeeded\",\"metrics\":{\"roc_auc\":0.86},\"bundleUri\":\"pvc://modelops-artifacts/train/churn-baseline/churn-baseline-t2\","
          + "\"message\":\"not logged to MLflow: MLflow http://mlflow:5000/ unreachable\"}");
      client.resources(Experiment.class).inNamespace("train").withName("churn-baseline").waitUntilCondition(
          e -> e.getStatus() != null && e.getStatus().getPhase() == ExperimentStatus.Phase.Succeeded, 60, TimeUnit.SECONDS);
    } finally {
      operator.stop();
    }

    Experiment done = client.resources(Experiment.class).inNamespace("train").withName("churn-baseline").get();
    assertThat(done.getStatus().getPhase()).isEqualTo(ExperimentStatus.Phase.Succeeded);
    assertThat(done.getStatus().getBestTrial()).isEqualTo("churn-baseline-t2");
    assertThat(done.getStatus().getTrials().get(1).getReason()).isEqualTo("BadData");
    assertThat(done.getStatus().getTrials().get(2).getMessage()).as("a successful trial's note, e.g. that MLflow was unreachable")
        .contains("not logged to MLflow");
    assertThat(done.getStatus().getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());
    ModelVersion mv = client.resources(ModelVersion.class).inNamespace("train").withName("churn-v1").get();
    assertThat(mv.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    assertThat(mv.getSpec().getServing().getReplicas()).as("a schema default").isEqualTo(1);
    assertThat(mv.getMetadata().getOwnerReferences()).as("a registry record outlives its Experiment").isNullOrEmpty();
    assertThat(mv.getSpec().getSource().getExperiment()).isEqualTo("churn-baseline");
    assertThat(mv.getMetadata().getLabels()).containsEntry(Labels.EXPERIMENT, "churn-baseline").containsEntry(Labels.TRIAL, "churn-baseline-t2");
  }

  ModelVersion createVersion(int version) {
    return createVersion("fraud", version);
  }

  ModelVersion createVersion(String model, int version) {
    ModelVersion mv = new ModelVersion();
    mv.setMetadata(new ObjectMetaBuilder().withName(model + "-v" + version).withNamespace("serve").build());
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel(model);
    spec.setVersion(version);
    ModelVersionSpec.Artifact a = new ModelVersionSpec.Artifact();
    a.setUri("pvc://modelops-artifacts/serve/" + model + "/t" + version);
    spec.setArtifact(a);
    spec.setStage(ModelVersionSpec.Stage.Production);
    mv.setSpec(spec);
    return client.resource(mv).create();
  }

  /** Waits until the running operator has written a status that satisfies the test. */
  ModelVersionStatus awaitStatus(String name, java.util.function.Predicate<ModelVersionStatus> test) {
    return client.resources(ModelVersion.class).inNamespace("serve").withName(name)
        .waitUntilCondition(v -> v != null && v.getStatus() != null && test.test(v.getStatus()), 60, TimeUnit.SECONDS).getStatus();
  }

  void makeReady(String name) {
    Deployment d = client.apps().deployments().inNamespace("serve").withName(name).get();
    Cluster.makeReady(client, d, d.getSpec().getReplicas());
  }

  @Test
  void promotionSwitchesTheStableServiceOnceTheNewVersionIsReadyWithServerSideApply() {
    Operator operator = startOperator("serve");
    try {
      createVersion(1);
      awaitStatus("fraud-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      makeReady("fraud-v1");
      awaitStatus("fraud-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Serving && Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      assertThat(client.services().inNamespace("serve").withName("fraud").get().getSpec().getClusterIP()).isNotBlank();

      createVersion(2);
      awaitStatus("fraud-v2", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      assertThat(client.services().inNamespace("serve").withName("fraud").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "1");
      makeReady("fraud-v2");
      awaitStatus("fraud-v2", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      assertThat(client.services().inNamespace("serve").withName("fraud").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "2");
      // The old version sees the new one serve at its next look (at most RECHECK later).
      awaitStatus("fraud-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Superseded);
      // It drains (keeps its replicas for the connections already open to them), then scales to zero.
      client.apps().deployments().inNamespace("serve").withName("fraud-v1")
          .waitUntilCondition(d -> d.getSpec().getReplicas() == 0, 60, java.util.concurrent.TimeUnit.SECONDS);

      ModelVersion v1 = client.resources(ModelVersion.class).inNamespace("serve").withName("fraud-v1").get();
      assertThat(v1.getSpec().getStage()).as("the operator never rewrites a spec").isEqualTo(ModelVersionSpec.Stage.Production);
      assertThat(client.services().inNamespace("serve").withName("fraud").get().getMetadata().getOwnerReferences()).hasSize(2);
    } finally {
      operator.stop();
    }
  }

  @Test
  void aVersionWhosePodsCrashLoopFailsWithAWarningEventAndNeverTakesTheProductionTraffic() {
    Operator operator = startOperator("serve");
    try {
      createVersion("loan", 1);
      awaitStatus("loan-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      makeReady("loan-v1");
      awaitStatus("loan-v1", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));

      createVersion("loan", 2);
      awaitStatus("loan-v2", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      Deployment d2 = client.apps().deployments().inNamespace("serve").withName("loan-v2").get();
      assertThat(d2.getSpec().getProgressDeadlineSeconds()).isEqualTo(600);
      Cluster.waitingPod(client, d2, "loan-v2-5b8d-qqqqq", "CrashLoopBackOff",
          "back-off 5m0s restarting failed container=model-server pod=loan-v2-5b8d-qqqqq", 1);
      ModelVersionStatus failed = awaitStatus("loan-v2", s -> s.getPhase() == ModelVersionStatus.Phase.Failed);
      assertThat(failed.getMessage()).contains("pod loan-v2-5b8d-qqqqq container model-server: CrashLoopBackOff", "last exit 1");
      assertThat(failed.getReceivesProductionTraffic()).isFalse();
      assertThat(failed.getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("CrashLoopBackOff");
      });
      // The Event follows the status that records it.
      assertThat(Cluster.eventsOnce(client, "serve", e -> "loan-v2".equals(e.getInvolvedObject().getName()) && "CrashLoopBackOff".equals(e.getReason())))
          .filteredOn(e -> "loan-v2".equals(e.getInvolvedObject().getName()) && "CrashLoopBackOff".equals(e.getReason()))
          .singleElement().satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
      // ... and counted, once, for alert rules.
      assertThat(registry.get("modelops_modelversion_failures").tag("modelversion", "loan-v2").tag("reason", "CrashLoopBackOff").counter().count())
          .isEqualTo(1.0);
      assertThat(registry.get("modelops_modelversion_promotions").tag("modelversion", "loan-v1").counter().count()).isEqualTo(1.0);
      assertThat(client.services().inNamespace("serve").withName("loan").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "1");
      assertThat(client.resources(ModelVersion.class).inNamespace("serve").withName("loan-v1").get().getStatus().getPhase())
          .isEqualTo(ModelVersionStatus.Phase.Serving);

      // The image appears, the Pods become ready: the version recovers and takes the traffic.
      client.pods().inNamespace("serve").withName("loan-v2-5b8d-qqqqq").delete();
      makeReady("loan-v2");
      awaitStatus("loan-v2", s -> s.getPhase() == ModelVersionStatus.Phase.Serving && Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      assertThat(client.services().inNamespace("serve").withName("loan").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "2");
    } finally {
      operator.stop();
    }
  }

  @Test
  void aVersionThatCrashLoopsSoonAfterItsPromotionIsRolledBackAndThePreviousOneTakesTheTrafficBack() {
    Operator operator = startOperator("serve");
    try {
      createVersion("fraudx", 1);
      awaitStatus("fraudx-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      makeReady("fraudx-v1");
      awaitStatus("fraudx-v1", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      createVersion("fraudx", 2);
      awaitStatus("fraudx-v2", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      makeReady("fraudx-v2");
      awaitStatus("fraudx-v2", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      awaitStatus("fraudx-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Superseded);

      // Minutes after its promotion, v2's server crash-loops and no replica is ready.
      Deployment d2 = client.apps().deployments().inNamespace("serve").withName("fraudx-v2").get();
      Cluster.makeReady(client, d2, 0);
      Cluster.waitingPod(client, client.apps().deployments().inNamespace("serve").withName("fraudx-v2").get(), "fraudx-v2-6c7d-rrrrr",
          "CrashLoopBackOff", "back-off 20s restarting failed container=model-server pod=fraudx-v2-6c7d-rrrrr", 137);
      ModelVersionStatus rolledBack = awaitStatus("fraudx-v2", s -> s.getPhase() == ModelVersionStatus.Phase.Failed);
      assertThat(rolledBack.getReceivesProductionTraffic()).isFalse();
      // Whichever it saw first: no replica ready, or the crash loop.
      assertThat(rolledBack.getMessage()).contains("rolled back", "fraudx-v1").containsAnyOf("no replica ready", "CrashLoopBackOff");
      assertThat(rolledBack.getConditions()).anySatisfy(c -> assertThat(c.getReason()).isEqualTo("RolledBack"));
      assertThat(Cluster.eventsOnce(client, "serve", e -> "fraudx-v2".equals(e.getInvolvedObject().getName()) && "RolledBack".equals(e.getReason())))
          .filteredOn(e -> "fraudx-v2".equals(e.getInvolvedObject().getName()) && "RolledBack".equals(e.getReason()))
          .singleElement().satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
      assertThat(registry.get("modelops_modelversion_failures").tag("modelversion", "fraudx-v2").tag("reason", "RolledBack").counter().count())
          .isEqualTo(1.0);

      // v1 is scaled up again and, once ready, takes the traffic back; v2 is never routed again.
      client.apps().deployments().inNamespace("serve").withName("fraudx-v1")
          .waitUntilCondition(d -> d.getSpec().getReplicas() > 0, 60, TimeUnit.SECONDS);
      makeReady("fraudx-v1");
      awaitStatus("fraudx-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Serving && Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      assertThat(client.services().inNamespace("serve").withName("fraudx").get().getSpec().getSelector()).containsEntry("modelops.dev/version", "1");
    } finally {
      operator.stop();
    }
  }

  @Test
  void aPromotionIsAnnouncedOnceEvenWhenEventsArriveInABurst() {
    Operator operator = startOperator("serve");
    try {
      createVersion("burst", 1);
      awaitStatus("burst-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      makeReady("burst-v1");
      awaitStatus("burst-v1", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      createVersion("burst", 2);
      awaitStatus("burst-v2", s -> s.getPhase() == ModelVersionStatus.Phase.Deploying);
      // v2 becomes ready, and its Deployment changes many times while the operator promotes it (a
      // label: an annotation would bump the Deployment's generation and make it not ready again):
      // every change wakes a reconcile of burst-v2 right after the one that promoted it.
      makeReady("burst-v2");
      for (int i = 0; i < 40; i++) {
        client.apps().deployments().inNamespace("serve").withName("burst-v2").patch(PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"labels\":{\"test-touch\":\"" + i + "\"}}}");
      }
      awaitStatus("burst-v2", s -> Boolean.TRUE.equals(s.getReceivesProductionTraffic()));
      awaitStatus("burst-v1", s -> s.getPhase() == ModelVersionStatus.Phase.Superseded);
      assertThat(Cluster.eventsOnce(client, "serve", e -> "burst-v2".equals(e.getInvolvedObject().getName()) && "Promoted".equals(e.getReason())))
          .filteredOn(e -> "burst-v2".equals(e.getInvolvedObject().getName()) && "Promoted".equals(e.getReason())).hasSize(1);
      assertThat(registry.get("modelops_modelversion_promotions").tag("modelversion", "burst-v2").counter().count()).isEqualTo(1.0);
      assertThat(Cluster.eventsOnce(client, "serve", e -> "burst-v1".equals(e.getInvolvedObject().getName()) && "Superseded".equals(e.getReason())))
          .filteredOn(e -> "burst-v1".equals(e.getInvolvedObject().getName()) && "Superseded".equals(e.getReason())).hasSize(1);
    } finally {
      operator.stop();
    }
  }

  @Test
  void aStatusDecidedFromAStaleCopyIsNotRecorded() {
    ModelVersion read = createVersion("stale", 1);
    ModelVersionStatus first = new ModelVersionStatus();
    first.setPhase(ModelVersionStatus.Phase.Serving);
    first.setReceivesProductionTraffic(true);
    assertThat(StatusRecorder.writeIfUnchanged(client, "modelops-test", read, first)).as("written from the current copy").isPresent();
    // A second decision made from the same, now stale, copy (it has not seen the first status).
    ModelVersionStatus second = new ModelVersionStatus();
    second.setPhase(ModelVersionStatus.Phase.Deploying);
    second.setReceivesProductionTraffic(false);
    assertThat(StatusRecorder.writeIfUnchanged(client, "modelops-test", read, second)).as("refused: decided from a stale copy").isEmpty();
    ModelVersionStatus stored = client.resources(ModelVersion.class).inNamespace("serve").withName("stale-v1").get().getStatus();
    assertThat(stored.getPhase()).isEqualTo(ModelVersionStatus.Phase.Serving);
    assertThat(stored.getReceivesProductionTraffic()).isTrue();
  }
}
