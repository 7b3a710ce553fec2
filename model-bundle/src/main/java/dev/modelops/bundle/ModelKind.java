package dev.modelops.bundle;

/** What a model's output is, read from its XGBoost objective. */
public enum ModelKind {
  /** binary:logistic, reg:logistic: the positive-class probability ({@link Scorer#score}). */
  BINARY,
  /** reg:squarederror, reg:pseudohubererror, reg:absoluteerror: a number ({@link Scorer#value}). */
  REGRESSION,
  /** multi:softprob: one probability per class ({@link Scorer#probabilities}). */
  MULTICLASS;

  /** The kind of an XGBoost objective, or null when modelops does not serve it. */
  static ModelKind of(String objective) {
    return switch (objective) {
      case "binary:logistic", "reg:logistic" -> BINARY;
      case "reg:squarederror", "reg:pseudohubererror", "reg:absoluteerror" -> REGRESSION;
      case "multi:softprob" -> MULTICLASS;
      default -> null;
    };
  }

  /** The {@link Scorer} method that gives this kind's output. */
  public String scorerMethod() {
    return switch (this) {
      case BINARY -> "score";
      case REGRESSION -> "value";
      case MULTICLASS -> "probabilities";
    };
  }

  /** How messages name it: binary, regression, multi-class. */
  String label() {
    return this == MULTICLASS ? "multi-class" : name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The objectives modelops serves, for messages. */
  static final String SUPPORTED =
      "binary:logistic, reg:logistic, reg:squarederror, reg:pseudohubererror, reg:absoluteerror, multi:softprob";
}
