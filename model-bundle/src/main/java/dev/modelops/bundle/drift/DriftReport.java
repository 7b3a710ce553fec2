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
 * @param predictionJensenShannon Jensen-Shannon distance of the same
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
   * A text term is compared on its own only when a window's tokens are expected to hold it at least
   * this many times (its reference share times the window's in-vocabulary tokens); rarer terms
   * are compared together.
   */
  public static final double MIN_EXPECTED_TERM_COUNT = 5;

  /** Thresholds above which a feature counts as drifted. */
  public record Thresholds(double numericPsi, double categoricalJensenShannon, double textJensenShannon) {
    /** PSI 0.2 and Jensen-Shannon 0.1, the usual rule-of-thumb "significant change" levels. */
    public static Thresholds defaults() {
      return new Thresholds(0.2, 0.1, 0.1);
    }
  }

  /**
   * One feature's drift. {@code score} is the statistic compared with the threshold: PSI for
   * numeric features, Jensen-Shannon distance for categorical and text features.
   */
  public record FeatureDrift(
      String name,
      String type,
      double score,
      Double psi,
      Double wasserstein,
      Double jensenShannon,
      Double outOfVocabularyRate,
      double missingShare,
      boolean drifted) {}

  public static DriftReport of(ReferenceProfile profile, DriftCounts live, Thresholds t) {
    List<FeatureDrift> out = new ArrayList<>();
    for (ReferenceProfile.NumericProfile p : profile.numeric()) {
      long[] c = live.numeric().get(p.name());
      long[] present = Arrays.copyOf(c, c.length - 1);
      double[] q = DriftStatistics.proportions(present);
      double psi = DriftStatistics.psi(p.proportions(), q);
      double w = DriftStatistics.wasserstein(p.representatives(), p.proportions(), q, p.std());
      out.add(new FeatureDrift(p.name(), "numeric", psi, psi, w, DriftStatistics.jensenShannon(p.proportions(), q), null,
          share(c[c.length - 1], c), psi > t.numericPsi()));
    }
    for (ReferenceProfile.CategoricalProfile p : profile.categorical()) {
      long[] c = live.categorical().get(p.name());
      double[] q = DriftStatistics.proportions(Arrays.copyOf(c, c.length - 1));
      double js = DriftStatistics.jensenShannon(p.proportions(), q);
      out.add(new FeatureDrift(p.name(), "categorical", js, DriftStatistics.psi(p.proportions(), q), null, js, null,
          share(c[c.length - 1], c), js > t.categoricalJensenShannon()));
    }
    for (ReferenceProfile.TextProfile p : profile.text()) {
      DriftCounts.TextCounts c = live.text().get(p.name());
      long inVocabulary = Arrays.stream(c.terms()).sum();
      long tokens = inVocabulary + c.outOfVocabulary();
      // Over the terms this window can measure: each term expected at least MIN_EXPECTED_TERM_COUNT
      // times among its tokens, the rest in one bin. Over the whole vocabulary (thousands of terms,
      // most expected far less than once), a window of ordinary traffic reads as drifted.
      DriftStatistics.Folded f = DriftStatistics.foldSparse(p.termProportions(), c.terms(), MIN_EXPECTED_TERM_COUNT);
      double js = DriftStatistics.jensenShannon(f.reference(), DriftStatistics.proportions(f.live()));
      double oov = tokens == 0 ? 0 : (double) c.outOfVocabulary() / tokens;
      out.add(new FeatureDrift(p.name(), "text", js, null, null, js, oov,
          live.samples() == 0 ? 0 : (double) c.missing() / live.samples(), js > t.textJensenShannon()));
    }
    double[] q = DriftStatistics.proportions(live.prediction());
    List<String> drifted = live.samples() == 0 ? List.of() : out.stream().filter(FeatureDrift::drifted).map(FeatureDrift::name).toList();
    double predictionPsi = live.samples() == 0 ? 0 : DriftStatistics.psi(profile.prediction().proportions(), q);
    return new DriftReport(
        live.samples(), out, predictionPsi, DriftStatistics.jensenShannon(profile.prediction().proportions(), q),
        out.isEmpty() ? 0 : (double) drifted.size() / out.size(), drifted);
  }

  private static double share(long part, long[] all) {
    long total = Arrays.stream(all).sum();
    return total == 0 ? 0 : (double) part / total;
  }
}
