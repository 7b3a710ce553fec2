package dev.modelops.operator.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.util.List;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The Experiment lifecycle against the Fabric8 mock API server (CRUD mode), completing Jobs and
 * writing Pod termination messages by hand, as envtest users do. The same scenarios move to a
 * real kube-apiserver with the integration-test issue.
 */
@EnableKubernetesMockClient(crud = true)
class ExperimentLifecycleTest {
  static KubernetesClient client;
  static final OperatorSettings SETTINGS = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  Experiment apply(String name, String model) throws Exception {
    Experiment exp = YAML.readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setName(name);
    exp.getMetadata().setNamespace("test");
    exp.getMetadata().setUid(UUID.randomUUID().toString());
    exp.getMetadata().setGeneration(1L);
    exp.getSpec().setModel(model);
    if (client.persistentVolumeClaims().inNamespace("test").withName("modelops-artifacts").get() == null) {
      client.persistentVolumeClaims().inNamespace("test").resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
          .withNewMetadata().withName("modelops-artifacts").endMetadata().build()).create();
    }
    return client.resource(exp).create();
  }

  ExperimentStatus reconcile(Experiment exp) {
    ExperimentLifecycle.Result r = new ExperimentLifecycle(client, SETTINGS).reconcile(exp);
    exp.setStatus(r.status());
    return r.status();
  }

  List<Job> jobs(String exp) {
    return client.batch().v1().jobs().inNamespace("test").withLabel(Labels.EXPERIMENT, exp).list().getItems();
  }

  void finish(String job, int exitCode, String message) {
    Job j = client.batch().v1().jobs().inNamespace("test").withName(job).get();
    j.setStatus(new JobStatusBuilder().withStartTime("2026-11-22T10:00:00Z")
        .withConditions(new JobConditionBuilder().withType(exitCode == 0 ? "Complete" : "Failed").withStatus("True").withReason(exitCode == 0 ? null : "BackoffLimitExceeded").build())
        .withSucceeded(exitCode == 0 ? 1 : 0).withFailed(exitCode == 0 ? 0 : 1).build());
    client.batch().v1().jobs().inNamespace("test").resource(j).updateStatus();
    client.pods().inNamespace("test").resource(new PodBuilder().withNewMetadata().withName(job + "-abcde").withNamespace("test")
        .addToLabels("job-name", job).endMetadata()
        .withNewStatus().withContainerStatuses(new ContainerStatusBuilder().withName("trainer").withNewState().withNewTerminated()
            .withExitCode(exitCode).withMessage(message).withReason(exitCode == 0 ? "Completed" : "Error").endTerminated().endState().build())
        .endStatus().build()).create();
  }

  static String success(double auc, String bundle) {
    return "{\"status\":\"Succeeded\",\"objective\":" + auc + ",\"metrics\":{\"roc_auc\":" + auc + ",\"accuracy\":0.8},\"bundleUri\":\"" + bundle + "\"}";
  }

  @Test
  void runsTrialsWithinTheParallelLimitCollectsResultsAndRegistersTheBest() throws Exception {
    Experiment exp = apply("churn-a", "churn-a");

    ExperimentStatus s = reconcile(exp);
    assertThat(s.getPhase()).isEqualTo(ExperimentStatus.Phase.Running);
    assertThat(s.getTrials()).hasSize(8);
    assertThat(jobs("churn-a")).extracting(j -> j.getMetadata().getName()).containsExactlyInAnyOrder("churn-a-t0", "churn-a-t1");
    Job t0 = client.batch().v1().jobs().inNamespace("test").withName("churn-a-t0").get();
    var container = t0.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("trainer:test");
    assertThat(container.getArgs()).contains("--output", "pvc://modelops-artifacts/test/churn-a/churn-a-t0");
    assertThat(String.join(" ", container.getArgs())).contains("--param max_depth=" + s.getTrials().get(0).getParams().get("max_depth"));
    assertThat(container.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("MODELOPS_EXPERIMENT"));
    assertThat(container.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    assertThat(t0.getSpec().getActiveDeadlineSeconds()).isEqualTo(1200L);
    assertThat(t0.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(exp.getMetadata().getUid());
    assertThat(t0.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "modelops-operator").containsEntry("modelops.dev/trial", "churn-a-t0");

    // A repeated reconcile (or a restarted operator) starts nothing twice.
    reconcile(exp);
    assertThat(jobs("churn-a")).hasSize(2);

    finish("churn-a-t0", 0, success(0.83, "pvc://modelops-artifacts/test/churn-a/churn-a-t0"));
    finish("churn-a-t1", 2, "{\"status\":\"Failed\",\"reason\":\"BadData\",\"message\":\"the label column 'churn' is absent\"}");
    s = reconcile(exp);
    assertThat(s.getTrials().get(0).getPhase()).isEqualTo(ExperimentStatus.TrialPhase.Succeeded);
    assertThat(s.getTrials().get(0).getObjective()).isEqualTo(0.83);
    assertThat(s.getTrials().get(1).getPhase()).isEqualTo(ExperimentStatus.TrialPhase.Failed);
    assertThat(s.getTrials().get(1).getReason()).isEqualTo("BadData");
    assertThat(s.getTrials().get(1).getMessage()).contains("label column");
    assertThat(jobs("churn-a")).hasSize(4);
    assertThat(s.getTrialsRunning()).isEqualTo(2);

    double[] aucs = {0, 0, 0.85, 0.81, 0.84, 0.80, 0.82, 0.79};
    for (int i = 2; i < 8; i++) {
      if (client.batch().v1().jobs().inNamespace("test").withName("churn-a-t" + i).get() == null) {
        s = reconcile(exp);
      }
      finish("churn-a-t" + i, 0, success(aucs[i], "pvc://modelops-artifacts/test/churn-a/churn-a-t" + i));
    }
    s = reconcile(exp);
    assertThat(s.getPhase()).isEqualTo(ExperimentStatus.Phase.Succeeded);
    assertThat(s.getBestTrial()).isEqualTo("churn-a-t2");
    assertThat(s.getBestObjective()).isEqualTo(0.85);
    assertThat(s.getModelVersion()).isEqualTo("churn-a-v1");
    ModelVersion mv = client.resources(ModelVersion.class).inNamespace("test").withName("churn-a-v1").get();
    assertThat(mv.getSpec().getArtifact().getUri()).isEqualTo("pvc://modelops-artifacts/test/churn-a/churn-a-t2");
    assertThat(mv.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    assertThat(mv.getSpec().getSource().getTrial()).isEqualTo("churn-a-t2");
    assertThat(mv.getSpec().getMetrics()).containsEntry("roc_auc", 0.85);
    assertThat(mv.getMetadata().getOwnerReferences().get(0).getName()).isEqualTo("churn-a");
    assertThat(s.getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getReason()).isEqualTo("VersionRegistered");
    });

    reconcile(exp);
    assertThat(client.resources(ModelVersion.class).inNamespace("test").withLabel(Labels.MODEL, "churn-a").list().getItems()).hasSize(1);
    List<String> reasons = client.v1().events().inNamespace("test").list().getItems().stream()
        .filter(e -> "churn-a".equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
    assertThat(reasons).contains("TrialStarted", "TrialFailed", "BestTrial", "VersionRegistered");
  }

  @Test
  void aSecondExperimentThatDoesNotBeatProductionGoesToStaging() throws Exception {
    Experiment first = apply("churn-b1", "churn-b");
    first.getSpec().getSearch().setMaxTrials(1);
    first.getSpec().getSearch().setParallelTrials(1);
    reconcile(first);
    finish("churn-b1-t0", 0, success(0.9, "pvc://x/test/churn-b1/t0"));
    assertThat(reconcile(first).getModelVersion()).isEqualTo("churn-b-v1");

    Experiment second = apply("churn-b2", "churn-b");
    second.getSpec().getSearch().setMaxTrials(1);
    second.getSpec().getSearch().setParallelTrials(1);
    reconcile(second);
    finish("churn-b2-t0", 0, success(0.85, "pvc://x/test/churn-b2/t0"));
    assertThat(reconcile(second).getModelVersion()).isEqualTo("churn-b-v2");
    assertThat(client.resources(ModelVersion.class).inNamespace("test").withName("churn-b-v2").get().getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Staging);
  }

  @Test
  void aSearchParameterXgboostDoesNotKnowIsReportedNotRun() throws Exception {
    Experiment exp = apply("churn-c", "churn-c");
    exp.getSpec().getSearch().getParameters().get(0).setName("max_dept");
    ExperimentStatus s = reconcile(exp);
    assertThat(s.getPhase()).isEqualTo(ExperimentStatus.Phase.Failed);
    assertThat(s.getMessage()).contains("spec.search.parameters[0].name", "'max_dept'", "did you mean 'max_depth'");
    assertThat(s.getConditions().get(0).getReason()).isEqualTo("InvalidSpec");
    assertThat(jobs("churn-c")).isEmpty();
  }

  @Test
  void aDatasetOnAClaimThatDoesNotExistWaitsWithBackoffAndStartsOnceItExists() throws Exception {
    Experiment exp = apply("churn-e", "churn-e");
    exp.getSpec().getDataset().setUri("pvc://churn-data/latest.csv");
    ExperimentLifecycle.Result r = new ExperimentLifecycle(client, SETTINGS).reconcile(exp);
    assertThat(r.finished()).isFalse();
    assertThat(r.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(r.status().getPhase()).isEqualTo(ExperimentStatus.Phase.Pending);
    assertThat(r.status().getMessage()).contains("spec.dataset.uri", "PersistentVolumeClaim 'churn-data'", "does not exist in namespace test");
    assertThat(r.status().getConditions().get(0).getReason()).isEqualTo("VolumeMissing");
    assertThat(jobs("churn-e")).isEmpty();
    assertThat(client.v1().events().inNamespace("test").list().getItems())
        .filteredOn(e -> "VolumeMissing".equals(e.getReason()) && "churn-e".equals(e.getInvolvedObject().getName())).hasSize(1);

    // Still missing five minutes later: the next look is five minutes away (the wait doubles),
    // never more than ten; and the Event is not repeated.
    exp.setStatus(r.status());
    exp.getStatus().getConditions().get(0).setLastTransitionTime(java.time.Instant.now().minusSeconds(300).toString());
    assertThat(new ExperimentLifecycle(client, SETTINGS).reconcile(exp).retryAfter()).isBetween(java.time.Duration.ofSeconds(299), java.time.Duration.ofSeconds(301));
    exp.getStatus().getConditions().get(0).setLastTransitionTime(java.time.Instant.now().minusSeconds(7200).toString());
    assertThat(new ExperimentLifecycle(client, SETTINGS).reconcile(exp).retryAfter()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(client.v1().events().inNamespace("test").list().getItems())
        .filteredOn(e -> "VolumeMissing".equals(e.getReason()) && "churn-e".equals(e.getInvolvedObject().getName())).hasSize(1);

    client.persistentVolumeClaims().inNamespace("test").resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("churn-data").endMetadata().build()).create();
    ExperimentStatus started = reconcile(exp);
    assertThat(started.getPhase()).isEqualTo(ExperimentStatus.Phase.Running);
    assertThat(jobs("churn-e")).isNotEmpty();
  }

  @Test
  void aTrialThatTimesOutOrRunsOutOfMemoryFailsWithThatReason() throws Exception {
    Experiment exp = apply("churn-d", "churn-d");
    reconcile(exp);
    Job j = client.batch().v1().jobs().inNamespace("test").withName("churn-d-t0").get();
    j.setStatus(new JobStatusBuilder().withConditions(new JobConditionBuilder().withType("Failed").withStatus("True").withReason("DeadlineExceeded").build()).build());
    client.batch().v1().jobs().inNamespace("test").resource(j).updateStatus();
    finish("churn-d-t1", 137, null);
    client.pods().inNamespace("test").withName("churn-d-t1-abcde").edit(p -> {
      p.getStatus().getContainerStatuses().get(0).getState().getTerminated().setReason("OOMKilled");
      return p;
    });
    ExperimentStatus s = reconcile(exp);
    assertThat(s.getTrials().get(0).getReason()).isEqualTo("Timeout");
    assertThat(s.getTrials().get(1).getReason()).isEqualTo("OOMKilled");
    assertThat(s.getTrials().get(1).getMessage()).contains("spec.trainer.resources.limits.memory");
  }

}
