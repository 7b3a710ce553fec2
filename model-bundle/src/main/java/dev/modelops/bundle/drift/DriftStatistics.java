package dev.modelops.bundle.drift;

/**
 * Distances between a reference distribution (proportions fixed at training time) and live
 * counts over the same bins. Empty bins are smoothed with {@link #EPSILON} so that no statistic
 * is infinite; the same smoothing is applied to both sides.
 */
public final class DriftStatistics {
  /** Additive smoothing for empty bins in PSI. */
  public static final double EPSILON = 1e-4;

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

  /** Reference proportions and live counts over the same (folded) bins. */
  public record Folded(double[] reference, long[] live) {}

  /**
   * Keeps the bins whose expected live count ({@code reference[i]} times the live total) is at least
   * {@code minExpected} and folds all others into one last bin, on both sides; so a distance
   * measures what a sample of this size can tell apart instead of the sampling noise of sparse
   * bins. With no live counts, the bins are kept as they are.
   */
  public static Folded foldSparse(double[] reference, long[] live, double minExpected) {
    long total = 0;
    for (long c : live) {
      total += c;
    }
    if (total == 0) {
      return new Folded(reference, live);
    }
    int kept = 0;
    for (double p : reference) {
      if (p * total >= minExpected) {
        kept++;
      }
    }
    double[] ref = new double[kept + 1];
    long[] cnt = new long[kept + 1];
    int j = 0;
    for (int i = 0; i < reference.length; i++) {
      if (reference[i] * total >= minExpected) {
        ref[j] = reference[i];
        cnt[j++] = live[i];
      } else {
        ref[kept] += reference[i];
        cnt[kept] += live[i];
      }
    }
    return new Folded(ref, cnt);
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

  /** Jensen-Shannon distance with base-2 logarithms, in [0, 1]; 0 for identical distributions. */
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
    return Math.sqrt(Math.max(0, js / Math.log(2)));
  }

  /**
   * Wasserstein-1 distance between two distributions over the same bins, each bin standing for
   * its representative value (ascending), divided by {@code scale} (the reference standard
   * deviation) so that features of any unit compare.
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
    return scale > 0 ? w / scale : w;
  }

  private static double sum(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }
}
