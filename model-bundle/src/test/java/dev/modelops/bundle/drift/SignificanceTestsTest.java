package dev.modelops.bundle.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Expected p-values computed independently with SciPy 1.17.1:
 *
 * <pre>
 * scipy.stats.chi2_contingency([[500, 300, 200], [40, 35, 25]], correction=False)[1]
 * d = max|cumsum([.2, .3, .3, .2]) - cumsum([10, 20, 40, 30]) / 100|   # 0.2
 * scipy.stats.kstwobign.sf(d * sqrt(1000 * 100 / 1100))
 * </pre>
 */
class SignificanceTestsTest {
  @Test
  void chiSquaredIsTheTwoSampleTestOfHomogeneity() {
    assertThat(SignificanceTests.chiSquared(new double[] {0.5, 0.3, 0.2}, 1000, new long[] {40, 35, 25})).isCloseTo(0.15651306190395048, within(1e-9));
  }

  @Test
  void kolmogorovSmirnovUsesTheLargestGapAtTheBinBoundaries() {
    assertThat(SignificanceTests.kolmogorovSmirnov(new double[] {0.2, 0.3, 0.3, 0.2}, 1000, new long[] {10, 20, 40, 30}))
        .isCloseTo(0.0013884321855325917, within(1e-6));
  }

  @Test
  void sparseBinsArePooledAndNothingToCompareIsNoEvidence() {
    // a live sample of 10 in 20 rare categories: pooled to groups expecting 5 or more, the same shape is no drift
    double[] reference = new double[20];
    java.util.Arrays.fill(reference, 0.05);
    long[] live = new long[20];
    for (int i = 0; i < 10; i++) {
      live[i * 2] = 1;
    }
    assertThat(SignificanceTests.chiSquared(reference, 5000, live)).isGreaterThan(0.05);
    assertThat(SignificanceTests.chiSquared(reference, 5000, new long[20])).isEqualTo(1);
    assertThat(SignificanceTests.kolmogorovSmirnov(reference, 5000, new long[20])).isEqualTo(1);
  }
}
