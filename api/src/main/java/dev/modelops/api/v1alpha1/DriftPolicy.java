package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** When to act on a served model: drift, staleness and live-accuracy checks, and what to do. */
@Group("modelops.dev")
@Version("v1alpha1")
@ShortNames("dp")
@Categories("modelops")
@AdditionalPrinterColumn(name = "Model", jsonPath = ".spec.model", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.state", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Watching", jsonPath = ".status.modelVersion", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Last Evaluated", jsonPath = ".status.lastEvaluationTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Retrains", jsonPath = ".status.retrainCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class DriftPolicy extends CustomResource<DriftPolicySpec, DriftPolicyStatus>
    implements Namespaced {
  @Override
  @JsonPropertyDescription("Which model to watch, the checks with their bands, and what to do when they fire.")
  public DriftPolicySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("The last evaluation of every check, the policy state and its retrain history.")
  public DriftPolicyStatus getStatus() {
    return super.getStatus();
  }
}
