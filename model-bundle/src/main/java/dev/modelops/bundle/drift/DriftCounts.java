package dev.modelops.bundle.drift;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Live counts in the reference profile's fixed bins. Counts from several server replicas are
 * simply added ({@link #plus}), which is what makes a drift verdict independent of which replica
 * answered.
 *
 * @param samples predictions counted
 * @param numeric per numeric feature: one count per bin, then the missing count
 * @param categorical per categorical feature: one count per category, "other", then missing
 * @param text per text feature: term counts and totals
 * @param prediction counts over the fixed probability bins
 * @param numericSums per numeric feature: the sum of the values counted in each bin (missing
 *     values have none), so that the Wasserstein distance sees where in its bins the live
 *     values lie; empty from a server that does not export them (then the reference's bin means
 *     stand in)
 */
public record DriftCounts(
    long samples,
    Map<String, long[]> numeric,
    Map<String, long[]> categorical,
    Map<String, TextCounts> text,
    long[] prediction,
    Map<String, double[]> numericSums) {

  /** Absent maps (e.g. left out of JSON because empty) are empty. */
  public DriftCounts {
    numeric = numeric == null ? Map.of() : numeric;
    categorical = categorical == null ? Map.of() : categorical;
    text = text == null ? Map.of() : text;
    prediction = prediction == null ? new long[0] : prediction;
    numericSums = numericSums == null ? Map.of() : numericSums;
  }

  /** Counts without the numeric bins' sums. */
  public DriftCounts(long samples, Map<String, long[]> numeric, Map<String, long[]> categorical, Map<String, TextCounts> text, long[] prediction) {
    this(samples, numeric, categorical, text, prediction, Map.of());
  }

  /**
   * A text feature's live counts.
   *
   * @param terms occurrences of each vocabulary term
   * @param outOfVocabulary term occurrences not in the vocabulary
   * @param missing records without this text
   */
  public record TextCounts(long[] terms, long outOfVocabulary, long missing) {
    TextCounts plus(TextCounts o) {
      return new TextCounts(add(terms, o.terms), outOfVocabulary + o.outOfVocabulary, missing + o.missing);
    }
  }

  /**
   * The sum of two replicas' counts (same bundle). The bins' sums are kept only when both have
   * them for the same features (a replica of an earlier server exports none).
   */
  public DriftCounts plus(DriftCounts o) {
    Map<String, double[]> sums = new LinkedHashMap<>();
    if (numericSums.keySet().equals(o.numericSums.keySet())) {
      numericSums.forEach((k, v) -> sums.put(k, add(v, o.numericSums.get(k))));
    }
    return new DriftCounts(
        samples + o.samples, addAll(numeric, o.numeric), addAll(categorical, o.categorical),
        addText(text, o.text), add(prediction, o.prediction), sums);
  }

  static double[] add(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("sums of different bins (" + a.length + " vs " + b.length + "): not from the same bundle");
    }
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] + b[i];
    }
    return out;
  }

  static long[] add(long[] a, long[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("counts of different bins (" + a.length + " vs " + b.length + "): not from the same bundle");
    }
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] + b[i];
    }
    return out;
  }

  private static Map<String, long[]> addAll(Map<String, long[]> a, Map<String, long[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      throw new IllegalArgumentException("counts of different features " + a.keySet() + " vs " + b.keySet());
    }
    Map<String, long[]> out = new LinkedHashMap<>();
    a.forEach((k, v) -> out.put(k, add(v, b.get(k))));
    return out;
  }

  private static Map<String, TextCounts> addText(Map<String, TextCounts> a, Map<String, TextCounts> b) {
    if (!a.keySet().equals(b.keySet())) {
      throw new IllegalArgumentException("counts of different text features " + a.keySet() + " vs " + b.keySet());
    }
    Map<String, TextCounts> out = new LinkedHashMap<>();
    a.forEach((k, v) -> out.put(k, v.plus(b.get(k))));
    return out;
  }
}
