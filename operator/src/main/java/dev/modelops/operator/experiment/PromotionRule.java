package dev.modelops.operator.experiment;

/**
 * Decides the stage of a newly registered version. With automatic promotion it goes to
 * Production when it beats the model's current Production version on the objective (or there
 * is none), else to Staging; with manual promotion it is registered with stage None.
 */
public final class PromotionRule {
  /** Stages, as in ModelVersion.spec.stage. */
  public enum Stage {
    None,
    Staging,
    Production
  }

  private PromotionRule() {}

  /**
   * @param auto register.promote is auto
   * @param candidate the new version's objective value
   * @param current the current Production version's value of the same metric, or null
   */
  public static Stage stageFor(boolean auto, double candidate, Double current, boolean lowerIsBetter) {
    if (!auto) {
      return Stage.None;
    }
    if (current == null || current.isNaN()) {
      return Stage.Production;
    }
    boolean better = lowerIsBetter ? candidate < current : candidate > current;
    return better ? Stage.Production : Stage.Staging;
  }
}
