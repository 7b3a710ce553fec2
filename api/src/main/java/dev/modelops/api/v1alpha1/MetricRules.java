package dev.modelops.api.v1alpha1;

/**
 * Which metric fits which learning objective, and which metrics are fractions or losses, as CEL
 * lists for the Experiment's validation rules: the one home of these facts in the schema
 * ({@link Metric#lowerIsBetter()} says the same of each metric for Java).
 */
final class MetricRules {
  static final String FRACTIONS = "['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'macro_f1']";
  static final String LOSSES = "['log_loss', 'mlogloss', 'rmse', 'mae']";
  static final String BINARY_OBJECTIVES = "['binary:logistic', 'reg:logistic']";
  static final String REGRESSION_OBJECTIVES = "['reg:squarederror', 'reg:pseudohubererror', 'reg:absoluteerror']";
  /** The metrics measured for spec.algorithm.objective's kind of model. */
  static final String FITTING_METRICS =
      "(self.algorithm.objective == 'multi:softprob' ? ['accuracy', 'macro_f1', 'mlogloss']"
          + " : self.algorithm.objective in " + REGRESSION_OBJECTIVES + " ? ['rmse', 'mae', 'r2']"
          + " : ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss'])";

  /** The same lists, as text for a message. */
  static final String FITTING_METRIC_NAMES =
      "(self.algorithm.objective == 'multi:softprob' ? 'accuracy, macro_f1, mlogloss'"
          + " : self.algorithm.objective in " + REGRESSION_OBJECTIVES + " ? 'rmse, mae, r2'"
          + " : 'accuracy, precision, recall, f1, roc_auc, log_loss')";

  /** Bounds the CEL cost of the messages that name a metric or an objective. */
  static final int MAX_NAME = 32;

  private MetricRules() {}
}
