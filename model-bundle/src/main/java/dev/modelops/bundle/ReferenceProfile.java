package dev.modelops.bundle;

import java.util.List;

/**
 * What the training data looked like, for drift detection. Bins are fixed here, at training
 * time, so live counts from any number of server replicas can simply be added up and compared.
 *
 * @param rows training rows the profile was computed from
 * @param numeric one entry per numeric feature
 * @param categorical one entry per categorical feature
 * @param text one entry per text feature
 * @param prediction the distribution of predictions on the validation split: positive-class
 *     probabilities over ten fixed bins (binary), values over the deciles of the training
 *     predictions (regression), or the predicted class index over bins cut at 0.5, 1.5, ...
 *     (multi-class)
 */
public record ReferenceProfile(
    long rows,
    List<NumericProfile> numeric,
    List<CategoricalProfile> categorical,
    List<TextProfile> text,
    Binned prediction) {

  /** Absent lists (e.g. left out of JSON because empty) are empty. */
  public ReferenceProfile {
    numeric = numeric == null ? List.of() : numeric;
    categorical = categorical == null ? List.of() : categorical;
    text = text == null ? List.of() : text;
  }

  /**
   * A numeric feature's training distribution over fixed bins: bin 0 is (-inf, cuts[0]], bin i is
   * (cuts[i-1], cuts[i]], the last bin is (cuts[last], +inf). Missing values are counted apart.
   *
   * @param representatives the mean training value in each bin (for Wasserstein distances)
   */
  public record NumericProfile(
      String name,
      double[] cuts,
      double[] proportions,
      double[] representatives,
      double mean,
      double std,
      double min,
      double max,
      double missingShare) {

    /**
     * The number of distinct training values when every non-empty bin holds a single value (a 0/1
     * or small-integer column: the trainer gives each value of a column with few values its own
     * bin), else 0. Read from the bins alone, so it works for bundles of any trainer version: a
     * bin's values all lie at or below its upper cut (the maximum, for the last bin), so their
     * mean equals that bound only when they all do.
     */
    public int distinctValues() {
      if (proportions.length != cuts.length + 1 || representatives.length != proportions.length) {
        return 0;
      }
      int values = 0;
      for (int b = 0; b < proportions.length; b++) {
        if (proportions[b] <= 0) {
          continue;
        }
        double bound = b < cuts.length ? cuts[b] : max;
        if (Math.abs(representatives[b] - bound) > 1e-9 * Math.max(1, Math.abs(bound))) {
          return 0;
        }
        values++;
      }
      return values;
    }
  }

  /**
   * A categorical feature's training frequencies: one proportion per kept category, then "other".
   */
  public record CategoricalProfile(
      String name, List<String> categories, double[] proportions, double missingShare) {}

  /**
   * A text feature's training profile: its vocabulary (the encoder's terms, in order), the share
   * of each term among in-vocabulary term occurrences, the out-of-vocabulary rate of training
   * documents, and the document length (in words) over fixed bins.
   */
  public record TextProfile(
      String name,
      List<String> terms,
      double[] termProportions,
      double outOfVocabularyRate,
      double[] lengthCuts,
      double[] lengthProportions,
      double missingShare) {}

  /** A distribution over fixed bins given by cut points (same bin convention as numeric). */
  public record Binned(double[] cuts, double[] proportions) {}

  /** The bin of a value given ascending cut points: the first i with value <= cuts[i], else the last. */
  public static int binOf(double[] cuts, double value) {
    if (cuts.length <= 16) {
      // Counting the cuts below the value has no branch to mispredict, unlike a binary search;
      // for the usual ten cuts it is several times faster and gives the same bin.
      int below = 0;
      for (double cut : cuts) {
        below += value <= cut ? 0 : 1;
      }
      return below;
    }
    int lo = 0;
    int hi = cuts.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (value <= cuts[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
}
