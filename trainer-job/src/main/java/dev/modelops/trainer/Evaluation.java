package dev.modelops.trainer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics on the validation split, by their YAML names ({@code Metric}): binary classification
 * at the 0.5 threshold where one is needed, regression, and multi-class classification.
 */
final class Evaluation {
  /**
   * Metric values by their YAML names, the confusion counts of a binary classifier, and a
   * multi-class model's precision, recall and f1 per class (null for the other kinds).
   */
  record Result(Map<String, Double> metrics, Map<String, Long> confusion, Map<String, Map<String, Double>> classMetrics) {}

  /** Probabilities are clipped to [EPS, 1 - EPS] for the log losses, so one confident mistake costs a finite amount. */
  private static final double EPS = 1e-15;

  private Evaluation() {}

  static Result evaluate(int[] labels, double[] p) {
    long tp = 0;
    long fp = 0;
    long tn = 0;
    long fn = 0;
    double logLoss = 0;
    for (int i = 0; i < labels.length; i++) {
      boolean predicted = p[i] >= 0.5;
      if (labels[i] == 1) {
        if (predicted) {
          tp++;
        } else {
          fn++;
        }
      } else if (predicted) {
        fp++;
      } else {
        tn++;
      }
      double q = Math.min(Math.max(p[i], EPS), 1 - EPS);
      logLoss -= labels[i] == 1 ? Math.log(q) : Math.log(1 - q);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    double n = labels.length;
    m.put("accuracy", (tp + tn) / n);
    double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
    double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
    m.put("precision", precision);
    m.put("recall", recall);
    m.put("f1", precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
    m.put("roc_auc", rocAuc(labels, p));
    m.put("log_loss", logLoss / n);
    Map<String, Long> confusion = new LinkedHashMap<>();
    confusion.put("tp", tp);
    confusion.put("fp", fp);
    confusion.put("tn", tn);
    confusion.put("fn", fn);
    return new Result(m, confusion, null);
  }

  /** rmse, mae and r2 (1 - squared error / the labels' variance; 0 for a model predicting the mean). */
  static Result regression(double[] labels, double[] predictions) {
    double n = labels.length;
    double squared = 0;
    double absolute = 0;
    double mean = 0;
    for (int i = 0; i < labels.length; i++) {
      double e = predictions[i] - labels[i];
      squared += e * e;
      absolute += Math.abs(e);
      mean += labels[i];
    }
    mean /= n;
    double total = 0;
    for (double y : labels) {
      total += (y - mean) * (y - mean);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("rmse", Math.sqrt(squared / n));
    m.put("mae", absolute / n);
    m.put("r2", total == 0 ? 0 : 1 - squared / total);
    return new Result(m, null, null);
  }

  /**
   * accuracy (the most probable class), macro_f1 (the mean of the classes' f1, each class counting
   * the same however rare), mlogloss, and each class's precision, recall and f1 by label value.
   */
  static Result multiClass(int[] labels, double[][] p, List<String> classes) {
    int k = classes.size();
    long[] truePositive = new long[k];
    long[] predictedAs = new long[k];
    long[] actual = new long[k];
    double logLoss = 0;
    for (int i = 0; i < labels.length; i++) {
      int predicted = dev.modelops.bundle.ProfileBuilder.predictedClass(p[i]);
      predictedAs[predicted]++;
      actual[labels[i]]++;
      if (predicted == labels[i]) {
        truePositive[predicted]++;
      }
      logLoss -= Math.log(Math.min(Math.max(p[i][labels[i]], EPS), 1 - EPS));
    }
    Map<String, Map<String, Double>> perClass = new LinkedHashMap<>();
    double f1Sum = 0;
    long correct = 0;
    for (int c = 0; c < k; c++) {
      double precision = predictedAs[c] == 0 ? 0 : (double) truePositive[c] / predictedAs[c];
      double recall = actual[c] == 0 ? 0 : (double) truePositive[c] / actual[c];
      double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
      f1Sum += f1;
      correct += truePositive[c];
      Map<String, Double> one = new LinkedHashMap<>();
      one.put("precision", precision);
      one.put("recall", recall);
      one.put("f1", f1);
      perClass.put(classes.get(c), one);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("accuracy", (double) correct / labels.length);
    m.put("macro_f1", f1Sum / k);
    m.put("mlogloss", logLoss / labels.length);
    return new Result(m, null, perClass);
  }

  /** ROC AUC as the Mann-Whitney statistic, ties counted half. */
  static double rocAuc(int[] labels, double[] p) {
    Integer[] order = new Integer[p.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(p[a], p[b]));
    double rankSumPositive = 0;
    long positives = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j + 1 < order.length && p[order[j + 1]] == p[order[i]]) {
        j++;
      }
      double averageRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (labels[order[k]] == 1) {
          rankSumPositive += averageRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = p.length - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }
}
