package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;
import lombok.EqualsAndHashCode;

/** What a DriftPolicy last found, and the retrains it started. */
@Data
@EqualsAndHashCode(callSuper = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftPolicyStatus extends ResourceStatus {
  @JsonPropertyDescription("Healthy, Warning, Drifted, Retraining, Alerting, or Unknown (nothing to watch yet).")
  private State state;

  @JsonPropertyDescription("A human-readable summary of the last evaluation.")
  private String message;

  @JsonPropertyDescription("The ModelVersion the policy watches (the model's Production version).")
  private String modelVersion;

  @JsonPropertyDescription("When the checks were last evaluated.")
  private String lastEvaluationTime;

  @JsonPropertyDescription("When the checks will next be evaluated.")
  private String nextEvaluationTime;

  @JsonPropertyDescription("The last value and band of every check.")
  private List<CheckResult> checks = new ArrayList<>();

  @JsonPropertyDescription("How many retraining Experiments this policy has started.")
  private Integer retrainCount;

  @JsonPropertyDescription("The most recent retrains (at most 20), newest first.")
  private List<RetrainRecord> retrains = new ArrayList<>();

  /** The outcome of one check. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CheckResult {
    @JsonPropertyDescription("The check's metric.")
    private String metric;

    @JsonPropertyDescription("The feature, for per-feature checks.")
    private String feature;

    @JsonPropertyDescription("The measured value.")
    private Double value;

    @JsonPropertyDescription("Ok, Warn, Retrain, Alert, InsufficientData (fewer observations than minSamples) or Invalid (e.g. a feature the model does not have).")
    private Band band;

    @JsonPropertyDescription("Observations behind the value.")
    private Long samples;

    @JsonPropertyDescription("Details, e.g. which features drifted.")
    private String message;
  }

  /** One retraining the policy started. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RetrainRecord {
    @JsonPropertyDescription("The retraining Experiment.")
    private String experiment;

    @JsonPropertyDescription("When it was created.")
    private String time;

    @JsonPropertyDescription("Why: the checks that reached their retrain band, with values.")
    private String reason;
  }

  /** Overall policy state. */
  public enum State {
    Unknown,
    Healthy,
    Warning,
    Drifted,
    Retraining,
    Alerting
  }

  /** The band a check value falls in. */
  public enum Band {
    Ok,
    Warn,
    Retrain,
    Alert,
    InsufficientData,
    Invalid
  }
}
