package dev.modelops.bundle.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.modelops.bundle.CategoricalEncoder;
import dev.modelops.bundle.FeaturePipeline;
import dev.modelops.bundle.NumericEncoder;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.ReferenceProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expected values were computed independently with SciPy (1.10, Debian 12; Jensen-Shannon with
 * SciPy 1.17.1, the version Evidently 0.7.23 runs on):
 *
 * <pre>
 * ref = [0.1, 0.2, 0.3, 0.25, 0.15]; live = [5, 0, 40, 30, 25] / 100; eps = 1e-4
 * psi  = sum((q - p) * log(q / p)) with p, q = maximum(ref, eps), maximum(live, eps)
 * js   = scipy.spatial.distance.jensenshannon(ref, live)   # natural log, as Evidently
 * w    = scipy.stats.wasserstein_distance(reps, reps, ref, live) / 2.3, reps = [1, 2.5, 4, 7, 10] (one value per bin)
 * </pre>
 */
class DriftStatisticsTest {
  static final double[] REF = {0.1, 0.2, 0.3, 0.25, 0.15};
  static final double[] LIVE = DriftStatistics.proportions(new long[] {5, 0, 40, 30, 25});

  @Test
  void psiMatchesAnIndependentComputation() {
    assertThat(DriftStatistics.psi(REF, LIVE)).isCloseTo(1.6430446081519345, within(1e-12));
    assertThat(DriftStatistics.psi(new double[] {0.5, 0.5, 0, 0}, new double[] {0, 0, 0.5, 0.5})).isCloseTo(17.030979505555905, within(1e-9));
  }

  @Test
  void jensenShannonMatchesScipyWithNaturalLogarithms() {
    assertThat(DriftStatistics.jensenShannon(REF, LIVE)).isCloseTo(0.29086181096869995, within(1e-12));
    // disjoint supports: the largest distance, sqrt(ln 2)
    assertThat(DriftStatistics.jensenShannon(new double[] {0.5, 0.5, 0, 0}, new double[] {0, 0, 0.5, 0.5})).isCloseTo(0.8325546111576977, within(1e-12));
  }

  @Test
  void wassersteinMatchesScipyNormalisedByTheReferenceStd() {
    // one value per bin (each bin's values at its cut, the last at 10): the distance between the values
    double[] reps = {1.0, 2.5, 4.0, 7.0, 10.0};
    double[] cuts = {1.0, 2.5, 4.0, 7.0};
    assertThat(DriftStatistics.wasserstein(cuts, REF, reps, LIVE, reps, 2.3)).isCloseTo(0.5217391304347829, within(1e-12));
    double[] values = {0, 1, 2, 3};
    assertThat(DriftStatistics.wasserstein(new double[] {0, 1, 2}, new double[] {0.5, 0.5, 0, 0}, values, new double[] {0, 0, 0.5, 0.5}, values, 1))
        .isCloseTo(2.0, within(1e-12));
  }

  @Test
  void identicalDistributionsHaveNoDrift() {
    assertThat(DriftStatistics.psi(REF, REF)).isZero();
    assertThat(DriftStatistics.jensenShannon(REF, REF)).isCloseTo(0, within(1e-7));
    double[] values = {1, 2, 3, 4, 5};
    assertThat(DriftStatistics.wasserstein(new double[] {1, 2, 3, 4}, REF, values, REF, values, 1)).isCloseTo(0, within(1e-12));
  }

  private static FeaturePipeline pipeline() {
    return new FeaturePipeline(List.of(new NumericEncoder("x", 0, 0, 1)), List.of(new CategoricalEncoder("c", List.of("a", "b"))), List.of(), null);
  }

  private static ReferenceProfile profile() {
    return profile(new ReferenceProfile.Binned(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9},
        new double[] {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}));
  }

  private static ReferenceProfile profile(ReferenceProfile.Binned prediction) {
    return new ReferenceProfile(100,
        List.of(new ReferenceProfile.NumericProfile("x", new double[] {0, 1}, new double[] {0.3, 0.4, 0.3}, new double[] {-1, 0.5, 2}, 0.5, 1, -2, 3, 0)),
        List.of(new ReferenceProfile.CategoricalProfile("c", List.of("a", "b"), new double[] {0.5, 0.5, 0}, 0)),
        List.of(), prediction);
  }

  @Test
  void aMultiClassWindowCountsPredictedClassesInTheProfilesClassBins() {
    // Four classes, predicted 40/30/20/10 in the reference; live: only classes 0 and 3.
    ReferenceProfile classes = profile(ProfileBuilder.classBins(4, new double[][] {
        {0.9, 0, 0, 0.1}, {0.9, 0, 0, 0.1}, {0.9, 0, 0, 0.1}, {0.9, 0, 0, 0.1}, {0, 0.9, 0, 0.1}, {0, 0.9, 0, 0.1}, {0, 0.9, 0, 0.1},
        {0, 0, 0.9, 0.1}, {0, 0, 0.9, 0.1}, {0.1, 0, 0, 0.9}}));
    DriftWindow window = new DriftWindow(pipeline(), classes, 100);
    for (int i = 0; i < 10; i++) {
      window.record(new Object[] {0.5, "a"}, i < 5 ? 0 : 3);
    }
    assertThat(window.snapshot().prediction()).containsExactly(5, 0, 0, 5);
    DriftReport report = DriftReport.of(classes, window.snapshot(), DriftReport.Thresholds.defaults());
    assertThat(report.predictionPsi()).isGreaterThan(1);
  }

  @Test
  void aWindowKeepsOnlyTheLastRecordsAndReplicasAddUp() {
    DriftWindow window = new DriftWindow(pipeline(), profile(), 3);
    window.record(new Object[] {-5.0, "a"}, 0.05);
    window.record(new Object[] {0.5, "zzz"}, 0.55);
    window.record(new Object[] {null, "b"}, 0.95);
    window.record(new Object[] {9.0, null}, 0.95); // pushes out the first record
    DriftCounts c = window.snapshot();
    assertThat(c.samples()).isEqualTo(3);
    assertThat(c.numeric().get("x")).containsExactly(0, 1, 1, 1); // bins..., missing
    assertThat(c.numericSums().get("x")).containsExactly(0, 0.5, 9.0); // the evicted -5 is taken out again
    assertThat(c.categorical().get("c")).containsExactly(0, 1, 1, 1); // a, b, other, missing
    assertThat(c.prediction()).containsExactly(0, 0, 0, 0, 0, 1, 0, 0, 0, 2);

    DriftWindow other = new DriftWindow(pipeline(), profile(), 3);
    other.record(new Object[] {-5.0, "a"}, 0.05);
    DriftCounts sum = c.plus(other.snapshot());
    assertThat(sum.samples()).isEqualTo(4);
    assertThat(sum.numeric().get("x")).containsExactly(1, 1, 1, 1);
    assertThat(sum.numericSums().get("x")).containsExactly(-5, 0.5, 9.0);
  }

  @Test
  void theReportFlagsFeaturesOverTheirThreshold() {
    DriftWindow window = new DriftWindow(pipeline(), profile(), 1000);
    for (int i = 0; i < 1000; i++) {
      window.record(new Object[] {i % 10 < 3 ? -1.0 : i % 10 < 7 ? 0.5 : 2.0, "b"}, 0.05 + (i % 10) / 10.0);
    }
    DriftReport report = DriftReport.of(profile(), window.snapshot(), DriftReport.Thresholds.defaults());
    assertThat(report.samples()).isEqualTo(1000);
    DriftReport.FeatureDrift x = report.features().get(0);
    assertThat(x.psi()).isCloseTo(0, within(1e-9)); // same 30/40/30 shape as the reference
    assertThat(x.drifted()).isFalse();
    DriftReport.FeatureDrift c = report.features().get(1);
    assertThat(c.jensenShannon()).isCloseTo(0.464501404022459, within(1e-12)); // only "b" where training saw half "a"; SciPy's value
    assertThat(c.statistic()).isEqualTo("jensenShannon");
    assertThat(x.statistic()).isEqualTo("wasserstein");
    assertThat(report.drifted()).containsExactly("c");
    assertThat(report.driftedFeatureShare()).isEqualTo(0.5);
    assertThat(report.predictionPsi()).isCloseTo(0, within(1e-9));
  }
}
