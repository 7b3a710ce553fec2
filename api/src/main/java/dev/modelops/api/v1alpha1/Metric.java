package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A model-quality metric computed on the held-out validation split. */
public enum Metric {
  @JsonProperty("accuracy")
  ACCURACY("accuracy", false),
  @JsonProperty("precision")
  PRECISION("precision", false),
  @JsonProperty("recall")
  RECALL("recall", false),
  @JsonProperty("f1")
  F1("f1", false),
  @JsonProperty("roc_auc")
  ROC_AUC("roc_auc", false),
  @JsonProperty("log_loss")
  LOG_LOSS("log_loss", true),
  @JsonProperty("rmse")
  RMSE("rmse", true),
  @JsonProperty("mae")
  MAE("mae", true),
  @JsonProperty("r2")
  R2("r2", false),
  @JsonProperty("macro_f1")
  MACRO_F1("macro_f1", false),
  @JsonProperty("mlogloss")
  MLOGLOSS("mlogloss", true);

  private final String key;
  private final boolean lowerIsBetter;

  Metric(String key, boolean lowerIsBetter) {
    this.key = key;
    this.lowerIsBetter = lowerIsBetter;
  }

  /** The name used in YAML, in trainer results and in status metric maps. */
  public String key() {
    return key;
  }

  /** True for losses and errors (log_loss, mlogloss, rmse, mae), where a smaller value is a better model. */
  public boolean lowerIsBetter() {
    return lowerIsBetter;
  }

  /** Looks a metric up by its YAML name. */
  public static Metric fromKey(String key) {
    for (Metric m : values()) {
      if (m.key.equals(key)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown metric '" + key + "'; allowed: "
        + java.util.Arrays.stream(values()).map(Metric::key).collect(java.util.stream.Collectors.joining(", ")));
  }
}
