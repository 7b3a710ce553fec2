package dev.modelops.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The counts a Prometheus query sums over replicas (one series per feature and bin, as the model
 * servers export them) rebuilt into the bins of the reference profile, text features included
 * (the e2e test's churn model has none): the report is that of the replicas' summed counts.
 */
class PrometheusSourceTest {
  static final ReferenceProfile PROFILE = new ReferenceProfile(1000,
      List.of(new ReferenceProfile.NumericProfile("tenure", new double[] {10, 30}, new double[] {0.3, 0.4, 0.3}, new double[] {5, 20, 50}, 25, 15, 0, 72, 0)),
      List.of(new ReferenceProfile.CategoricalProfile("contract", List.of("Month-to-month", "Two year"), new double[] {0.55, 0.25, 0.2}, 0)),
      List.of(new ReferenceProfile.TextProfile("review", List.of("good", "bad", "slow"), new double[] {0.5, 0.3, 0.2}, 0.1, new double[] {5}, new double[] {0.6, 0.4}, 0)),
      new ReferenceProfile.Binned(new double[] {0.5}, new double[] {0.7, 0.3}));
  static final ModelVersion MV = new ModelVersion();

  static {
    MV.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("reviews-v1").build());
  }

  @Test
  void theSummedSeriesGiveTheReportOfTheSummedCounts() throws Exception {
    DriftCounts a = counts(300, new long[] {90, 120, 85, 5}, new double[] {90 * 4.5, 120 * 21.25, 85 * 61}, new long[] {300, 0, 0, 0},
        new DriftCounts.TextCounts(new long[] {400, 20, 0}, 80, 12), new long[] {210, 90});
    DriftCounts b = counts(245, new long[] {74, 98, 73, 0}, new double[] {74 * 6.5, 98 * 18, 73 * 40.5}, new long[] {0, 136, 100, 9},
        new DriftCounts.TextCounts(new long[] {10, 200, 150}, 3, 0), new long[] {100, 145});
    DriftReport expected = DriftReport.of(PROFILE, a.plus(b), DriftReport.Thresholds.defaults());

    Observation o = PrometheusSource.summed(PROFILE, series(a, b), MV, DriftReport.Thresholds.defaults());

    assertThat(o.samples()).isEqualTo(545);
    assertThat(o.replicas()).isEqualTo(2);
    assertThat(o.feedback()).isEqualTo(20);
    assertThat(o.feedbackCorrect()).isEqualTo(14);
    assertThat(o.predictionDrift()).isEqualTo(expected.predictionPsi());
    assertThat(o.features()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      DriftReport.FeatureDrift want = expected.features().get(i);
      Observation.Feature got = o.features().get(i);
      assertThat(got.name()).isEqualTo(want.name());
      assertThat(got.score()).as(want.name()).isEqualTo(want.score());
      assertThat(got.missingShare()).as(want.name()).isEqualTo(want.missingShare());
      assertThat(got.outOfVocabulary()).as(want.name()).isEqualTo(want.outOfVocabularyRate());
    }
    assertThat(o.features().get(2).outOfVocabulary()).isEqualTo(83.0 / (83 + 780));
    // the live values sit elsewhere in tenure's bins than the training values: the sums move the distance
    DriftCounts withoutSums = new DriftCounts(545, a.plus(b).numeric(), a.plus(b).categorical(), a.plus(b).text(), a.plus(b).prediction());
    assertThat(o.features().get(0).score()).isNotEqualTo(DriftReport.of(PROFILE, withoutSums, DriftReport.Thresholds.defaults()).features().get(0).score());
  }

  @Test
  void withASignificanceLevelADifferenceThatCouldBeChanceIsNoDrift() throws Exception {
    // 12 predictions, all Month-to-month where training saw 55%: far over the distance threshold
    DriftCounts few = counts(12, new long[] {4, 4, 4, 0}, new double[] {18, 80, 200}, new long[] {12, 0, 0, 0},
        new DriftCounts.TextCounts(new long[] {5, 3, 2}, 1, 0), new long[] {8, 4});
    Observation byScore = PrometheusSource.summed(PROFILE, series(few), MV, DriftReport.Thresholds.defaults());
    assertThat(byScore.drifted()).contains("contract");
    DriftReport report = DriftReport.of(PROFILE, few, DriftReport.Thresholds.defaults());
    double p = report.features().get(1).pValue();
    // a level below the p-value: not significant, so not drifted whatever the score; above it: drifted
    assertThat(PrometheusSource.summed(PROFILE, series(few), MV, DriftReport.Thresholds.defaults().withSignificanceLevel(p / 2)).drifted())
        .doesNotContain("contract");
    assertThat(PrometheusSource.summed(PROFILE, series(few), MV, DriftReport.Thresholds.defaults().withSignificanceLevel(Math.min(0.5, p * 2))).drifted())
        .contains("contract");
  }

  @Test
  void binsTheProfileDoesNotHaveAreAnErrorNotDropped() {
    List<PrometheusSource.Sample> series = new ArrayList<>(series(counts(1, new long[4], new double[3], new long[4], new DriftCounts.TextCounts(new long[3], 0, 0), new long[2])));
    series.add(new PrometheusSource.Sample("bin", "contract", 4, 1));
    assertThatThrownBy(() -> PrometheusSource.summed(PROFILE, series, MV, DriftReport.Thresholds.defaults()))
        .hasMessageContaining("model_feature_bin_count of feature contract bin 4").hasMessageContaining("reviews-v1");
  }

  static DriftCounts counts(long samples, long[] tenure, double[] tenureSums, long[] contract, DriftCounts.TextCounts review, long[] prediction) {
    Map<String, DriftCounts.TextCounts> text = new LinkedHashMap<>();
    text.put("review", review);
    return new DriftCounts(samples, Map.of("tenure", tenure), Map.of("contract", contract), text, prediction, Map.of("tenure", tenureSums));
  }

  /** What {@code sum by (feature, bin)} answers over replicas exporting these counts (10 labels, 7 right on each). */
  static List<PrometheusSource.Sample> series(DriftCounts... replicas) {
    DriftCounts sum = replicas[0];
    for (int i = 1; i < replicas.length; i++) {
      sum = sum.plus(replicas[i]);
    }
    List<PrometheusSource.Sample> out = new ArrayList<>();
    for (Map.Entry<String, long[]> f : sum.numeric().entrySet()) {
      bins(out, "bin", f.getKey(), f.getValue());
    }
    for (Map.Entry<String, double[]> f : sum.numericSums().entrySet()) {
      for (int b = 0; b < f.getValue().length; b++) {
        out.add(new PrometheusSource.Sample("sum", f.getKey(), b, f.getValue()[b]));
      }
    }
    for (Map.Entry<String, long[]> f : sum.categorical().entrySet()) {
      bins(out, "bin", f.getKey(), f.getValue());
    }
    for (Map.Entry<String, DriftCounts.TextCounts> f : sum.text().entrySet()) {
      bins(out, "term", f.getKey(), f.getValue().terms());
      out.add(new PrometheusSource.Sample("oov", f.getKey(), -1, f.getValue().outOfVocabulary()));
      out.add(new PrometheusSource.Sample("missing", f.getKey(), -1, f.getValue().missing()));
    }
    bins(out, "prediction", "", sum.prediction());
    out.add(new PrometheusSource.Sample("samples", "", -1, sum.samples()));
    out.add(new PrometheusSource.Sample("feedback", "", -1, 10 * replicas.length));
    out.add(new PrometheusSource.Sample("correct", "", -1, 7 * replicas.length));
    out.add(new PrometheusSource.Sample("replicas", "", -1, replicas.length));
    return out;
  }

  static void bins(List<PrometheusSource.Sample> out, String kind, String feature, long[] counts) {
    for (int b = 0; b < counts.length; b++) {
      out.add(new PrometheusSource.Sample(kind, feature, b, counts[b]));
    }
  }
}
