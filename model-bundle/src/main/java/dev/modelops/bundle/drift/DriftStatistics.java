package dev.modelops.bundle.drift;

/**
 * Distances between a reference distribution (proportions fixed at training time) and live
 * counts over the same bins. Empty bins are smoothed with {@link #EPSILON} so that no statistic
 * is infinite; the same smoothing is applied to both sides.
 */
public final class DriftStatistics {
  /** Additive smoothing for empty bins in PSI. */
  public static final double EPSILON = 1e-4;

  /** The smallest reference standard deviation a Wasserstein distance is divided by (Evidently's). */
  public static final double MIN_SCALE = 0.001;

  private DriftStatistics() {}

  /** Live counts as proportions (all zero when there are no counts). */
  public static double[] proportions(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    double[] p = new double[counts.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = total == 0 ? 0 : (double) counts[i] / total;
    }
    return p;
  }

  /** Population stability index: sum over bins of (q - p) ln(q / p), both smoothed by EPSILON. */
  public static double psi(double[] reference, double[] live) {
    double psi = 0;
    for (int i = 0; i < reference.length; i++) {
      double p = Math.max(reference[i], EPSILON);
      double q = Math.max(live[i], EPSILON);
      psi += (q - p) * Math.log(q / p);
    }
    return psi;
  }

  /**
   * Jensen-Shannon distance (the square root of the divergence) with natural logarithms, as
   * {@code scipy.spatial.distance.jensenshannon} computes it by default and Evidently reports it:
   * in [0, sqrt(ln 2)] = [0, 0.833]; 0 for identical distributions. No smoothing: a bin empty on
   * one side contributes its finite share.
   */
  public static double jensenShannon(double[] reference, double[] live) {
    double sp = sum(reference);
    double sq = sum(live);
    if (sp == 0 || sq == 0) {
      return 0;
    }
    double js = 0;
    for (int i = 0; i < reference.length; i++) {
      double p = reference[i] / sp;
      double q = live[i] / sq;
      double m = (p + q) / 2;
      if (p > 0) {
        js += 0.5 * p * Math.log(p / m);
      }
      if (q > 0) {
        js += 0.5 * q * Math.log(q / m);
      }
    }
    return Math.sqrt(Math.max(0, js));
  }

  /**
   * Wasserstein-1 distance between two distributions over the same bins, each bin standing for
   * its representative value (ascending), divided by {@code scale} (the reference standard
   * deviation, at least {@link #MIN_SCALE} as in Evidently) so that features of any unit compare:
   * Evidently's "Wasserstein distance (normed)". Exact for the atoms given; with one bin per
   * training value, or fine quantile bins, close to the distance between the raw values.
   */
  public static double wasserstein(double[] representatives, double[] reference, double[] live, double scale) {
    double sp = sum(reference);
    double sq = sum(live);
    if (sp == 0 || sq == 0) {
      return 0;
    }
    double cp = 0;
    double cq = 0;
    double w = 0;
    for (int i = 0; i + 1 < representatives.length; i++) {
      cp += reference[i] / sp;
      cq += live[i] / sq;
      w += Math.abs(cp - cq) * (representatives[i + 1] - representatives[i]);
    }
    return w / Math.max(scale, MIN_SCALE);
  }

  /**
   * Wasserstein-1 distance between two discrete distributions, each given by its values (atoms,
   * in any order) and their weights, divided by {@code scale} (at least {@link #MIN_SCALE}):
   * the area between the two cumulative distributions. Used with the reference's bin means on one
   * side and the live values' bin means on the other.
   */
  public static double wasserstein(double[] referenceValues, double[] reference, double[] liveValues, double[] live, double scale) {
    double sp = sum(reference);
    double sq = sum(live);
    if (sp == 0 || sq == 0) {
      return 0;
    }
    int n = referenceValues.length + liveValues.length;
    double[] x = new double[n];
    double[] dp = new double[n];
    double[] dq = new double[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
      boolean ref = i < referenceValues.length;
      x[i] = ref ? referenceValues[i] : liveValues[i - referenceValues.length];
      dp[i] = ref ? reference[i] / sp : 0;
      dq[i] = ref ? 0 : live[i - referenceValues.length] / sq;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(x[a], x[b]));
    double cp = 0;
    double cq = 0;
    double w = 0;
    for (int k = 0; k + 1 < n; k++) {
      cp += dp[order[k]];
      cq += dq[order[k]];
      w += Math.abs(cp - cq) * (x[order[k + 1]] - x[order[k]]);
    }
    return w / Math.max(scale, MIN_SCALE);
  }

  private static double sum(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }
}
