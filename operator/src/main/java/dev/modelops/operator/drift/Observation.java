package dev.modelops.operator.drift;

import dev.modelops.bundle.drift.DriftReport;
import java.util.List;

/**
 * What a source measured for one served version, merged over all its replicas: the drift
 * window's sample count, each feature's drift, the prediction drift and the feedback counts.
 *
 * @param samples predictions in the (merged) drift window
 * @param features per-feature drift
 * @param predictionDrift PSI of the predicted-probability distribution
 * @param feedback predictions that received a true label
 * @param feedbackCorrect of those, the ones predicted right
 * @param replicas how many replicas the figures come from
 * @param feedbackAbsError a regression model's labelled predictions: the sum of their absolute errors
 * @param feedbackSquaredError the same, of their squared errors
 */
public record Observation(long samples, List<Feature> features, double predictionDrift, long feedback, long feedbackCorrect, int replicas,
    double feedbackAbsError, double feedbackSquaredError) {

  public Observation(long samples, List<Feature> features, double predictionDrift, long feedback, long feedbackCorrect, int replicas) {
    this(samples, features, predictionDrift, feedback, feedbackCorrect, replicas, 0, 0);
  }

  /** This observation with a regression model's summed feedback errors. */
  public Observation withErrors(double absError, double squaredError) {
    return new Observation(samples, features, predictionDrift, feedback, feedbackCorrect, replicas, absError, squaredError);
  }

  /**
   * One feature's drift.
   *
   * @param score PSI for numeric features, Jensen-Shannon distance for categorical and text
   * @param drifted whether the score is over the feature's threshold
   * @param outOfVocabulary text features only: share of terms not in the vocabulary
   */
  public record Feature(String name, String type, double score, boolean drifted, double missingShare, Double outOfVocabulary) {}

  /** The observation behind a drift report computed from (merged) counts. */
  public static Observation of(DriftReport report, long feedback, long feedbackCorrect, int replicas) {
    List<Feature> features = report.features().stream()
        .map(f -> new Feature(f.name(), f.type(), f.score(), f.drifted(), f.missingShare(), f.outOfVocabularyRate()))
        .toList();
    return new Observation(report.samples(), features, report.predictionPsi(), feedback, feedbackCorrect, replicas);
  }

  /** The share of features over their drift threshold. */
  public double driftedFeatureShare() {
    return features.isEmpty() ? 0 : (double) drifted().size() / features.size();
  }

  /** The names of the drifted features, most drifted first. */
  public List<String> drifted() {
    return features.stream().filter(Feature::drifted)
        .sorted((a, b) -> Double.compare(b.score(), a.score())).map(Feature::name).toList();
  }
}
