package dev.modelops.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** The reference bins of numeric features, and the statistic each kind of column gets from them. */
class ProfileBuilderTest {

  private static double[] sample(int n, long seed, DoubleUnaryOperator of) {
    Random r = new Random(seed);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = of.applyAsDouble(r.nextDouble());
    }
    return out;
  }

  /** The report of live values against a profile of training values (one numeric feature "x"). */
  private static DriftReport.FeatureDrift drift(double[] training, double[] live) {
    ReferenceProfile.NumericProfile p = ProfileBuilder.numeric("x", training);
    long[] counts = new long[p.cuts().length + 2];
    double[] sums = new double[p.cuts().length + 1];
    for (double v : live) {
      counts[ReferenceProfile.binOf(p.cuts(), v)]++;
      sums[ReferenceProfile.binOf(p.cuts(), v)] += v;
    }
    ReferenceProfile profile = new ReferenceProfile(training.length, List.of(p), List.of(), List.of(),
        new ReferenceProfile.Binned(new double[0], new double[] {1}));
    DriftCounts c = new DriftCounts(live.length, Map.of("x", counts), Map.of(), Map.of(), new long[] {live.length}, Map.of("x", sums));
    return DriftReport.of(profile, c, DriftReport.Thresholds.defaults()).features().get(0);
  }

  /** W1 between two samples, from their empirical CDFs, divided by the population std of the first. */
  private static double exactNormedWasserstein(double[] a, double[] b) {
    double[] x = a.clone();
    double[] y = b.clone();
    Arrays.sort(x);
    Arrays.sort(y);
    double[] all = new double[x.length + y.length];
    System.arraycopy(x, 0, all, 0, x.length);
    System.arraycopy(y, 0, all, x.length, y.length);
    Arrays.sort(all);
    double w = 0;
    int i = 0;
    int j = 0;
    for (int k = 0; k + 1 < all.length; k++) {
      while (i < x.length && x[i] <= all[k]) {
        i++;
      }
      while (j < y.length && y[j] <= all[k]) {
        j++;
      }
      w += Math.abs((double) i / x.length - (double) j / y.length) * (all[k + 1] - all[k]);
    }
    double mean = Arrays.stream(a).average().orElse(0);
    double var = Arrays.stream(a).map(v -> (v - mean) * (v - mean)).sum() / a.length;
    return w / Math.sqrt(var);
  }

  @Test
  void aBinaryColumnIsComparedAsCategoriesByJensenShannon() {
    double[] training = sample(4000, 1, u -> u < 0.7 ? 0 : 1);
    ReferenceProfile.NumericProfile p = ProfileBuilder.numeric("x", training);
    assertThat(p.distinctValues()).isEqualTo(2);
    double[] live = new double[1000];
    for (int i = 0; i < live.length; i++) {
      live[i] = i % 2;
    }
    DriftReport.FeatureDrift d = drift(training, live);
    assertThat(d.statistic()).isEqualTo("jensenShannon");
    assertThat(d.threshold()).isEqualTo(0.1);
    // SciPy: jensenshannon([p0, 1 - p0], [0.5, 0.5]) with p0 the training share of zeros (0.7 gives 0.1449)
    assertThat(d.score()).isCloseTo(0.1449, within(0.01));
    assertThat(d.drifted()).isTrue();
  }

  @Test
  void aColumnOfMoreThanFiveValuesIsComparedByNormedWasserstein() {
    double[] training = sample(4000, 2, u -> Math.floor(u * 6));
    assertThat(ProfileBuilder.numeric("x", training).distinctValues()).isEqualTo(6);
    DriftReport.FeatureDrift d = drift(training, sample(1000, 3, u -> Math.floor(u * 6)));
    assertThat(d.statistic()).isEqualTo("wasserstein");
    assertThat(d.drifted()).isFalse();
  }

  @Test
  void withOneBinPerValueTheWassersteinDistanceIsExact() {
    double[] training = sample(5000, 4, u -> Math.floor(u * 80));
    double[] live = sample(700, 5, u -> Math.floor(Math.sqrt(u) * 80));
    DriftReport.FeatureDrift d = drift(training, live);
    assertThat(ProfileBuilder.numeric("x", training).distinctValues()).isEqualTo(80);
    assertThat(d.score()).isCloseTo(exactNormedWasserstein(training, live), within(1e-9));
    assertThat(d.drifted()).isTrue();
  }

  @Test
  void withBinsTheWassersteinDistanceIsWithinOnePercentOfExact() {
    Random r = new Random(6);
    double[] training = new double[5000];
    for (int i = 0; i < training.length; i++) {
      training[i] = Math.exp(r.nextGaussian()); // skewed, all values distinct
    }
    double[] live = new double[1000];
    for (int i = 0; i < live.length; i++) {
      live[i] = Math.exp(r.nextGaussian() + 0.2);
    }
    double exact = exactNormedWasserstein(training, live);
    DriftReport.FeatureDrift d = drift(training, live);
    // bins cut where share times width is largest, both sides' bin sums: within 1% of exact
    // (docs/benchmarks.md has the figures on real shifts)
    assertThat(d.score()).isCloseTo(exact, within(0.01 * exact));
    assertThat(d.drifted()).isEqualTo(exact >= 0.1);
  }

  @Test
  void binsEndAtTheTrainingExtremesAndKeepTiesTogether() {
    Random r = new Random(8);
    double[] values = new double[4000];
    for (int i = 0; i < values.length; i++) {
      values[i] = i < 2400 ? 0 : Math.round(Math.exp(3 + 2 * r.nextGaussian())); // 60% zeros, a long tail
    }
    java.util.Arrays.sort(values);
    double[] cuts = ProfileBuilder.areaCuts(values, ProfileBuilder.NUMERIC_BINS);
    assertThat(cuts).hasSizeLessThanOrEqualTo(ProfileBuilder.NUMERIC_BINS - 1).isSorted().doesNotHaveDuplicates();
    assertThat(cuts[0]).as("the first bin holds the smallest value alone").isZero();
    assertThat(cuts[cuts.length - 1]).as("the last bin holds only live values above every training value").isEqualTo(values[values.length - 1]);
    assertThat(values).as("every cut is a training value").contains(cuts);
    // the tail above the 99th percentile gets bins of its own, not one
    double p99 = values[(int) (0.99 * values.length)];
    assertThat(java.util.Arrays.stream(cuts).filter(c -> c > p99).count()).isGreaterThan(5);
  }

  @Test
  void aBundleOfAnEarlierTrainerIsReadTheSameWay() {
    // ten quantile bins, as the trainer wrote them before one bin per value: a 0/1 column has one cut
    ReferenceProfile.NumericProfile binary = new ReferenceProfile.NumericProfile("b", new double[] {0}, new double[] {0.6, 0.4},
        new double[] {0, 1}, 0.4, 0.49, 0, 1, 0);
    assertThat(binary.distinctValues()).isEqualTo(2);
    ReferenceProfile.NumericProfile continuous = new ReferenceProfile.NumericProfile("c", new double[] {1, 2}, new double[] {0.3, 0.4, 0.3},
        new double[] {0.5, 1.6, 2.7}, 1.6, 0.9, 0, 3.1, 0);
    assertThat(continuous.distinctValues()).isZero();
  }
}
