package dev.modelops.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.DriftPolicySpec.Check;
import dev.modelops.api.v1alpha1.DriftPolicySpec.CheckMetric;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.Band;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.State;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The policy's pure rules: bands, minimum samples, staleness, cooldown, merging replica counts. */
class DriftPolicyRulesTest {
  static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

  static Check check(CheckMetric metric, String feature, Double warn, Double retrain, Double alert) {
    Check c = new Check();
    c.setMetric(metric);
    c.setFeature(feature);
    c.setWarn(warn);
    c.setRetrain(retrain);
    c.setAlert(alert);
    return c;
  }

  static Observation observation(long samples, double contractScore, double tenureScore) {
    return new Observation(samples, List.of(
        new Observation.Feature("contract", "categorical", contractScore, contractScore > 0.1, 0.0, null),
        new Observation.Feature("tenure", "numeric", tenureScore, tenureScore > 0.2, 0.25, null),
        new Observation.Feature("review", "text", 0.05, false, 0.0, 0.12)), 0.3, 1000, 700, 2);
  }

  @Test
  void bandsAreTheWorstThresholdReachedAndLiveAccuracyFalls() {
    Check share = check(CheckMetric.driftedFeatureShare, null, 0.1, 0.3, 0.6);
    assertThat(PolicyEvaluation.band(share, 0.05)).isEqualTo(Band.Ok);
    assertThat(PolicyEvaluation.band(share, 0.1)).isEqualTo(Band.Warn);
    assertThat(PolicyEvaluation.band(share, 0.35)).isEqualTo(Band.Retrain);
    assertThat(PolicyEvaluation.band(share, 0.9)).isEqualTo(Band.Alert);
    Check onlyRetrain = check(CheckMetric.predictionDrift, null, null, 0.25, null);
    assertThat(PolicyEvaluation.band(onlyRetrain, 0.2)).isEqualTo(Band.Ok);
    assertThat(PolicyEvaluation.band(onlyRetrain, 5.0)).isEqualTo(Band.Retrain);
    Check accuracy = check(CheckMetric.liveAccuracy, null, 0.78, 0.74, 0.65);
    assertThat(PolicyEvaluation.band(accuracy, 0.80)).isEqualTo(Band.Ok);
    assertThat(PolicyEvaluation.band(accuracy, 0.76)).isEqualTo(Band.Warn);
    assertThat(PolicyEvaluation.band(accuracy, 0.70)).isEqualTo(Band.Retrain);
    assertThat(PolicyEvaluation.band(accuracy, 0.60)).isEqualTo(Band.Alert);
  }

  @Test
  void everyMetricIsMeasuredFromTheObservation() {
    Observation o = observation(1000, 0.4, 0.1);
    List<PolicyEvaluation.Outcome> out = PolicyEvaluation.evaluate(List.of(
        check(CheckMetric.driftedFeatureShare, null, 0.1, 0.3, 0.6),
        check(CheckMetric.featureDrift, "contract", 0.1, 0.2, null),
        check(CheckMetric.featureDrift, null, 0.1, 0.5, null),
        check(CheckMetric.predictionDrift, null, 0.1, 0.25, 0.5),
        check(CheckMetric.missingValueShare, null, 0.05, null, 0.2),
        check(CheckMetric.textOutOfVocabulary, "review", 0.1, 0.2, null),
        check(CheckMetric.liveAccuracy, null, 0.78, 0.74, 0.65)), 500, o, NOW.minus(Duration.ofDays(3)), NOW);
    assertThat(out.get(0).value()).isEqualTo(1.0 / 3);
    assertThat(out.get(0).band()).isEqualTo(Band.Retrain);
    assertThat(out.get(0).message()).contains("1 of 3 features drifted: contract");
    assertThat(out.get(1).value()).isEqualTo(0.4);
    assertThat(out.get(1).band()).isEqualTo(Band.Retrain);
    assertThat(out.get(2).message()).contains("contract"); // the worst feature when none is named
    assertThat(out.get(2).band()).isEqualTo(Band.Warn);
    assertThat(out.get(3).value()).isEqualTo(0.3);
    assertThat(out.get(3).band()).isEqualTo(Band.Retrain);
    assertThat(out.get(4).value()).isEqualTo(0.25);
    assertThat(out.get(4).band()).isEqualTo(Band.Alert);
    assertThat(out.get(4).message()).contains("tenure");
    assertThat(out.get(5).value()).isEqualTo(0.12);
    assertThat(out.get(5).band()).isEqualTo(Band.Warn);
    assertThat(out.get(6).value()).isEqualTo(0.7);
    assertThat(out.get(6).band()).isEqualTo(Band.Retrain);
    assertThat(PolicyEvaluation.worst(out)).isEqualTo(Band.Alert);
    assertThat(PolicyEvaluation.reasons(out, Band.Retrain)).contains("driftedFeatureShare 0.3333", "reached retrain band 0.3", "featureDrift[contract] 0.4000");
  }

  @Test
  void aRegressionModelsLiveErrorsComeFromTheSummedFeedbackErrorsAndRiseIntoTheirBands() {
    // 400 labelled house prices: absolute errors summing to 400 x 21,000, squared to 400 x 30,000^2
    Observation o = new Observation(1000, List.of(), 0, 400, 0, 2).withErrors(400 * 21_000.0, 400 * 9.0e8);
    List<PolicyEvaluation.Outcome> out = PolicyEvaluation.evaluate(List.of(
        check(CheckMetric.liveMae, null, 20_000.0, 25_000.0, 40_000.0),
        check(CheckMetric.liveRmse, null, 26_000.0, 29_000.0, 50_000.0)), 300, o, NOW, NOW);
    assertThat(out.get(0).value()).isEqualTo(21_000.0);
    assertThat(out.get(0).band()).isEqualTo(Band.Warn);
    assertThat(out.get(0).message()).contains("mean absolute error over 400 labelled predictions");
    assertThat(out.get(1).value()).isCloseTo(30_000.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(out.get(1).band()).isEqualTo(Band.Retrain);
    List<PolicyEvaluation.Outcome> few = PolicyEvaluation.evaluate(List.of(check(CheckMetric.liveMae, null, 20_000.0, 25_000.0, 40_000.0)),
        500, o, NOW, NOW);
    assertThat(few.get(0).band()).isEqualTo(Band.InsufficientData);
  }

  @Test
  void fewerObservationsThanMinSamplesNeverTrigger() {
    Observation few = observation(499, 0.9, 0.9);
    List<PolicyEvaluation.Outcome> out = PolicyEvaluation.evaluate(List.of(
        check(CheckMetric.driftedFeatureShare, null, 0.1, 0.3, 0.6),
        check(CheckMetric.liveAccuracy, null, 0.78, 0.74, 0.65)), 500, few, NOW, NOW);
    assertThat(out.get(0).band()).isEqualTo(Band.InsufficientData);
    assertThat(out.get(0).message()).contains("499 predictions, fewer than minSamples 500");
    // 1000 labels are enough for live accuracy even when the window is short
    assertThat(out.get(1).band()).isEqualTo(Band.Retrain);
    List<PolicyEvaluation.Outcome> fewLabels = PolicyEvaluation.evaluate(List.of(check(CheckMetric.liveAccuracy, null, 0.78, 0.74, 0.65)),
        5000, observation(10_000, 0, 0), NOW, NOW);
    assertThat(fewLabels.get(0).band()).isEqualTo(Band.InsufficientData);
    assertThat(PolicyEvaluation.worst(out.subList(0, 1))).isEqualTo(Band.Ok);
  }

  @Test
  void aFeatureTheModelDoesNotHaveIsInvalidAndNamesTheKnownOnes() {
    PolicyEvaluation.Outcome o = PolicyEvaluation.evaluate(List.of(check(CheckMetric.featureDrift, "contrct", 0.1, 0.2, null)), 1,
        observation(1000, 0.9, 0.9), NOW, NOW).get(0);
    assertThat(o.band()).isEqualTo(Band.Invalid);
    assertThat(o.message()).contains("'contrct'", "contract, tenure, review");
    assertThat(PolicyEvaluation.worst(List.of(o))).isEqualTo(Band.Ok);
  }

  @Test
  void stalenessCountsFromTheVersionsCreationTime() {
    Check age = new Check();
    age.setMetric(CheckMetric.modelAge);
    age.setWarnAfter("14d");
    age.setRetrainAfter("30d");
    assertThat(PolicyEvaluation.evaluate(List.of(age), 500, null, NOW.minus(Duration.ofDays(13)), NOW).get(0).band()).isEqualTo(Band.Ok);
    assertThat(PolicyEvaluation.evaluate(List.of(age), 500, null, NOW.minus(Duration.ofDays(14)), NOW).get(0).band()).isEqualTo(Band.Warn);
    PolicyEvaluation.Outcome old = PolicyEvaluation.evaluate(List.of(age), 500, null, NOW.minus(Duration.ofDays(45)), NOW).get(0);
    assertThat(old.band()).isEqualTo(Band.Retrain);
    assertThat(old.value()).isEqualTo(45.0);
  }

  @Test
  void alertNeverRetrainsAndRetrainNeedsAConfiguredTemplate() {
    Duration day = Duration.ofHours(24);
    assertThat(RetrainRule.decide(Band.Alert, true, 0, 1, null, day, NOW)).isEqualTo(new RetrainRule.Decision(State.Alerting, false, "a check reached its alert band"));
    assertThat(RetrainRule.decide(Band.Retrain, false, 0, 1, null, day, NOW).state()).isEqualTo(State.Drifted);
    assertThat(RetrainRule.decide(Band.Retrain, true, 0, 1, null, day, NOW).retrainNow()).isTrue();
    assertThat(RetrainRule.decide(Band.Retrain, true, 1, 1, null, day, NOW)).extracting(RetrainRule.Decision::state, RetrainRule.Decision::retrainNow)
        .containsExactly(State.Retraining, false);
    assertThat(RetrainRule.decide(Band.Retrain, true, 1, 2, NOW.minus(Duration.ofHours(25)), day, NOW).retrainNow()).isTrue();
    assertThat(RetrainRule.decide(Band.Warn, true, 0, 1, null, day, NOW).state()).isEqualTo(State.Warning);
    assertThat(RetrainRule.decide(Band.Ok, true, 0, 1, null, day, NOW).state()).isEqualTo(State.Healthy);
    assertThat(RetrainRule.decide(Band.Ok, true, 1, 1, null, day, NOW).state()).isEqualTo(State.Retraining);
  }

  @Test
  void aMetricFlappingAroundItsThresholdRetrainsAtMostOncePerCooldown() {
    // Every minute for six hours the share alternates just below and just above the retrain band;
    // each retrain finishes after 10 minutes. The cooldown is one hour.
    Check share = check(CheckMetric.driftedFeatureShare, null, null, 0.3, null);
    Duration cooldown = Duration.ofHours(1);
    List<Instant> retrains = new ArrayList<>();
    for (int minute = 0; minute < 360; minute++) {
      Instant now = NOW.plus(Duration.ofMinutes(minute));
      double value = minute % 2 == 0 ? 0.29 : 0.31;
      Band band = PolicyEvaluation.band(share, value);
      Instant last = retrains.isEmpty() ? null : retrains.get(retrains.size() - 1);
      int running = last != null && now.isBefore(last.plus(Duration.ofMinutes(10))) ? 1 : 0;
      if (RetrainRule.decide(band, true, running, 3, last, cooldown, now).retrainNow()) {
        retrains.add(now);
      }
    }
    assertThat(retrains).hasSize(6);
    for (int i = 1; i < retrains.size(); i++) {
      assertThat(Duration.between(retrains.get(i - 1), retrains.get(i))).isGreaterThanOrEqualTo(cooldown);
    }
  }

  @Test
  void replicaCountsAddUpSoTheVerdictDoesNotDependOnWhichReplicaAnswered() {
    ReferenceProfile profile = new ReferenceProfile(1000,
        List.of(new ReferenceProfile.NumericProfile("tenure", new double[] {10, 30}, new double[] {0.3, 0.4, 0.3}, new double[] {5, 20, 50}, 25, 15, 0, 72, 0)),
        List.of(new ReferenceProfile.CategoricalProfile("contract", List.of("Month-to-month", "Two year"), new double[] {0.55, 0.25, 0.2}, 0)),
        List.of(), new ReferenceProfile.Binned(new double[] {0.5}, new double[] {0.7, 0.3}));
    // Replica a saw only month-to-month customers, replica b only two-year ones: each alone drifts,
    // together they look like training.
    DriftCounts a = counts(300, new long[] {90, 120, 90, 0}, new long[] {300, 0, 0, 0}, new long[] {210, 90});
    DriftCounts b = counts(245, new long[] {74, 98, 73, 0}, new long[] {0, 136, 109, 0}, new long[] {171, 74});
    Observation alone = Observation.of(DriftReport.of(profile, a, DriftReport.Thresholds.defaults()), 0, 0, 1);
    Observation merged = Observation.of(DriftReport.of(profile, a.plus(b), DriftReport.Thresholds.defaults()), 0, 0, 2);
    assertThat(alone.drifted()).containsExactly("contract");
    assertThat(merged.samples()).isEqualTo(545);
    assertThat(merged.drifted()).isEmpty();
    assertThat(merged.features().stream().filter(f -> f.name().equals("contract")).findFirst().orElseThrow().score()).isLessThan(0.05);
  }

  static DriftCounts counts(long samples, long[] tenure, long[] contract, long[] prediction) {
    Map<String, long[]> numeric = new LinkedHashMap<>();
    numeric.put("tenure", tenure);
    Map<String, long[]> categorical = new LinkedHashMap<>();
    categorical.put("contract", contract);
    return new DriftCounts(samples, numeric, categorical, Map.of(), prediction);
  }
}
