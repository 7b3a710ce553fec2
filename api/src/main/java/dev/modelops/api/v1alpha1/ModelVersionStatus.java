package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import lombok.Data;
import lombok.EqualsAndHashCode;

/** What the operator observed of a ModelVersion's serving objects. */
@Data
@EqualsAndHashCode(callSuper = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelVersionStatus extends ResourceStatus {
  @JsonPropertyDescription(
      "Registered (stage None), Deploying, Serving, Analysing (a Shadow or Canary rollout compares"
          + " it with Production), Rejected (its analysis failed), Superseded (another version holds"
          + " Production), Archived, or Failed.")
  private Phase phase;

  @JsonPropertyDescription("A human-readable summary of the phase, or of the problem.")
  private String message;

  @JsonPropertyDescription("The in-cluster URL of this version's Service.")
  private String endpoint;

  @JsonPropertyDescription("True when the model's stable Service routes to this version.")
  private Boolean receivesProductionTraffic;

  @StatusReplicas
  @JsonPropertyDescription("Model-server pods of this version.")
  private Integer replicas;

  @JsonPropertyDescription("Model-server pods of this version that are ready.")
  private Integer readyReplicas;

  @LabelSelector
  @JsonPropertyDescription("The label selector of this version's pods (for the scale subresource).")
  private String selector;

  @JsonPropertyDescription("When this version last became the Production version.")
  private String promotedAt;

  @JsonPropertyDescription("The shadow or canary analysis of this version against the Production version, while and after it runs.")
  private Analysis analysis;

  /** Lifecycle of a ModelVersion. */
  public enum Phase {
    Registered,
    Deploying,
    Serving,
    /** A Shadow or Canary rollout is comparing it with the Production version. */
    Analysing,
    /** Its rollout analysis failed at this generation: it is served on its own Service, never promoted. */
    Rejected,
    Superseded,
    Archived,
    Failed
  }

  /** A rollout analysis: where it stands, and each check's measurement in the current (or last) step. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Analysis {
    @JsonPropertyDescription("Shadow or Canary.")
    private String strategy;

    @JsonPropertyDescription("The Production version the candidate is compared with.")
    private String baseline;

    @JsonPropertyDescription("The step under way (or the last one), from 1.")
    private Integer step;

    @JsonPropertyDescription("How many steps the rollout has.")
    private Integer steps;

    @JsonPropertyDescription("The share of live requests of this step: mirrored (Shadow) or answered by the candidate (Canary).")
    private Double share;

    @JsonPropertyDescription("Running, Passed or Failed.")
    private String result;

    @JsonPropertyDescription("The generation of the ModelVersion this analysis is of.")
    private Long generation;

    @JsonPropertyDescription("When the analysis began.")
    private String startedAt;

    @JsonPropertyDescription("When this step began; maxDuration counts from here.")
    private String stepEnteredAt;

    @JsonPropertyDescription("When every Production server first ran this step's configuration (the step's measurements and minDuration count from there).")
    private String stepStartedAt;

    @JsonPropertyDescription("Rows answered by both servers in this step.")
    private Long samples;

    @JsonPropertyDescription("Of those, rows that got a feedback label.")
    private Long labels;

    @JsonPropertyDescription("The checks of this step, each with its measurement and threshold.")
    private java.util.List<Check> checks;

    @JsonPropertyDescription("Why the analysis stands where it does: what it waits for, or which check failed with its values.")
    private String message;
  }

  /** One check of a rollout step. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Check {
    @JsonPropertyDescription("predictionDivergence, classDisagreement, errorShare, latencyP99, or accuracy (the candidate's accuracy minus Production's).")
    private String name;

    @JsonPropertyDescription("The measurement (latencyP99 in seconds); absent while there is nothing to measure.")
    private Double value;

    @JsonPropertyDescription("The bound it is held to.")
    private Double threshold;

    @JsonPropertyDescription("Pass, Fail, or Pending (not enough samples or labels yet).")
    private String verdict;
  }
}
