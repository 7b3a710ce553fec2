package dev.modelops.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** What to train and how to search: one Experiment runs trial Jobs and may register a ModelVersion. */
@Group("modelops.dev")
@Version("v1alpha1")
@ShortNames("exp")
@Categories("modelops")
@AdditionalPrinterColumn(name = "Model", jsonPath = ".spec.model", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Trials", jsonPath = ".status.trialsCompleted", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Max", jsonPath = ".spec.search.maxTrials", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Best", jsonPath = ".status.bestObjective", type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.modelVersion", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// On the whole resource (a rule's fieldPath cannot name metadata), so the API server prefixes it "<nil>".
// (A message naming the value would cost more than the API server allows for an unbounded name.)
@ValidationRule(value = "size(self.metadata.name) <= " + Experiment.MAX_NAME_LENGTH,
    message = "metadata.name is longer than " + Experiment.MAX_NAME_LENGTH + " characters: its trial Jobs are named <experiment>-t<index>"
        + " (index up to 999) and a Job name has at most 63 characters")
public class Experiment extends CustomResource<ExperimentSpec, ExperimentStatus> implements Namespaced {
  /** The longest name an Experiment can run with: 63 (a Job's name) less "-t999". */
  public static final int MAX_NAME_LENGTH = 58;

  @Override
  @JsonPropertyDescription("What to train and how to search: data, features, algorithm, search space, objective, registration.")
  public ExperimentSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("What the operator observed: phase, every trial, the best trial and the ModelVersion it registered.")
  public ExperimentStatus getStatus() {
    return super.getStatus();
  }
}
