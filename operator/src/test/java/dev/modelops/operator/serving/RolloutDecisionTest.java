package dev.modelops.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.api.v1alpha1.ModelVersionStatus.Phase;
import dev.modelops.api.v1alpha1.Rollout;
import dev.modelops.operator.Announcement;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Shadow and Canary rollouts as decisions: the candidate is analysed against the version that has
 * the production traffic from what that version's servers measured, promoted when every check
 * passes, rejected (and Production left alone) when one fails. The servers' side is the model
 * server's; the whole loop on a real node is e2e's.
 */
class RolloutDecisionTest {
  final ServingDecisionTest cluster = new ServingDecisionTest();

  /** churn-v1 serving production traffic, and churn-v2 (Production, with {@code rollout}) deployed with every replica ready. */
  ModelVersion candidate(Rollout rollout) {
    ModelVersion v1 = cluster.create("churn", 1, ModelVersionSpec.Stage.Production);
    cluster.reconcile(v1);
    cluster.makeReady("churn-v1");
    assertThat(cluster.reconcile(v1).getReceivesProductionTraffic()).isTrue();
    ModelVersion v2 = cluster.create("churn", 2, ModelVersionSpec.Stage.Production);
    v2.getSpec().setRollout(rollout);
    cluster.reconcile(v2);
    cluster.makeReady("churn-v2");
    return v2;
  }

  static Rollout shadow(double share) {
    Rollout r = new Rollout();
    r.setStrategy(Rollout.Strategy.Shadow);
    r.setShare(share);
    Rollout.Analysis a = new Rollout.Analysis();
    a.setMinSamples(100);
    a.setMinDuration("1m");
    a.setMaxDuration("30m");
    r.setAnalysis(a);
    return r;
  }

  /** A reading of one baseline server: rows compared, of which some disagree; predictions in ten bins. */
  static ShadowReading reading(String step, long rows, long disagreements, long[] production, long[] candidate) {
    return new ShadowReading(step, rows, 0, rows, disagreements, production, candidate, 0, 0, 0,
        new double[] {0.005, 0.01, 0.025, 0.05, 0.1, 0.25}, new long[] {0, rows / 2, rows - rows / 2, 0, 0, 0, 0});
  }

  static long[] bins(long... counts) {
    return counts;
  }

  static final long[] EVEN = bins(10, 10, 10, 10, 10, 10, 0, 0, 0, 0);

  Map<String, String> env(String deployment) {
    return cluster.deployment(deployment).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  int routedVersion() {
    return Integer.parseInt(cluster.services.get("churn").getSpec().getSelector().get("modelops.dev/version"));
  }

  List<String> reasons() {
    return cluster.events.stream().map(Announcement::reason).toList();
  }

  @Test
  void aShadowCandidateIsComparedWithProductionOnTheSameRowsAndPromotedWhenEveryCheckPasses() {
    ModelVersion v2 = candidate(shadow(0.5));
    ModelVersion v1 = cluster.versions.get("churn-v1");
    ModelVersionStatus s = cluster.reconcile(v2);
    assertThat(s.getPhase()).isEqualTo(Phase.Analysing);
    assertThat(s.getAnalysis().getResult()).isEqualTo("Running");
    assertThat(s.getAnalysis().getBaseline()).isEqualTo("churn-v1");
    assertThat(s.getReceivesProductionTraffic()).isFalse();
    assertThat(routedVersion()).as("production stays with v1 while v2 is analysed").isEqualTo(1);
    assertThat(reasons()).contains("AnalysisStarted");
    assertThat(env("churn-v2")).containsEntry("MODEL_SHADOW_ACCEPT_IDS", "true");

    // the baseline's servers are configured from the candidate's status
    cluster.reconcile(v1);
    assertThat(env("churn-v1")).containsEntry("MODEL_SHADOW_URL", "http://churn-v2.serve.svc:8080").containsEntry("MODEL_SHADOW_SHARE", "0.5")
        .containsEntry("MODEL_SHADOW_MODE", "shadow").containsEntry("MODEL_SHADOW_STEP", "churn-v2/1/1");
    assertThat(cluster.lastRecheck).as("the baseline follows the analysis closely").contains(ServingDecision.ANALYSIS_RECHECK);

    // one of two servers runs the step: its counts do not count yet
    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 2, List.of(reading("churn-v2/1/1", 60, 0, EVEN, EVEN))));
    s = cluster.reconcile(v2);
    assertThat(s.getAnalysis().getStepStartedAt()).isNull();
    assertThat(s.getAnalysis().getMessage()).contains("1 of 2 ready servers");

    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 2,
        List.of(reading("churn-v2/1/1", 60, 1, EVEN, EVEN), reading("churn-v2/1/1", 60, 2, EVEN, EVEN))));
    s = cluster.reconcile(v2);
    assertThat(s.getAnalysis().getStepStartedAt()).isEqualTo(cluster.now.toString());
    assertThat(s.getAnalysis().getSamples()).isEqualTo(120);
    assertThat(s.getAnalysis().getChecks()).extracting(ModelVersionStatus.Check::getVerdict).containsOnly("Pass");
    assertThat(s.getAnalysis().getChecks()).filteredOn(c -> c.getName().equals("classDisagreement")).singleElement()
        .satisfies(c -> assertThat(c.getValue()).isEqualTo(0.025));
    assertThat(s.getAnalysis().getResult()).as("every check passes, but minDuration has not passed").isEqualTo("Running");

    cluster.now = cluster.now.plus(Duration.ofSeconds(61));
    s = cluster.reconcile(v2);
    assertThat(s.getAnalysis().getResult()).isEqualTo("Passed");
    assertThat(reasons()).contains("AnalysisPassed");
    s = cluster.reconcile(v2);
    assertThat(s.getReceivesProductionTraffic()).isTrue();
    assertThat(routedVersion()).isEqualTo(2);
    assertThat(reasons()).containsSubsequence("AnalysisStarted", "AnalysisPassed", "Promoted");

    // the superseded baseline's servers keep their template while they drain
    Map<String, String> before = env("churn-v1");
    assertThat(cluster.reconcile(v1).getPhase()).isEqualTo(Phase.Superseded);
    assertThat(env("churn-v1")).isEqualTo(before);
  }

  @Test
  void aCandidateWhosePredictionsDisagreeIsRejectedWithTheCheckAndItsValuesAndProductionIsLeftAlone() {
    ModelVersion v2 = candidate(shadow(1.0));
    ModelVersion v1 = cluster.versions.get("churn-v1");
    cluster.reconcile(v2);
    cluster.reconcile(v1);
    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 2, List.of(
        reading("churn-v2/1/1", 80, 30, EVEN, bins(0, 0, 0, 0, 10, 10, 10, 10, 10, 10)),
        reading("churn-v2/1/1", 80, 29, EVEN, bins(0, 0, 0, 0, 10, 10, 10, 10, 10, 10)))));
    ModelVersionStatus s = cluster.reconcile(v2);
    assertThat(s.getPhase()).isEqualTo(Phase.Rejected);
    assertThat(s.getAnalysis().getResult()).isEqualTo("Failed");
    assertThat(s.getMessage()).contains("predictionDivergence").contains("over 0.1").contains("160 rows compared").contains("churn-v1");
    assertThat(cluster.events).filteredOn(e -> e.reason().equals("Rejected")).singleElement().satisfies(e -> assertThat(e.warning()).isTrue());
    assertThat(routedVersion()).isEqualTo(1);

    // the baseline's servers stop mirroring; the candidate stays rejected at this generation
    cluster.reconcile(v1);
    assertThat(env("churn-v1")).doesNotContainKey("MODEL_SHADOW_URL");
    assertThat(cluster.reconcile(v1).getReceivesProductionTraffic()).isTrue();
    cluster.now = cluster.now.plus(Duration.ofHours(2));
    assertThat(cluster.reconcile(v2).getPhase()).isEqualTo(Phase.Rejected);
    assertThat(routedVersion()).isEqualTo(1);
    assertThat(cluster.events).filteredOn(e -> e.reason().equals("Rejected")).hasSize(1);

    // a new generation is analysed again
    v2.getMetadata().setGeneration(2L);
    s = cluster.reconcile(v2);
    assertThat(s.getPhase()).isEqualTo(Phase.Analysing);
    assertThat(s.getAnalysis().getGeneration()).isEqualTo(2L);
  }

  @Test
  void aCanaryRunsItsStepsInOrderEachOnFreshCounts() {
    Rollout canary = shadow(1.0);
    canary.setShare(null);
    canary.setStrategy(Rollout.Strategy.Canary);
    canary.setSteps(List.of(10, 50));
    ModelVersion v2 = candidate(canary);
    ModelVersion v1 = cluster.versions.get("churn-v1");
    cluster.reconcile(v2);
    cluster.reconcile(v1);
    assertThat(env("churn-v1")).containsEntry("MODEL_SHADOW_MODE", "canary").containsEntry("MODEL_SHADOW_SHARE", "0.1")
        .containsEntry("MODEL_SHADOW_STEP", "churn-v2/1/1");
    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 1, List.of(reading("churn-v2/1/1", 150, 0, EVEN, EVEN))));
    cluster.reconcile(v2);
    cluster.now = cluster.now.plus(Duration.ofMinutes(2));
    ModelVersionStatus s = cluster.reconcile(v2);
    assertThat(s.getAnalysis().getStep()).isEqualTo(2);
    assertThat(s.getAnalysis().getShare()).isEqualTo(0.5);
    assertThat(s.getAnalysis().getStepStartedAt()).isNull();
    assertThat(reasons()).contains("AnalysisStepPassed");
    cluster.reconcile(v1);
    assertThat(env("churn-v1")).containsEntry("MODEL_SHADOW_SHARE", "0.5").containsEntry("MODEL_SHADOW_STEP", "churn-v2/1/2");

    // the servers still on step 1 do not count for step 2
    s = cluster.reconcile(v2);
    assertThat(s.getAnalysis().getStepStartedAt()).isNull();
    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 1, List.of(reading("churn-v2/1/2", 150, 0, EVEN, EVEN))));
    cluster.reconcile(v2);
    cluster.now = cluster.now.plus(Duration.ofMinutes(2));
    assertThat(cluster.reconcile(v2).getAnalysis().getResult()).isEqualTo("Passed");
    assertThat(cluster.reconcile(v2).getReceivesProductionTraffic()).isTrue();
  }

  @Test
  void aStepThatNeverGetsItsSamplesRejectsTheCandidateAsNotProven() {
    ModelVersion v2 = candidate(shadow(0.1));
    cluster.reconcile(v2);
    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 1, List.of(reading("churn-v2/1/1", 7, 0, EVEN, EVEN))));
    cluster.reconcile(v2);
    cluster.now = cluster.now.plus(Duration.ofMinutes(31));
    ModelVersionStatus s = cluster.reconcile(v2);
    assertThat(s.getPhase()).isEqualTo(Phase.Rejected);
    assertThat(s.getMessage()).contains("not proven within maxDuration 30m").contains("7 of 100 rows");
  }

  @Test
  void liveAccuracyFromFeedbackJoinedToBothServersMayNotFallByMoreThanTheMargin() {
    Rollout r = shadow(1.0);
    r.getAnalysis().setAccuracyMargin(0.02);
    r.getAnalysis().setMinLabels(50);
    ModelVersion v2 = candidate(r);
    cluster.reconcile(v2);
    // labels enough, rows not yet: nothing is judged (a few early labels never decide alone)
    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 1, List.of(new ShadowReading("churn-v2/1/1", 60, 0, 60, 0, EVEN, EVEN,
        60, 50, 40, new double[] {0.01}, new long[] {60, 0}))));
    assertThat(cluster.reconcile(v2).getPhase()).isEqualTo(Phase.Analysing);
    // 100 labelled rows: Production had 80 right, the candidate 70
    cluster.baseline = Optional.of(new RolloutAnalysis.Baseline("churn-v1", 1, List.of(new ShadowReading("churn-v2/1/1", 200, 0, 200, 5, EVEN, EVEN,
        100, 80, 70, new double[] {0.01}, new long[] {200, 0}))));
    ModelVersionStatus s = cluster.reconcile(v2);
    assertThat(s.getPhase()).isEqualTo(Phase.Rejected);
    assertThat(s.getMessage()).contains("live accuracy -0.1000 against Production's").contains("100 labelled");
  }

  @Test
  void aFirstVersionHasNothingToBeComparedWithAndTakesTheTrafficDirectly() {
    ModelVersion v1 = cluster.create("churn", 1, ModelVersionSpec.Stage.Production);
    v1.getSpec().setRollout(shadow(1.0));
    cluster.reconcile(v1);
    cluster.makeReady("churn-v1");
    ModelVersionStatus s = cluster.reconcile(v1);
    assertThat(s.getReceivesProductionTraffic()).isTrue();
    assertThat(s.getAnalysis()).isNull();
  }
}
