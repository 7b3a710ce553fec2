package dev.modelops.bundle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Fits the feature pipeline on training rows only (never on validation rows). */
public final class PipelineFitter {
  /** Options of the fit, from the Experiment's features section. */
  public record Options(int categoricalMinCount, int ngramMin, int ngramMax, int maxVocabulary, int minDocumentFrequency) {}

  private PipelineFitter() {}

  /** Fits one encoder per feature of {@code train}. */
  public static FeaturePipeline fit(RawTable train, Options options) {
    List<NumericEncoder> numeric = new ArrayList<>();
    List<CategoricalEncoder> categorical = new ArrayList<>();
    List<TextEncoder> text = new ArrayList<>();
    List<Feature> features = train.features();
    for (int f = 0; f < features.size(); f++) {
      Feature feature = features.get(f);
      switch (feature.type()) {
        case NUMERIC -> numeric.add(fitNumeric(feature.name(), train.numeric(f)));
        case CATEGORICAL -> categorical.add(fitCategorical(feature.name(), train.strings(f), options.categoricalMinCount()));
        case TEXT -> text.add(fitText(feature.name(), train.strings(f), options));
      }
    }
    return new FeaturePipeline(numeric, categorical, text, null);
  }

  static NumericEncoder fitNumeric(String name, double[] values) {
    double[] present = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
    double median = present.length == 0 ? 0.0 : quantile(present, 0.5);
    double sum = 0;
    for (double v : values) {
      sum += Double.isNaN(v) ? median : v;
    }
    double mean = values.length == 0 ? 0 : sum / values.length;
    double ss = 0;
    for (double v : values) {
      double d = (Double.isNaN(v) ? median : v) - mean;
      ss += d * d;
    }
    double std = values.length == 0 ? 1 : Math.sqrt(ss / values.length);
    return new NumericEncoder(name, median, mean, std > 0 ? std : 1.0);
  }

  static CategoricalEncoder fitCategorical(String name, String[] values, int minCount) {
    Map<String, Integer> counts = new HashMap<>();
    for (String v : values) {
      if (v != null) {
        counts.merge(v, 1, Integer::sum);
      }
    }
    List<String> kept =
        counts.entrySet().stream()
            .filter(e -> e.getValue() >= minCount)
            .sorted((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : b.getValue() - a.getValue())
            .map(Map.Entry::getKey)
            .toList();
    return new CategoricalEncoder(name, kept);
  }

  static TextEncoder fitText(String name, String[] docs, Options o) {
    Map<String, Integer> df = new HashMap<>();
    int n = 0;
    for (String doc : docs) {
      if (doc == null) {
        continue;
      }
      n++;
      Set<String> seen = new HashSet<>(Tokenizer.ngrams(Tokenizer.words(doc), o.ngramMin(), o.ngramMax()));
      for (String t : seen) {
        df.merge(t, 1, Integer::sum);
      }
    }
    List<Map.Entry<String, Integer>> kept =
        df.entrySet().stream()
            .filter(e -> e.getValue() >= o.minDocumentFrequency())
            .sorted((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : b.getValue() - a.getValue())
            .limit(o.maxVocabulary())
            .toList();
    List<String> terms = new ArrayList<>(kept.size());
    double[] idf = new double[kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      terms.add(kept.get(i).getKey());
      // Smoothed idf, as in scikit-learn: ln((1 + n) / (1 + df)) + 1.
      idf[i] = Math.log((1.0 + n) / (1.0 + kept.get(i).getValue())) + 1.0;
    }
    return new TextEncoder(name, o.ngramMin(), o.ngramMax(), terms, idf);
  }

  /** Linear-interpolated quantile of sorted values. */
  static double quantile(double[] sorted, double q) {
    if (sorted.length == 1) {
      return sorted[0];
    }
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
