package dev.modelops.operator.experiment;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Picks the best successful trial by the objective; ties go to the earlier trial. */
public final class BestTrialSelector {
  private BestTrialSelector() {}

  public static Optional<TrialOutcome> best(List<TrialOutcome> trials, boolean lowerIsBetter) {
    Comparator<TrialOutcome> byObjective = Comparator.comparingDouble(TrialOutcome::objective);
    if (!lowerIsBetter) {
      byObjective = byObjective.reversed();
    }
    return trials.stream()
        .filter(t -> t.succeeded() && t.objective() != null && !t.objective().isNaN())
        .sorted(byObjective.thenComparingInt(TrialOutcome::index))
        .findFirst();
  }
}
