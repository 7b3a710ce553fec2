package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import lombok.Data;

/** CPU and memory requests and limits for a container the operator runs. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
// The API server refuses a Pod whose request is above its limit: no Pod of the Job or Deployment
// could ever be created.
@ValidationRule(
    value =
        "!has(self.requests) || !has(self.limits) || ['cpu', 'memory'].all(k, !(k in self.requests) || !(k in self.limits) ||"
            + " !isQuantity(string(self.requests[k])) || !isQuantity(string(self.limits[k])) ||"
            + " !quantity(string(self.requests[k])).isGreaterThan(quantity(string(self.limits[k]))))",
    message = "a request must not exceed its limit (requests.cpu and requests.memory at most limits.cpu and limits.memory)",
    fieldPath = ".requests")
public class ComputeResources {
  @Size(max = 16)
  @JsonPropertyDescription("Minimum resources the container needs, e.g. {cpu: 500m, memory: 1Gi}; none above its limit.")
  private Map<String, Quantity> requests;

  @Size(max = 16)
  @JsonPropertyDescription("Maximum resources the container may use, e.g. {cpu: 2, memory: 2Gi}.")
  private Map<String, Quantity> limits;
}
