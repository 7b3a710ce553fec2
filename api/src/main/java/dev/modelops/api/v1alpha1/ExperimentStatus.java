package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lombok.Data;
import lombok.EqualsAndHashCode;

/** What the operator observed of an Experiment: its phase, every trial, the best one, the version it made. */
@Data
@EqualsAndHashCode(callSuper = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExperimentStatus extends ResourceStatus {
  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  private Phase phase;

  @JsonPropertyDescription("A human-readable summary of the current phase, or of the problem.")
  private String message;

  @JsonPropertyDescription("When the first trial started.")
  private String startTime;

  @JsonPropertyDescription("When the Experiment reached Succeeded or Failed.")
  private String completionTime;

  @JsonPropertyDescription("Trials that finished, successfully or not.")
  private Integer trialsCompleted;

  @JsonPropertyDescription("Trials that failed.")
  private Integer trialsFailed;

  @JsonPropertyDescription("Trials whose Job is running now.")
  private Integer trialsRunning;

  @JsonPropertyDescription("Every trial, in the order it was planned.")
  private List<Trial> trials = new ArrayList<>();

  @JsonPropertyDescription("The name of the best successful trial so far.")
  private String bestTrial;

  @JsonPropertyDescription("The objective value of the best trial.")
  private Double bestObjective;

  @JsonPropertyDescription("The ModelVersion registered from the best trial, if any.")
  private String modelVersion;

  /** One trial of the search. */
  @Data
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Trial {
    @JsonPropertyDescription("The trial name, <experiment>-t<index>; also the name of its Job.")
    private String name;

    @JsonPropertyDescription("The trial's position in the plan, from 0.")
    private Integer index;

    @JsonPropertyDescription("The hyperparameter values this trial uses.")
    private Map<String, String> params = new LinkedHashMap<>();

    @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
    private TrialPhase phase;

    @JsonPropertyDescription("The Job that runs this trial.")
    private String job;

    @JsonPropertyDescription("When the Job started.")
    private String startTime;

    @JsonPropertyDescription("When the trial succeeded or failed.")
    private String completionTime;

    @JsonPropertyDescription("Validation metrics reported by the trainer.")
    private Map<String, Double> metrics = new LinkedHashMap<>();

    @JsonPropertyDescription("The objective value of this trial.")
    private Double objective;

    @JsonPropertyDescription("Where the trainer wrote this trial's model bundle.")
    private String bundleUri;

    @JsonPropertyDescription("Why the trial failed, in CamelCase (e.g. BadData, OOMKilled, Timeout, ImagePullBackOff).")
    private String reason;

    @JsonPropertyDescription("Details of the failure, from the trainer's last line or the pod status.")
    private String message;
  }

  /** Lifecycle of an Experiment. */
  public enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed
  }

  /** Lifecycle of a trial. */
  public enum TrialPhase {
    Pending,
    Running,
    Succeeded,
    Failed
  }
}
