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
 */
public record DriftCounts(
    long samples,
    Map<String, long[]> numeric,
    Map<String, long[]> categorical,
    Map<String, TextCounts> text,
    long[] prediction) {

  /** Absent maps (e.g. left out of JSON because empty) are empty. */
  public DriftCounts {
    numeric = numeric == null ? Map.of() : numeric;
    categorical = categorical == null ? Map.of() : categorical;
    text = text == null ? Map.of() : text;
    prediction = prediction == null ? new long[0] : prediction;
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

  /** The sum of two replicas' counts (same bundle). */
  public DriftCounts plus(DriftCounts o) {
    return new DriftCounts(
        samples + o.samples, addAll(numeric, o.numeric), addAll(categorical, o.categorical),
        addText(text, o.text), add(prediction, o.prediction));
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
