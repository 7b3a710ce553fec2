package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ExperimentStatus.TrialPhase;
import java.util.List;

/** Whether a search should start no more trials: {@code patience} finished trials in a row without improving by {@code minDelta}. */
final class EarlyStopping {
  private EarlyStopping() {}

  static boolean stop(ExperimentSpec.EarlyStopping es, List<ExperimentStatus.Trial> trials, boolean lowerIsBetter) {
    if (es == null || es.getPatience() == null) {
      return false;
    }
    Double best = null;
    int sinceImprovement = 0;
    for (ExperimentStatus.Trial t : trials) {
      if (t.getPhase() != TrialPhase.Succeeded || t.getObjective() == null) {
        if (t.getPhase() == TrialPhase.Failed) {
          sinceImprovement++;
        }
        continue;
      }
      double v = lowerIsBetter ? -t.getObjective() : t.getObjective();
      if (best == null || v > best + es.getMinDelta()) {
        best = v;
        sinceImprovement = 0;
      } else {
        sinceImprovement++;
      }
    }
    return sinceImprovement >= es.getPatience();
  }
}
