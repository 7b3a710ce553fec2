package dev.modelops.operator.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.S3Access;
import dev.modelops.api.v1alpha1.SchemaDefaults;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.testing.ClusterObjects;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The Experiment decision as a pure function: Jobs and Pods are made in memory as a cluster
 * would leave them, and each step's actions are carried out by hand. The reconciler on a real
 * API server is e2e's OperatorRunIT.
 */
class ExperimentDecisionTest {
  static final OperatorSettings SETTINGS = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts");
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  /** The cluster as the decision sees it; actions change it as the act step would. */
  final Map<String, Job> jobs = new HashMap<>();
  final Map<String, List<Pod>> pods = new HashMap<>();
  final List<ModelVersion> versions = new ArrayList<>();
  final List<String> events = new ArrayList<>();

  static Experiment example(String name, String model) throws Exception {
    return example("churn", name, model);
  }

  /** The Experiment of examples/{@code useCase}/experiment.yaml, named {@code name}. */
  static Experiment example(String useCase, String name, String model) throws Exception {
    Experiment exp = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples", useCase, "experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setName(name);
    exp.getMetadata().setNamespace("test");
    exp.getMetadata().setUid(UUID.randomUUID().toString());
    exp.getMetadata().setGeneration(1L);
    exp.getSpec().setModel(model);
    SchemaDefaults.apply(exp.getSpec()); // as the API server returns it
    return exp;
  }

  ExperimentDecision.Outcome step(Experiment exp, String missingVolume, Instant now) {
    ExperimentDecision.Outcome o = ExperimentDecision.decide(exp, new ExperimentObservation(jobs, pods, missingVolume, versions), now);
    for (ExperimentAction a : o.actions()) {
      if (a instanceof ExperimentAction.StartTrial s) {
        jobs.put(s.name(), TrialJobs.build(exp, s.index(), s.params(), SETTINGS));
      } else if (a instanceof ExperimentAction.StopTrial s) {
        jobs.remove(s.name());
      } else if (a instanceof ExperimentAction.Register r) {
        versions.add(r.version());
        events.add(r.announcement().reason());
      } else if (a instanceof ExperimentAction.Announce an) {
        events.add(an.announcement().reason());
      }
    }
    exp.setStatus(o.status());
    return o;
  }

  ExperimentStatus step(Experiment exp) {
    return step(exp, null, NOW).status();
  }

  /** Ends a trial as a cluster would: the trainer's Pod with its termination message, then the Job's status. */
  void finish(String job, int exitCode, String message) {
    jobs.get(job).setStatus(ClusterObjects.finished(exitCode == 0, NOW));
    pods.put(job, List.of(ClusterObjects.trialPod(jobs.get(job), "trainer:test", exitCode, message, NOW)));
  }

  static String success(double auc, String bundle) {
    return "{\"status\":\"Succeeded\",\"objective\":" + auc + ",\"metrics\":{\"roc_auc\":" + auc + ",\"accuracy\":0.8},\"bundleUri\":\"" + bundle + "\"}";
  }

  @Test
  void aTpeSearchStartsAtRandomThenProposesFromTheFinishedTrialsAndKeepsWhatItStarted() throws Exception {
    Experiment exp = example("churn-tpe", "churn-tpe");
    exp.getSpec().getSearch().setStrategy(ExperimentSpec.SearchStrategy.TPE);
    exp.getSpec().getSearch().setMaxTrials(12);
    exp.getSpec().getSearch().setParallelTrials(1);
    List<Map<String, String>> random = TrialPlanner.plan(SearchSpace.dimensions(exp.getSpec()), TrialPlanner.Strategy.RANDOM, 12,
        exp.getSpec().getDataset().getSeed());
    int startup = TreeParzen.startupTrials(SearchSpace.dimensions(exp.getSpec()).size());
    // Trials one at a time; the objective is best for shallow trees.
    for (int i = 0; i < 12; i++) {
      ExperimentStatus s = step(exp);
      String name = "churn-tpe-t" + i;
      Map<String, String> started = TrialJobs.params(jobs.get(name));
      assertThat(s.getTrials().get(i).getParams()).as("status shows what %s was started with", name).isEqualTo(started);
      if (i < startup) {
        assertThat(started).as("start-up trial %d: the random plan", i).isEqualTo(random.get(i));
      }
      int depth = Integer.parseInt(started.get("max_depth"));
      finish(name, 0, success(0.9 - 0.02 * depth, "pvc://modelops-artifacts/test/churn-tpe/" + name));
    }
    ExperimentStatus done = step(exp);
    assertThat(done.getPhase()).isEqualTo(ExperimentStatus.Phase.Succeeded);
    // What it started stays as it was, whatever finished afterwards.
    for (int i = 0; i < 12; i++) {
      assertThat(done.getTrials().get(i).getParams()).isEqualTo(TrialJobs.params(jobs.get("churn-tpe-t" + i)));
    }
    double randomDepth = random.subList(startup, 12).stream().mapToInt(p -> Integer.parseInt(p.get("max_depth"))).average().orElseThrow();
    double tpeDepth = done.getTrials().subList(startup, 12).stream().mapToInt(t -> Integer.parseInt(t.getParams().get("max_depth"))).average().orElseThrow();
    assertThat(tpeDepth).as("after the start-up trials it proposes shallower trees than the random plan (%s)", randomDepth).isLessThan(randomDepth);
  }

  @Test
  void aRegressionRegistersTheTrialWithTheSmallestRmse() throws Exception {
    Experiment exp = example("house-prices", "prices", "prices");
    exp.getSpec().getSearch().setMaxTrials(3);
    exp.getSpec().getSearch().setParallelTrials(3);
    step(exp);
    double[] rmse = {31000, 26000, 29000};
    for (int i = 0; i < rmse.length; i++) {
      finish("prices-t" + i, 0, "{\"status\":\"Succeeded\",\"objective\":" + rmse[i] + ",\"metrics\":{\"rmse\":" + rmse[i]
          + ",\"r2\":0.9},\"bundleUri\":\"pvc://modelops-artifacts/test/prices/prices-t" + i + "\"}");
    }
    ExperimentStatus s = step(exp);
    assertThat(s.getPhase()).isEqualTo(ExperimentStatus.Phase.Succeeded);
    assertThat(s.getBestTrial()).isEqualTo("prices-t1");
    assertThat(versions.get(0).getSpec().getMetrics()).containsEntry("rmse", 26000.0);
  }

  @Test
  void aWarmStartIsTrialZeroAndAWarmStartOutsideTheSpaceIsRefusedNamingIt() throws Exception {
    Experiment exp = example("churn-warm", "churn-warm");
    exp.getSpec().getSearch().setWarmStart(Map.of("max_depth", "2", "eta", "0.1"));
    List<Map<String, String>> random = TrialPlanner.plan(SearchSpace.dimensions(exp.getSpec()), TrialPlanner.Strategy.RANDOM,
        exp.getSpec().getSearch().getMaxTrials(), exp.getSpec().getDataset().getSeed());
    ExperimentStatus s = step(exp);
    assertThat(s.getTrials().get(0).getParams()).containsEntry("max_depth", "2").containsEntry("eta", "0.1");
    assertThat(String.join(" ", jobs.get("churn-warm-t0").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())).contains("--param max_depth=2", "--param eta=0.1");
    assertThat(s.getTrials().get(1).getParams()).as("then the strategy's plan").isEqualTo(random.get(0));

    Experiment bad = example("churn-cold", "churn-cold");
    bad.getSpec().getSearch().setWarmStart(Map.of("max_depth", "99"));
    ExperimentStatus refused = step(bad);
    assertThat(refused.getPhase()).isEqualTo(ExperimentStatus.Phase.Failed);
    assertThat(refused.getMessage()).contains("spec.search.warmStart.max_depth is '99'", "outside");
  }

  @Test
  void runsTrialsWithinTheParallelLimitCollectsResultsAndRegistersTheBest() throws Exception {
    Experiment exp = example("churn-a", "churn-a");
    dev.modelops.api.v1alpha1.Rollout canary = new dev.modelops.api.v1alpha1.Rollout();
    canary.setStrategy(dev.modelops.api.v1alpha1.Rollout.Strategy.Canary);
    canary.setSteps(List.of(10, 30));
    exp.getSpec().getRegister().setRollout(canary);

    ExperimentStatus s = step(exp);
    assertThat(s.getPhase()).isEqualTo(ExperimentStatus.Phase.Running);
    assertThat(s.getTrials()).hasSize(8);
    assertThat(jobs).containsOnlyKeys("churn-a-t0", "churn-a-t1");
    Job t0 = jobs.get("churn-a-t0");
    var container = t0.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("trainer:test");
    assertThat(container.getArgs()).contains("--output", "pvc://modelops-artifacts/test/churn-a/churn-a-t0");
    assertThat(String.join(" ", container.getArgs())).contains("--param max_depth=" + s.getTrials().get(0).getParams().get("max_depth"));
    assertThat(container.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("MODELOPS_EXPERIMENT"));
    assertThat(container.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    assertThat(t0.getSpec().getActiveDeadlineSeconds()).isEqualTo(1200L);
    assertThat(t0.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(exp.getMetadata().getUid());
    assertThat(t0.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "modelops-operator").containsEntry("modelops.dev/trial", "churn-a-t0");
    assertThat(s.getStartTime()).isEqualTo(NOW.toString());

    // A repeated decision (or a restarted operator) starts nothing twice.
    assertThat(ExperimentDecision.decide(exp, new ExperimentObservation(jobs, pods, null, versions), NOW).actions()).isEmpty();

    finish("churn-a-t0", 0, success(0.83, "pvc://modelops-artifacts/test/churn-a/churn-a-t0"));
    finish("churn-a-t1", 2, "{\"status\":\"Failed\",\"reason\":\"BadData\",\"message\":\"the label column 'churn' is absent\"}");
    s = step(exp);
    assertThat(s.getTrials().get(0).getPhase()).isEqualTo(ExperimentStatus.TrialPhase.Succeeded);
    assertThat(s.getTrials().get(0).getObjective()).isEqualTo(0.83);
    assertThat(s.getTrials().get(1).getPhase()).isEqualTo(ExperimentStatus.TrialPhase.Failed);
    assertThat(s.getTrials().get(1).getReason()).isEqualTo("BadData");
    assertThat(s.getTrials().get(1).getMessage()).contains("label column");
    assertThat(jobs).hasSize(4);
    assertThat(s.getTrialsRunning()).isEqualTo(2);

    double[] aucs = {0, 0, 0.85, 0.81, 0.84, 0.80, 0.82, 0.79};
    for (int i = 2; i < 8; i++) {
      if (!jobs.containsKey("churn-a-t" + i)) {
        s = step(exp);
      }
      finish("churn-a-t" + i, 0, success(aucs[i], "pvc://modelops-artifacts/test/churn-a/churn-a-t" + i));
    }
    ExperimentDecision.Outcome done = step(exp, null, NOW);
    s = done.status();
    assertThat(done.finished()).isTrue();
    assertThat(s.getPhase()).isEqualTo(ExperimentStatus.Phase.Succeeded);
    assertThat(s.getBestTrial()).isEqualTo("churn-a-t2");
    assertThat(s.getBestObjective()).isEqualTo(0.85);
    assertThat(s.getModelVersion()).isEqualTo("churn-a-v1");
    ModelVersion mv = versions.get(0);
    assertThat(mv.getSpec().getArtifact().getUri()).isEqualTo("pvc://modelops-artifacts/test/churn-a/churn-a-t2");
    assertThat(mv.getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Production);
    assertThat(mv.getSpec().getSource().getTrial()).isEqualTo("churn-a-t2");
    assertThat(mv.getSpec().getSource().getParams()).as("the winner's searched parameters, for a retrain's warm start")
        .isEqualTo(s.getTrials().get(2).getParams());
    assertThat(mv.getSpec().getMetrics()).containsEntry("roc_auc", 0.85);
    assertThat(mv.getSpec().getRollout()).as("the register section's rollout").isEqualTo(canary);
    assertThat(mv.getMetadata().getOwnerReferences()).as("a registry record outlives its Experiment").isNullOrEmpty();
    assertThat(mv.getSpec().getSource().getExperiment()).isEqualTo("churn-a");
    assertThat(mv.getMetadata().getLabels()).containsEntry("modelops.dev/experiment", "churn-a").containsEntry("modelops.dev/trial", "churn-a-t2")
        .doesNotContainKey("modelops.dev/drift-policy");
    assertThat(s.getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getReason()).isEqualTo("VersionRegistered");
    });

    step(exp);
    assertThat(versions).hasSize(1);
    assertThat(events).contains("TrialFailed", "BestTrial", "VersionRegistered").containsOnlyOnce("TrialFailed", "BestTrial");
  }

  @Test
  void anExperimentWithFixedParamsAndNoSearchSectionTrainsOnceAndRegisters() throws Exception {
    Experiment exp = new ObjectMapper(new YAMLFactory())
        .readValue(Path.of("../examples/churn/experiment-fixed-params.yaml").toFile(), Experiment.class);
    exp.getMetadata().setNamespace("test");
    exp.getMetadata().setUid(UUID.randomUUID().toString());
    exp.getMetadata().setGeneration(1L);
    assertThat(exp.getSpec().getSearch()).as("the file has no search section").isNull();
    SchemaDefaults.apply(exp.getSpec()); // as the API server returns it

    ExperimentStatus s = step(exp);
    assertThat(s.getTrials()).hasSize(1);
    assertThat(s.getTrials().get(0).getParams()).isNullOrEmpty();
    assertThat(jobs).containsOnlyKeys("churn-fixed-t0");
    finish("churn-fixed-t0", 0, success(0.8, "pvc://modelops-artifacts/test/churn-fixed/churn-fixed-t0"));
    ExperimentDecision.Outcome done = step(exp, null, NOW);
    assertThat(done.finished()).isTrue();
    assertThat(done.status().getPhase()).isEqualTo(ExperimentStatus.Phase.Succeeded);
    assertThat(done.status().getBestTrial()).isEqualTo("churn-fixed-t0");
    assertThat(versions).hasSize(1);
  }

  @Test
  void aSecondExperimentThatDoesNotBeatProductionGoesToStaging() throws Exception {
    Experiment first = example("churn-b1", "churn-b");
    first.getSpec().getSearch().setMaxTrials(1);
    first.getSpec().getSearch().setParallelTrials(1);
    step(first);
    finish("churn-b1-t0", 0, success(0.9, "pvc://x/test/churn-b1/t0"));
    assertThat(step(first).getModelVersion()).isEqualTo("churn-b-v1");

    // A policy's retrain: the version it registers names the policy and the version retrained,
    // since the retraining Experiment goes with its policy and the version does not.
    Experiment second = example("churn-b2", "churn-b");
    second.getMetadata().setLabels(Map.of("modelops.dev/drift-policy", "churn-b-drift"));
    second.getMetadata().setAnnotations(Map.of("modelops.dev/retrain-of", "churn-b-v1", "modelops.dev/retrain-reason", "modelAge"));
    second.getSpec().getSearch().setMaxTrials(1);
    second.getSpec().getSearch().setParallelTrials(1);
    step(second);
    finish("churn-b2-t0", 0, success(0.85, "pvc://x/test/churn-b2/t0"));
    assertThat(step(second).getModelVersion()).isEqualTo("churn-b-v2");
    assertThat(versions.get(1).getSpec().getStage()).isEqualTo(ModelVersionSpec.Stage.Staging);
    assertThat(versions.get(1).getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(versions.get(1).getMetadata().getLabels()).containsEntry("modelops.dev/drift-policy", "churn-b-drift")
        .containsEntry("modelops.dev/experiment", "churn-b2");
    assertThat(versions.get(1).getMetadata().getAnnotations()).containsExactly(Map.entry("modelops.dev/retrain-of", "churn-b-v1"));
  }

  @Test
  void aSearchParameterXgboostDoesNotKnowIsReportedNotRun() throws Exception {
    Experiment exp = example("churn-c", "churn-c");
    exp.getSpec().getSearch().getParameters().get(0).setName("max_dept");
    ExperimentDecision.Outcome o = step(exp, null, NOW);
    assertThat(o.finished()).isTrue();
    ExperimentStatus s = o.status();
    assertThat(s.getPhase()).isEqualTo(ExperimentStatus.Phase.Failed);
    assertThat(s.getMessage()).contains("spec.search.parameters[0].name", "'max_dept'", "did you mean 'max_depth'");
    assertThat(s.getConditions().get(0).getReason()).isEqualTo("InvalidSpec");
    assertThat(jobs).isEmpty();
    step(exp);
    assertThat(events).containsExactly("InvalidSpec");
  }

  @Test
  void aMissingClaimWaitsWithAGrowingBackoffAndStartsOnceItExists() throws Exception {
    Experiment exp = example("churn-e", "churn-e");
    String missing = "spec.dataset.uri: pvc://churn-data/latest.csv names the PersistentVolumeClaim 'churn-data', which does not exist";
    ExperimentDecision.Outcome r = step(exp, missing, NOW);
    assertThat(r.finished()).isFalse();
    assertThat(r.recheck()).isEqualTo(Duration.ofSeconds(10));
    assertThat(r.status().getPhase()).isEqualTo(ExperimentStatus.Phase.Pending);
    assertThat(r.status().getConditions().get(0).getReason()).isEqualTo("VolumeMissing");
    assertThat(jobs).isEmpty();

    // Still missing five minutes later: the next look is five minutes away (the wait doubles),
    // never more than ten; and the Event is not repeated.
    assertThat(step(exp, missing, NOW.plusSeconds(300)).recheck()).isEqualTo(Duration.ofSeconds(300));
    assertThat(step(exp, missing, NOW.plusSeconds(7200)).recheck()).isEqualTo(Duration.ofMinutes(10));
    assertThat(events).containsExactly("VolumeMissing");

    assertThat(step(exp, null, NOW.plusSeconds(7300)).status().getPhase()).isEqualTo(ExperimentStatus.Phase.Running);
    assertThat(jobs).isNotEmpty();
  }

  @Test
  void aTrialThatTimesOutRunsOutOfMemoryOrCannotPullItsImageFailsWithThatReason() throws Exception {
    Experiment exp = example("churn-d", "churn-d");
    exp.getSpec().getSearch().setParallelTrials(3);
    exp.getSpec().getSearch().setMaxFailedTrials(5);
    step(exp);
    jobs.get("churn-d-t0").setStatus(new JobStatusBuilder()
        .withConditions(new JobConditionBuilder().withType("Failed").withStatus("True").withReason("DeadlineExceeded").build()).build());
    finish("churn-d-t1", 137, null);
    pods.get("churn-d-t1").get(0).getStatus().getContainerStatuses().get(0).getState().getTerminated().setReason("OOMKilled");
    pods.put("churn-d-t2", List.of(new PodBuilder().withNewMetadata().withName("churn-d-t2-x").endMetadata().withNewStatus()
        .withContainerStatuses(new ContainerStatusBuilder().withName("trainer").withNewState().withNewWaiting().withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image").endWaiting().endState().build()).endStatus().build()));
    ExperimentDecision.Outcome o = step(exp, null, NOW);
    ExperimentStatus s = o.status();
    assertThat(s.getTrials().get(0).getReason()).isEqualTo("Timeout");
    assertThat(s.getTrials().get(1).getReason()).isEqualTo("OOMKilled");
    assertThat(s.getTrials().get(1).getMessage()).contains("spec.trainer.resources.limits.memory");
    assertThat(s.getTrials().get(2).getReason()).isEqualTo("ImagePullBackOff");
    assertThat(o.actions()).contains(new ExperimentAction.StopTrial("churn-d-t2"));
  }

  /**
   * Data in S3: each trial Pod gets the store's endpoint and region and the key from the Secret
   * (never the key itself), and mounts no data claim; a missing Secret fails the trial saying so.
   */
  @Test
  void anS3DatasetGivesEachTrialTheEndpointRegionAndKeyFromTheSecret() throws Exception {
    Experiment exp = example("churn-s3", "churn-s3");
    exp.getSpec().getDataset().setUri("s3://data/churn/telco-churn.csv");
    exp.getSpec().getDataset().setS3(new S3Access("http://minio.storage:9000", null, new S3Access.SecretRef("churn-data")));
    step(exp);
    var pod = jobs.get("churn-s3-t0").getSpec().getTemplate().getSpec();
    Map<String, EnvVar> env = new HashMap<>();
    pod.getContainers().get(0).getEnv().forEach(e -> env.put(e.getName(), e));
    assertThat(env.get("AWS_ENDPOINT_URL_S3").getValue()).isEqualTo("http://minio.storage:9000");
    assertThat(env).as("no region: the programs' default, us-east-1").doesNotContainKey("AWS_REGION");
    assertThat(env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName()).isEqualTo("churn-data");
    assertThat(env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("AWS_SECRET_ACCESS_KEY");
    assertThat(env.get("AWS_SECRET_ACCESS_KEY").getValue()).isNull();
    assertThat(pod.getVolumes()).as("the artifacts claim and /tmp, no data claim").extracting(Volume::getName).containsExactly("pvc-0", "tmp");
    assertThat(pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName()).isEqualTo("modelops-artifacts");

    pods.put("churn-s3-t0", List.of(new PodBuilder().withNewMetadata().withName("churn-s3-t0-x").endMetadata().withNewStatus()
        .withContainerStatuses(new ContainerStatusBuilder().withName("trainer").withNewState().withNewWaiting().withReason("CreateContainerConfigError")
            .withMessage("secret \"churn-data\" not found").endWaiting().endState().build()).endStatus().build()));
    ExperimentStatus.Trial t0 = step(exp).getTrials().get(0);
    assertThat(t0.getPhase()).isEqualTo(ExperimentStatus.TrialPhase.Failed);
    assertThat(t0.getReason()).isEqualTo("CreateContainerConfigError");
    assertThat(t0.getMessage()).isEqualTo("secret \"churn-data\" not found");
  }
}
