package dev.modelops.trainer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Classification metrics on the validation split, at the 0.5 threshold where one is needed. */
final class Evaluation {
  /** Metric values by their YAML names, plus the confusion matrix. */
  record Result(Map<String, Double> metrics, Map<String, Long> confusion) {}

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
      double q = Math.min(Math.max(p[i], 1e-15), 1 - 1e-15);
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
    return new Result(m, confusion);
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
