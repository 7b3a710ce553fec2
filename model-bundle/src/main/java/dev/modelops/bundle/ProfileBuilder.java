package dev.modelops.bundle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Computes the reference profile for drift from the training rows and validation predictions. */
public final class ProfileBuilder {
  /** Fixed probability cut points for the prediction distribution: ten equal-width bins. */
  public static final double[] PREDICTION_CUTS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

  /** Bins of a text feature's document lengths. */
  private static final int BINS = 10;

  /**
   * Bins of a numeric feature: one bin per value when the column has at most this many distinct
   * values, else this many bins cut by {@link #areaCuts}. Fine enough that the Wasserstein
   * distance computed from the bins is within 1% of the exact one on real shifts (100 bins left
   * one column of 60 at 1.3%; docs/benchmarks.md), bounded so the Prometheus series per feature
   * stay bounded.
   */
  public static final int NUMERIC_BINS = 128;

  private ProfileBuilder() {}

  public static ReferenceProfile build(RawTable train, FeaturePipeline pipeline, double[] validationPredictions) {
    return build(train, null, pipeline, validationPredictions);
  }

  /**
   * The same, a text feature's term distribution taken from the validation rows when they hold at
   * least {@link #MIN_TEXT_REFERENCE_DOCUMENTS} documents: the vocabulary was fitted on the training
   * rows, so over them every term is at least as frequent as it was seen, while live documents,
   * like the validation ones, are new to it (on the sentiment example the training rows' own
   * distribution made unshifted held-out reviews read as drifted).
   */
  public static ReferenceProfile build(RawTable train, RawTable validation, FeaturePipeline pipeline, double[] validationPredictions) {
    return build(train, validation, pipeline, new ReferenceProfile.Binned(PREDICTION_CUTS.clone(), proportions(PREDICTION_CUTS, validationPredictions)));
  }

  /**
   * The prediction distribution of a regression model: cut at the deciles of its predictions on
   * the training rows (a value's scale is the label's, so no fixed bins fit every model), with
   * the validation predictions' shares, which, like live rows, the model did not train on.
   */
  public static ReferenceProfile.Binned valueBins(double[] trainingPredictions, double[] validationPredictions) {
    double[] sorted = trainingPredictions.clone();
    Arrays.sort(sorted);
    double[] cuts = sorted.length == 0 ? new double[0] : quantileCuts(sorted, BINS);
    return new ReferenceProfile.Binned(cuts, proportions(cuts, validationPredictions));
  }

  /**
   * The prediction distribution of a multi-class model: the share of validation rows predicted as
   * each class (the most probable one), as bins over the class index with cuts at 0.5, 1.5, ...
   */
  public static ReferenceProfile.Binned classBins(int classes, double[][] validationProbabilities) {
    double[] cuts = new double[classes - 1];
    for (int k = 0; k < cuts.length; k++) {
      cuts[k] = k + 0.5;
    }
    double[] predicted = new double[validationProbabilities.length];
    for (int i = 0; i < predicted.length; i++) {
      predicted[i] = predictedClass(validationProbabilities[i]);
    }
    return new ReferenceProfile.Binned(cuts, proportions(cuts, predicted));
  }

  /** The most probable class (the first of equals), as the bins of {@link #classBins} count it. */
  public static int predictedClass(double[] probabilities) {
    int best = 0;
    for (int k = 1; k < probabilities.length; k++) {
      if (probabilities[k] > probabilities[best]) {
        best = k;
      }
    }
    return best;
  }

  /** The profile with a given prediction distribution ({@link #valueBins}, {@link #classBins}). */
  public static ReferenceProfile build(RawTable train, RawTable validation, FeaturePipeline pipeline, ReferenceProfile.Binned prediction) {
    List<ReferenceProfile.NumericProfile> numeric = new ArrayList<>();
    List<ReferenceProfile.CategoricalProfile> categorical = new ArrayList<>();
    List<ReferenceProfile.TextProfile> text = new ArrayList<>();
    List<Feature> features = train.features();
    int c = 0;
    int t = 0;
    for (int f = 0; f < features.size(); f++) {
      switch (features.get(f).type()) {
        case NUMERIC -> numeric.add(numeric(features.get(f).name(), train.numeric(f)));
        case CATEGORICAL -> categorical.add(categorical(pipeline.categorical().get(c++), train.strings(f)));
        case TEXT -> text.add(text(pipeline.text().get(t++), textReference(train, validation, f)));
      }
    }
    return new ReferenceProfile(train.rows(), numeric, categorical, text, prediction);
  }

  /** Below this many validation documents, a text feature's reference comes from the training rows. */
  public static final int MIN_TEXT_REFERENCE_DOCUMENTS = 200;

  private static String[] textReference(RawTable train, RawTable validation, int f) {
    if (validation != null) {
      String[] docs = validation.strings(f);
      if (Arrays.stream(docs).filter(java.util.Objects::nonNull).count() >= MIN_TEXT_REFERENCE_DOCUMENTS) {
        return docs;
      }
    }
    return train.strings(f);
  }

  static ReferenceProfile.NumericProfile numeric(String name, double[] values) {
    double[] present = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
    double missingShare = values.length == 0 ? 0 : 1.0 - (double) present.length / values.length;
    if (present.length == 0) {
      return new ReferenceProfile.NumericProfile(name, new double[0], new double[] {1.0}, new double[] {0.0}, 0, 0, 0, 0, missingShare);
    }
    double[] distinct = Arrays.stream(present).map(v -> v + 0.0).distinct().toArray(); // -0.0 is 0.0
    double[] cuts = distinct.length <= NUMERIC_BINS
        ? Arrays.copyOf(distinct, distinct.length - 1) : areaCuts(present, NUMERIC_BINS);
    double[] counts = new double[cuts.length + 1];
    double[] sums = new double[cuts.length + 1];
    double sum = 0;
    double[] lowest = new double[cuts.length + 1];
    double[] highest = new double[cuts.length + 1];
    Arrays.fill(lowest, Double.POSITIVE_INFINITY);
    Arrays.fill(highest, Double.NEGATIVE_INFINITY);
    for (double v : present) {
      int b = ReferenceProfile.binOf(cuts, v);
      counts[b]++;
      sums[b] += v;
      sum += v;
      lowest[b] = Math.min(lowest[b], v);
      highest[b] = Math.max(highest[b], v);
    }
    double mean = sum / present.length;
    double ss = 0;
    for (double v : present) {
      ss += (v - mean) * (v - mean);
    }
    double[] proportions = new double[counts.length];
    double[] representatives = new double[counts.length];
    for (int b = 0; b < counts.length; b++) {
      proportions[b] = counts[b] / present.length;
      // A bin of one value stands for exactly that value (a sum's rounding would blur it).
      representatives[b] = counts[b] == 0 ? (b < cuts.length ? cuts[b] : present[present.length - 1])
          : lowest[b] == highest[b] ? lowest[b] : sums[b] / counts[b];
    }
    return new ReferenceProfile.NumericProfile(
        name, cuts, proportions, representatives, mean, Math.sqrt(ss / present.length),
        present[0], present[present.length - 1], missingShare);
  }

  /**
   * Cut points for the Wasserstein distance from bins: the bins' upper ends, the last of them the
   * largest training value (so that the last bin holds only live values above all training
   * values, where the distance is exact). Where the two distribution functions cross inside a
   * bin, the distance from the bin's count and sum is off by up to the bin's share of the values
   * times its width; the cuts are chosen to make that bound small everywhere: starting from one
   * bin of all values, the bin with the largest share times width is split, where the two halves'
   * bounds are the most equal, until there are {@code bins} bins (or no bin of two distinct values is
   * left). Equal shares would leave a long tail in one bin as wide as the rest of the range; equal
   * widths would put most values in a few bins. Every cut is a training value; tied values stay in
   * one bin.
   *
   * @param sorted the training values, ascending, none missing
   */
  static double[] areaCuts(double[] sorted, int bins) {
    int n = sorted.length;
    // a bin is the run sorted[from..to] (inclusive, whole ties), its lower end lo
    record Bin(int from, int to, double lo, double bound) {}
    java.util.PriorityQueue<Bin> queue = new java.util.PriorityQueue<>((a, b) -> Double.compare(b.bound(), a.bound()));
    java.util.function.BiFunction<int[], Double, Bin> bin = (run, lo) ->
        new Bin(run[0], run[1], lo, (double) (run[1] - run[0] + 1) / n * (sorted[run[1]] - lo));
    // the smallest value alone in the first bin: below it live values are alone too
    int firstTies = endOfTies(sorted, 0, 0, n - 1);
    List<Bin> done = new ArrayList<>();
    done.add(new Bin(0, firstTies, sorted[0], 0));
    queue.add(bin.apply(new int[] {firstTies + 1, n - 1}, sorted[0]));
    while (!queue.isEmpty() && queue.size() + done.size() < bins - 1) {
      Bin b = queue.poll();
      if (sorted[b.from()] == sorted[b.to()]) {
        done.add(b);
        continue;
      }
      int k = split(sorted, b.from(), b.to(), b.lo(), n);
      queue.add(bin.apply(new int[] {b.from(), k}, b.lo()));
      queue.add(bin.apply(new int[] {k + 1, b.to()}, sorted[k]));
    }
    done.addAll(queue);
    return done.stream().mapToDouble(b -> sorted[b.to()]).sorted().toArray();
  }

  /**
   * Where to split sorted[from..to] (two distinct values at least) with lower end lo: the last
   * index of the left part, at the end of a run of ties, where the larger of the two parts'
   * share-times-width bounds is smallest.
   */
  private static int split(double[] sorted, int from, int to, double lo, int n) {
    // left bound grows with k, right bound shrinks: the first k where left >= right, or the one before
    int a = from;
    int b = to - 1;
    while (a < b) {
      int k = (a + b) >>> 1;
      if (left(sorted, from, k, lo, n) >= right(sorted, k, to, n)) {
        b = k;
      } else {
        a = k + 1;
      }
    }
    int best = -1;
    double bestBound = Double.POSITIVE_INFINITY;
    for (int k : new int[] {a - 1, a}) {
      int end = endOfTies(sorted, k, from, to);
      if (end >= from && end < to) {
        double bound = Math.max(left(sorted, from, end, lo, n), right(sorted, end, to, n));
        if (bound < bestBound) {
          bestBound = bound;
          best = end;
        }
      }
    }
    return best;
  }

  /** The last index of sorted[k]'s run of ties, or the one before the run when the run reaches {@code to}. */
  private static int endOfTies(double[] sorted, int k, int from, int to) {
    if (k < from) {
      return -1;
    }
    int end = k;
    while (end < to && sorted[end + 1] == sorted[k]) {
      end++;
    }
    if (end < to) {
      return end;
    }
    int start = k;
    while (start > from && sorted[start - 1] == sorted[k]) {
      start--;
    }
    return start - 1;
  }

  private static double left(double[] sorted, int from, int k, double lo, int n) {
    return (double) (k - from + 1) / n * (sorted[k] - lo);
  }

  private static double right(double[] sorted, int k, int to, int n) {
    return (double) (to - k) / n * (sorted[to] - sorted[k]);
  }

  /**
   * Distinct quantile cut points at 1/bins, 2/bins, ... (nearest rank, so every cut is a value
   * seen in training); fewer when values repeat, e.g. a single cut for a 0/1 column.
   */
  static double[] quantileCuts(double[] sorted, int bins) {
    List<Double> cuts = new ArrayList<>();
    for (int i = 1; i < bins; i++) {
      int rank = (int) Math.ceil((double) i / bins * sorted.length) - 1;
      double q = sorted[Math.max(0, Math.min(rank, sorted.length - 1))];
      if (q < sorted[sorted.length - 1] && (cuts.isEmpty() || q > cuts.get(cuts.size() - 1))) {
        cuts.add(q);
      }
    }
    return cuts.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static ReferenceProfile.CategoricalProfile categorical(CategoricalEncoder encoder, String[] values) {
    double[] counts = new double[encoder.width()];
    int present = 0;
    for (String v : values) {
      if (v != null) {
        counts[encoder.columnOf(v)]++;
        present++;
      }
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] = present == 0 ? 0 : counts[i] / present;
    }
    return new ReferenceProfile.CategoricalProfile(
        encoder.name(), encoder.categories(), counts, values.length == 0 ? 0 : 1.0 - (double) present / values.length);
  }

  static ReferenceProfile.TextProfile text(TextEncoder encoder, String[] docs) {
    double[] termCounts = new double[encoder.width()];
    long inVocabulary = 0;
    long all = 0;
    int present = 0;
    double[] lengths = new double[docs.length];
    int n = 0;
    for (String doc : docs) {
      if (doc == null) {
        continue;
      }
      present++;
      lengths[n++] = Tokenizer.words(doc).size();
      for (String term : encoder.termsOf(doc)) {
        all++;
        int i = encoder.termIndex(term);
        if (i >= 0) {
          termCounts[i]++;
          inVocabulary++;
        }
      }
    }
    for (int i = 0; i < termCounts.length; i++) {
      termCounts[i] = inVocabulary == 0 ? 0 : termCounts[i] / inVocabulary;
    }
    double[] sortedLengths = Arrays.copyOf(lengths, n);
    Arrays.sort(sortedLengths);
    double[] lengthCuts = n == 0 ? new double[0] : quantileCuts(sortedLengths, BINS);
    return new ReferenceProfile.TextProfile(
        encoder.name(), encoder.terms(), termCounts, all == 0 ? 0 : (double) (all - inVocabulary) / all,
        lengthCuts, proportions(lengthCuts, sortedLengths),
        docs.length == 0 ? 0 : 1.0 - (double) present / docs.length);
  }

  static double[] proportions(double[] cuts, double[] values) {
    double[] p = new double[cuts.length + 1];
    for (double v : values) {
      p[ReferenceProfile.binOf(cuts, v)]++;
    }
    for (int i = 0; i < p.length; i++) {
      p[i] = values.length == 0 ? 0 : p[i] / values.length;
    }
    return p;
  }
}
