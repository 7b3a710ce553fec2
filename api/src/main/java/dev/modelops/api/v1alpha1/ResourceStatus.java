package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import lombok.Data;

/** Fields every modelops status carries: the generation it describes and its conditions. */
@Data
public abstract class ResourceStatus {
  @JsonPropertyDescription(
      "The metadata.generation of the spec this status describes. When it is lower than"
          + " metadata.generation, the operator has not yet acted on the latest change.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Standard Kubernetes conditions. Every kind has a Ready condition; lastTransitionTime"
          + " changes only when a condition's status flips.")
  private List<Condition> conditions = new ArrayList<>();
}
