package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicyStatus.Band;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.State;
import java.time.Duration;
import java.time.Instant;

/**
 * From the worst band and the retrains already made, the policy's state and whether to start a
 * retraining Experiment now. At most one retrain per cooldown and at most maxConcurrent running,
 * so a metric flapping around its threshold cannot start a storm of retrains. The alert band
 * never retrains: it means the model needs people, not another run of the same recipe.
 */
public final class RetrainRule {
  /** The outcome. */
  public record Decision(State state, boolean retrainNow, String message) {}

  /**
   * @param retrainConfigured whether the policy has spec.retrain
   * @param running retraining Experiments of this policy not yet finished
   * @param lastRetrain when the newest retraining Experiment was created, or null
   */
  public static Decision decide(Band worst, boolean retrainConfigured, int running, int maxConcurrent, Instant lastRetrain,
      Duration cooldown, Instant now) {
    if (worst == Band.Alert) {
      return new Decision(State.Alerting, false, "a check reached its alert band");
    }
    if (worst == Band.Retrain) {
      if (!retrainConfigured) {
        return new Decision(State.Drifted, false, "a check reached its retrain band, but the policy has no spec.retrain");
      }
      if (running >= maxConcurrent) {
        return new Decision(State.Retraining, false, running + " retraining Experiment(s) still running (maxConcurrent " + maxConcurrent + ")");
      }
      if (lastRetrain != null && now.isBefore(lastRetrain.plus(cooldown))) {
        return new Decision(running > 0 ? State.Retraining : State.Drifted, false,
            "in cooldown: the last retrain started at " + lastRetrain + ", the next may start at " + lastRetrain.plus(cooldown));
      }
      return new Decision(State.Retraining, true, "a check reached its retrain band");
    }
    if (running > 0) {
      return new Decision(State.Retraining, false, "a retraining Experiment is running");
    }
    return worst == Band.Warn ? new Decision(State.Warning, false, "a check reached its warn band")
        : new Decision(State.Healthy, false, "every check is below its warn band or lacks data");
  }

  private RetrainRule() {}
}
