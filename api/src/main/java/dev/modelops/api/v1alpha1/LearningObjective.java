package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a trial's model learns to predict, named as the learner names its objective. */
public enum LearningObjective {
  @JsonProperty("binary:logistic")
  BINARY_LOGISTIC("binary:logistic", Task.BINARY),
  @JsonProperty("reg:logistic")
  REG_LOGISTIC("reg:logistic", Task.BINARY),
  @JsonProperty("reg:squarederror")
  REG_SQUARED_ERROR("reg:squarederror", Task.REGRESSION),
  @JsonProperty("reg:pseudohubererror")
  REG_PSEUDO_HUBER_ERROR("reg:pseudohubererror", Task.REGRESSION),
  @JsonProperty("reg:absoluteerror")
  REG_ABSOLUTE_ERROR("reg:absoluteerror", Task.REGRESSION),
  @JsonProperty("multi:softprob")
  MULTI_SOFTPROB("multi:softprob", Task.MULTICLASS);

  /** The kind of model an objective trains. */
  public enum Task {
    /** The probability of spec.dataset.positiveClass. */
    BINARY,
    /** A number. */
    REGRESSION,
    /** One probability per class of the label. */
    MULTICLASS
  }

  private final String key;
  private final Task task;

  LearningObjective(String key, Task task) {
    this.key = key;
    this.task = task;
  }

  /** The name in YAML and the learner's parameter value. */
  public String key() {
    return key;
  }

  /** The kind of model it trains. */
  public Task task() {
    return task;
  }
}
