package dev.modelops.bundle.drift;

import dev.modelops.bundle.ReferenceProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The drift of live counts against a bundle's reference profile: one entry per feature, the
 * prediction drift and the share of drifted features. The server computes it from its own
 * window; the operator computes the same from the sum of every replica's counts.
 *
 * @param samples predictions behind the report
 * @param features per-feature statistics
 * @param predictionPsi PSI of the predicted-probability distribution
 * @param predictionJensenShannon Jensen-Shannon distance (natural logarithm) of the same
 * @param driftedFeatureShare the share of features whose drift score is over its threshold
 * @param drifted the names of those features
 */
public record DriftReport(
    long samples,
    List<FeatureDrift> features,
    double predictionPsi,
    double predictionJensenShannon,
    double driftedFeatureShare,
    List<String> drifted) {

  /**
   * A numeric feature with at most this many distinct training values (a 0/1 flag, a small count)
   * is compared as categories, by Jensen-Shannon distance over its values; one with more, by
   * normed Wasserstein distance. Evidently's DataDriftPreset draws the same line (5 values).
   */
  public static final int MAX_CATEGORY_VALUES = 5;

  /**
   * A text feature's term distribution is compared over its this many most frequent training
   * terms and one bucket for the rest of the vocabulary: over all of a vocabulary of thousands of
   * terms, the distance of a few hundred unshifted documents is mostly sampling noise (0.26 on
   * 1,000 held-out reviews against 0.38 to 0.42 for one review source alone; over the top 100
   * terms 0.05 against 0.13).
   */
  public static final int TEXT_TERMS = 100;

  /**
   * The scores at or above which a feature counts as drifted: Evidently's DataDriftPreset
   * defaults for a reference of more than 1,000 rows.
   *
   * @param numericWasserstein Wasserstein distance divided by the reference standard deviation
   *     (in reference standard deviations)
   * @param categoricalJensenShannon Jensen-Shannon distance, natural logarithm (in [0, 0.833])
   * @param textJensenShannon the same over a text feature's {@link #TEXT_TERMS} most frequent training terms and the rest
   * @param significanceLevel null, or a level (e.g. 0.05) at which a numeric or categorical
   *     feature's difference must also be significant to count as drifted: for small windows,
   *     where a distance over the threshold can be chance
   */
  public record Thresholds(double numericWasserstein, double categoricalJensenShannon, double textJensenShannon, Double significanceLevel) {
    /** Wasserstein 0.1 and Jensen-Shannon 0.1 (Evidently's defaults); text as categorical; no significance test. */
    public static Thresholds defaults() {
      return new Thresholds(0.1, 0.1, 0.1, null);
    }

    /** These thresholds, with the significance test at {@code level} (null: none). */
    public Thresholds withSignificanceLevel(Double level) {
      return new Thresholds(numericWasserstein, categoricalJensenShannon, textJensenShannon, level);
    }
  }

  /**
   * One feature's drift. {@code score} is the statistic compared with {@code threshold}:
   * {@code statistic} names it, "wasserstein" (numeric features with more than
   * {@link #MAX_CATEGORY_VALUES} values) or "jensenShannon" (the others). {@code pValue} is that
   * of the two-sample test of the live counts against the reference's: Kolmogorov-Smirnov over
   * the bins for numeric features compared by Wasserstein, chi-squared for the others; null for
   * text.
   */
  public record FeatureDrift(
      String name,
      String type,
      String statistic,
      double score,
      double threshold,
      Double psi,
      Double wasserstein,
      Double jensenShannon,
      Double outOfVocabularyRate,
      double missingShare,
      Double pValue,
      boolean drifted) {}

  public static DriftReport of(ReferenceProfile profile, DriftCounts live, Thresholds t) {
    List<FeatureDrift> out = new ArrayList<>();
    for (ReferenceProfile.NumericProfile p : profile.numeric()) {
      long[] c = live.numeric().get(p.name());
      long[] present = Arrays.copyOf(c, c.length - 1);
      double[] q = DriftStatistics.proportions(present);
      double psi = DriftStatistics.psi(p.proportions(), q);
      double w = DriftStatistics.wasserstein(p.cuts(), p.proportions(), p.representatives(), q, liveMeans(p, present, live.numericSums().get(p.name())), p.std());
      double js = DriftStatistics.jensenShannon(p.proportions(), q);
      int values = p.distinctValues();
      boolean categories = values > 0 && values <= MAX_CATEGORY_VALUES;
      double n = referenceCount(profile, p.missingShare());
      double pValue = categories ? SignificanceTests.chiSquared(p.proportions(), n, present) : SignificanceTests.kolmogorovSmirnov(p.proportions(), n, present);
      out.add(feature(p.name(), "numeric", categories ? "jensenShannon" : "wasserstein", categories ? js : w,
          categories ? t.categoricalJensenShannon() : t.numericWasserstein(), psi, w, js, null, share(c[c.length - 1], c), pValue, t));
    }
    for (ReferenceProfile.CategoricalProfile p : profile.categorical()) {
      long[] c = live.categorical().get(p.name());
      long[] present = Arrays.copyOf(c, c.length - 1);
      double[] q = DriftStatistics.proportions(present);
      double js = DriftStatistics.jensenShannon(p.proportions(), q);
      double pValue = SignificanceTests.chiSquared(p.proportions(), referenceCount(profile, p.missingShare()), present);
      out.add(feature(p.name(), "categorical", "jensenShannon", js, t.categoricalJensenShannon(), DriftStatistics.psi(p.proportions(), q), null, js, null,
          share(c[c.length - 1], c), pValue, t));
    }
    for (ReferenceProfile.TextProfile p : profile.text()) {
      DriftCounts.TextCounts c = live.text().get(p.name());
      long inVocabulary = Arrays.stream(c.terms()).sum();
      long tokens = inVocabulary + c.outOfVocabulary();
      int[] top = mostFrequent(p.termProportions(), TEXT_TERMS);
      double js = DriftStatistics.jensenShannon(grouped(p.termProportions(), top), grouped(DriftStatistics.proportions(c.terms()), top));
      double oov = tokens == 0 ? 0 : (double) c.outOfVocabulary() / tokens;
      out.add(feature(p.name(), "text", "jensenShannon", js, t.textJensenShannon(), null, null, js, oov,
          live.samples() == 0 ? 0 : (double) c.missing() / live.samples(), null, t));
    }
    double[] q = DriftStatistics.proportions(live.prediction());
    List<String> drifted = live.samples() == 0 ? List.of() : out.stream().filter(FeatureDrift::drifted).map(FeatureDrift::name).toList();
    double predictionPsi = live.samples() == 0 ? 0 : DriftStatistics.psi(profile.prediction().proportions(), q);
    return new DriftReport(
        live.samples(), out, predictionPsi, DriftStatistics.jensenShannon(profile.prediction().proportions(), q),
        out.isEmpty() ? 0 : (double) drifted.size() / out.size(), drifted);
  }

  /**
   * A feature's drift; drifted when the score is at or above the threshold (as Evidently
   * decides) and, with a significance level, the p-value is below it.
   */
  private static FeatureDrift feature(String name, String type, String statistic, double score, double threshold,
      Double psi, Double wasserstein, Double js, Double oov, double missingShare, Double pValue, Thresholds t) {
    boolean significant = t.significanceLevel() == null || pValue == null || pValue < t.significanceLevel();
    return new FeatureDrift(name, type, statistic, score, threshold, psi, wasserstein, js, oov, missingShare, pValue, score >= threshold && significant);
  }

  /** The training values of a feature behind its reference proportions. */
  private static double referenceCount(ReferenceProfile profile, double missingShare) {
    return profile.rows() * (1 - missingShare);
  }

  /** The indices of the {@code k} largest proportions (all when there are fewer), largest first. */
  static int[] mostFrequent(double[] proportions, int k) {
    Integer[] order = new Integer[proportions.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(proportions[b], proportions[a]));
    int[] out = new int[Math.min(k, order.length)];
    for (int i = 0; i < out.length; i++) {
      out[i] = order[i];
    }
    return out;
  }

  /** The proportions of the terms {@code top}, then one entry for all the others. */
  static double[] grouped(double[] proportions, int[] top) {
    double[] out = new double[top.length + 1];
    double rest = DriftStatistics.sum(proportions);
    for (int i = 0; i < top.length; i++) {
      out[i] = proportions[top[i]];
      rest -= out[i];
    }
    out[top.length] = Math.max(0, rest);
    return out;
  }

  /**
   * The mean live value in each bin, from the bins' sums; the reference's bin mean where the bin
   * is empty or the sums are unknown (counts from an earlier server).
   */
  private static double[] liveMeans(ReferenceProfile.NumericProfile p, long[] counts, double[] sums) {
    double[] means = p.representatives().clone();
    if (sums != null && sums.length == counts.length) {
      for (int b = 0; b < counts.length; b++) {
        if (counts[b] > 0) {
          means[b] = sums[b] / counts[b];
        }
      }
    }
    return means;
  }

  private static double share(long part, long[] all) {
    long total = Arrays.stream(all).sum();
    return total == 0 ? 0 : (double) part / total;
  }
}
