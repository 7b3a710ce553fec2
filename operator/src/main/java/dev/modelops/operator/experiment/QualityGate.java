package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import java.util.Map;

/** Checks a trial's metrics against register.qualityGate; returns what failed, or null. */
final class QualityGate {
  private QualityGate() {}

  static String check(ExperimentSpec.Register register, Map<String, Double> metrics) {
    if (register == null || register.getQualityGate() == null) {
      return null;
    }
    for (ExperimentSpec.MetricThreshold t : register.getQualityGate()) {
      Double v = metrics == null ? null : metrics.get(t.getMetric().key());
      if (v == null) {
        return t.getMetric().key() + " was not reported";
      }
      if (t.getMin() != null && v < t.getMin()) {
        return t.getMetric().key() + " " + v + " is below the minimum " + t.getMin();
      }
      if (t.getMax() != null && v > t.getMax()) {
        return t.getMetric().key() + " " + v + " is above the maximum " + t.getMax();
      }
    }
    return null;
  }
}
