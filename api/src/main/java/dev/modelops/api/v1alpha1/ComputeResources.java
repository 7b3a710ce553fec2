package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import lombok.Data;

/** CPU and memory requests and limits for a container the operator runs. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ComputeResources {
  @JsonPropertyDescription("Minimum resources the container needs, e.g. {cpu: 500m, memory: 1Gi}.")
  private Map<String, Quantity> requests;

  @JsonPropertyDescription("Maximum resources the container may use, e.g. {cpu: 2, memory: 2Gi}.")
  private Map<String, Quantity> limits;
}
