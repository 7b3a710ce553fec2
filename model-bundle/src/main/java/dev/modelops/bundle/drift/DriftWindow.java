package dev.modelops.bundle.drift;

import dev.modelops.bundle.CategoricalEncoder;
import dev.modelops.bundle.FeaturePipeline;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.TextEncoder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Live counts over the last {@code capacity} records: each record adds one bin per feature (and
 * its value to the bin's sum, for numeric features; its terms, for text); once the window is full, the oldest record's contributions are taken
 * away. Thread-safe; a record costs O(features + tokens) under a short lock.
 */
public final class DriftWindow {
  private final int capacity;
  private final List<ReferenceProfile.NumericProfile> numeric;
  private final List<CategoricalEncoder> categorical;
  private final List<TextEncoder> text;
  private final int binned;
  private final int[] slotBins;
  private final double[] slotValues;
  private final int[] slotPrediction;
  private final int[][][] slotTerms;
  private final long[][] counts;
  private final double[][] sums;
  private final long[][] termCounts;
  private final long[] outOfVocabulary;
  private final long[] textMissing;
  private final long[] prediction;
  private final double[] predictionCuts;
  private long recorded;

  public DriftWindow(FeaturePipeline pipeline, ReferenceProfile profile, int capacity) {
    this.capacity = capacity;
    this.numeric = profile.numeric();
    this.categorical = pipeline.categorical();
    this.text = pipeline.text();
    this.binned = numeric.size() + categorical.size();
    this.slotBins = new int[capacity * Math.max(binned, 1)];
    this.slotValues = new double[capacity * numeric.size()];
    this.slotPrediction = new int[capacity];
    this.slotTerms = new int[text.size()][capacity][];
    this.counts = new long[binned][];
    this.sums = new double[numeric.size()][];
    for (int i = 0; i < numeric.size(); i++) {
      counts[i] = new long[numeric.get(i).cuts().length + 2];
      sums[i] = new double[numeric.get(i).cuts().length + 1];
    }
    for (int i = 0; i < categorical.size(); i++) {
      counts[numeric.size() + i] = new long[categorical.get(i).width() + 1];
    }
    this.termCounts = new long[text.size()][];
    for (int t = 0; t < text.size(); t++) {
      termCounts[t] = new long[text.get(t).width()];
    }
    this.outOfVocabulary = new long[text.size()];
    this.textMissing = new long[text.size()];
    // The profile's own bins: the fixed probability bins of a binary model, a regression's value
    // deciles, a multi-class model's class bins (a profile without them: the fixed ones).
    this.predictionCuts = profile.prediction() == null ? ProfileBuilder.PREDICTION_CUTS : profile.prediction().cuts();
    this.prediction = new long[predictionCuts.length + 1];
  }

  /**
   * Counts one record: raw values in the pipeline's feature order, and its prediction: the
   * positive-class probability (binary), the value (regression), or the index of the most
   * probable class ({@link ProfileBuilder#predictedClass}, multi-class).
   */
  public void record(Object[] values, double predicted) {
    recordAll(new Object[][] {values}, new double[] {predicted});
  }

  /**
   * Counts several records in order (a batch chunk): the bins are found first, then all records
   * enter the window under one lock.
   */
  public void recordAll(Object[][] rows, double[] predicted) {
    int n = rows.length;
    int[] bins = new int[n * binned];
    int nn = numeric.size();
    double[] numbers = new double[n * nn];
    int[] predictionBins = new int[n];
    int[][][] terms = text.isEmpty() ? null : new int[n][text.size()][];
    for (int r = 0; r < n; r++) {
      Object[] values = rows[r];
      int f = 0;
      int o = r * binned;
      for (int i = 0; i < numeric.size(); i++, f++) {
        Object v = values[f];
        double[] cuts = numeric.get(i).cuts();
        if (v == null) {
          bins[o + f] = cuts.length + 1;
        } else {
          double x = ((Number) v).doubleValue();
          bins[o + f] = ReferenceProfile.binOf(cuts, x);
          numbers[r * nn + i] = Double.isFinite(x) ? x : 0; // an infinite or NaN value would spoil its bin's sum for good
        }
      }
      for (int i = 0; i < categorical.size(); i++, f++) {
        Object v = values[f];
        bins[o + f] = v == null ? categorical.get(i).width() : categorical.get(i).columnOf((String) v);
      }
      for (int t = 0; t < text.size(); t++) {
        Object v = values[f + t];
        if (v != null) {
          List<String> all = text.get(t).termsOf((String) v);
          int[] ids = new int[all.size()];
          for (int k = 0; k < ids.length; k++) {
            ids[k] = text.get(t).termIndex(all.get(k));
          }
          terms[r][t] = ids;
        }
      }
      predictionBins[r] = ReferenceProfile.binOf(predictionCuts, predicted[r]);
    }
    synchronized (this) {
      for (int r = 0; r < n; r++) {
        int slot = (int) (recorded % capacity);
        if (recorded >= capacity) {
          apply(slot, -1);
        }
        System.arraycopy(bins, r * binned, slotBins, slot * binned, binned);
        System.arraycopy(numbers, r * nn, slotValues, slot * nn, nn);
        slotPrediction[slot] = predictionBins[r];
        for (int t = 0; t < text.size(); t++) {
          slotTerms[t][slot] = terms[r][t];
        }
        apply(slot, +1);
        recorded++;
      }
    }
  }

  private void apply(int slot, int sign) {
    for (int i = 0; i < binned; i++) {
      counts[i][slotBins[slot * binned + i]] += sign;
    }
    for (int i = 0; i < sums.length; i++) {
      int bin = slotBins[slot * binned + i];
      if (bin < sums[i].length) {
        // an emptied bin sums to exactly 0, whatever rounding the additions and removals left
        sums[i][bin] = counts[i][bin] == 0 ? 0 : sums[i][bin] + sign * slotValues[slot * sums.length + i];
      }
    }
    prediction[slotPrediction[slot]] += sign;
    for (int t = 0; t < text.size(); t++) {
      int[] ids = slotTerms[t][slot];
      if (ids == null) {
        textMissing[t] += sign;
        continue;
      }
      for (int id : ids) {
        if (id < 0) {
          outOfVocabulary[t] += sign;
        } else {
          termCounts[t][id] += sign;
        }
      }
    }
  }

  /** The current counts (a copy, safe to serialise or merge). */
  public synchronized DriftCounts snapshot() {
    Map<String, long[]> num = new LinkedHashMap<>();
    Map<String, double[]> numSums = new LinkedHashMap<>();
    for (int i = 0; i < numeric.size(); i++) {
      num.put(numeric.get(i).name(), counts[i].clone());
      numSums.put(numeric.get(i).name(), sums[i].clone());
    }
    Map<String, long[]> cat = new LinkedHashMap<>();
    for (int i = 0; i < categorical.size(); i++) {
      cat.put(categorical.get(i).name(), counts[numeric.size() + i].clone());
    }
    Map<String, DriftCounts.TextCounts> txt = new LinkedHashMap<>();
    for (int t = 0; t < text.size(); t++) {
      txt.put(text.get(t).name(), new DriftCounts.TextCounts(termCounts[t].clone(), outOfVocabulary[t], textMissing[t]));
    }
    return new DriftCounts(Math.min(recorded, capacity), num, cat, txt, prediction.clone(), numSums);
  }

  /** Records counted since the start (not just those in the window). */
  public synchronized long recorded() {
    return recorded;
  }
}
