package dev.modelops.bundle.drift;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * Two-sample significance tests of live counts against the reference's, over the reference
 * profile's bins: is the difference more than the sampling noise of both samples? The reference
 * is a sample too (its counts are its proportions times the training rows behind them), so
 * neither test treats it as the exact distribution.
 */
public final class SignificanceTests {
  /** Bins are pooled until each group expects at least this many live values (Cochran's rule). */
  static final double MIN_EXPECTED = 5;

  private SignificanceTests() {}

  /**
   * Chi-squared test of homogeneity of the 2 x k table (reference counts, live counts): the
   * p-value of a difference at least this large between two samples of one distribution. Bins
   * expecting fewer than 5 live values are pooled, rarest in the reference first, so that the chi-squared
   * approximation holds for small windows. 1 when there is nothing to compare.
   *
   * @param reference the reference's proportions per bin
   * @param referenceCount the number of reference values behind them
   * @param live the live counts per bin
   */
  public static double chiSquared(double[] reference, double referenceCount, long[] live) {
    double n = total(live);
    double sp = DriftStatistics.sum(reference);
    if (n == 0 || referenceCount <= 0 || sp == 0) {
      return 1;
    }
    double total = referenceCount + n;
    // groups of bins: reference count, live count; pooled in ascending order of the reference
    // count, which does not depend on the live values (pooling the bins the window happened to
    // miss would make a difference out of chance)
    List<double[]> groups = new ArrayList<>();
    for (int b = 0; b < live.length; b++) {
      double r = reference[b] / sp * referenceCount;
      if (r + live[b] > 0) {
        groups.add(new double[] {r, live[b]});
      }
    }
    groups.sort((a, b) -> Double.compare(a[0], b[0]));
    while (groups.size() > 1 && (groups.get(0)[0] + groups.get(0)[1]) * n / total < MIN_EXPECTED) {
      double[] a = groups.remove(0);
      double[] b = groups.remove(0);
      double[] merged = {a[0] + b[0], a[1] + b[1]};
      int at = 0;
      while (at < groups.size() && groups.get(at)[0] < merged[0]) {
        at++;
      }
      groups.add(at, merged);
    }
    if (groups.size() < 2) {
      return 1;
    }
    double statistic = 0;
    for (double[] g : groups) {
      double t = g[0] + g[1];
      double er = t * referenceCount / total;
      double el = t * n / total;
      statistic += (g[0] - er) * (g[0] - er) / er + (g[1] - el) * (g[1] - el) / el;
    }
    return 1 - new ChiSquaredDistribution(groups.size() - 1).cumulativeProbability(statistic);
  }

  /**
   * Two-sample Kolmogorov-Smirnov test over ordered bins: the largest gap between the two
   * cumulative distributions at the bin boundaries, and its p-value for samples of these sizes
   * (the asymptotic distribution). Binning can only hide part of the gap, so the test is
   * conservative (p-values at most too large). 1 when there is nothing to compare.
   */
  public static double kolmogorovSmirnov(double[] reference, double referenceCount, long[] live) {
    double n = total(live);
    double sp = DriftStatistics.sum(reference);
    int m = (int) Math.round(referenceCount);
    if (n == 0 || m <= 0 || sp == 0) {
      return 1;
    }
    double cp = 0;
    double cq = 0;
    double d = 0;
    for (int b = 0; b < live.length; b++) {
      cp += reference[b] / sp;
      cq += live[b] / n;
      d = Math.max(d, Math.abs(cp - cq));
    }
    return d == 0 ? 1 : new KolmogorovSmirnovTest().approximateP(d, m, (int) n);
  }

  private static double total(long[] counts) {
    double n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }
}
