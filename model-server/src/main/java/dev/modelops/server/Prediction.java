package dev.modelops.server;

/**
 * One answer: the prediction's id (for feedback) and what the model predicted, by its kind
 * ({@code dev.modelops.bundle.ModelKind}): binary, the predicted class (0 or 1) and the
 * positive-class probability; regression, the value; multi-class, the predicted class's index in
 * the bundle's classes, its probability and every class's probability in that order.
 *
 * @param value the regression's predicted number, NaN for other kinds
 * @param probabilities a multi-class model's class probabilities, null for other kinds
 */
public record Prediction(String id, int predictedClass, double probability, double value, double[] probabilities) {
  /** A binary model's answer. */
  public Prediction(String id, int predictedClass, double probability) {
    this(id, predictedClass, probability, Double.NaN, null);
  }

  /** A regression model's answer. */
  public static Prediction ofValue(String id, double value) {
    return new Prediction(id, -1, Double.NaN, value, null);
  }

  /** A multi-class model's answer; the predicted class is the most probable one. */
  public static Prediction ofClasses(String id, int predictedClass, double[] probabilities) {
    return new Prediction(id, predictedClass, probabilities[predictedClass], Double.NaN, probabilities);
  }
}
