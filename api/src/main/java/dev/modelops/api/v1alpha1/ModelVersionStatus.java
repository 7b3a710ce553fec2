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
      "Registered (stage None), Deploying, Serving, Superseded (another version holds"
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

  /** Lifecycle of a ModelVersion. */
  public enum Phase {
    Registered,
    Deploying,
    Serving,
    Superseded,
    Archived,
    Failed
  }
}
