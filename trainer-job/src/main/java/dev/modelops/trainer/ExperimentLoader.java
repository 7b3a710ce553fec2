package dev.modelops.trainer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.LearningObjective;
import dev.modelops.api.v1alpha1.SchemaDefaults;
import dev.modelops.trainer.TrainerInputException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the Experiment a trial belongs to: a file as a user applies it, or the operator's JSON,
 * with the schema's defaults filled in (a file on a laptop never passed the API server).
 */
final class ExperimentLoader {
  static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private ExperimentLoader() {}

  /** Parses a whole Experiment (apiVersion/kind/spec) or just its spec, in YAML or JSON. */
  static ExperimentSpec parse(String text, String origin) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      throw new TrainerInputException(Reason.BadSpec, origin + " is not valid YAML or JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new TrainerInputException(Reason.BadSpec, origin + " does not hold an Experiment");
    }
    JsonNode spec = root.has("spec") ? root.get("spec") : root;
    try {
      ExperimentSpec parsed = YAML.treeToValue(spec, ExperimentSpec.class);
      require(parsed.getModel() != null, origin, "spec.model");
      require(parsed.getDataset() != null, origin, "spec.dataset");
      require(parsed.getDataset().getUri() != null, origin, "spec.dataset.uri");
      require(parsed.getDataset().getLabel() != null, origin, "spec.dataset.label");
      require(parsed.getDataset().getFeatures() != null, origin, "spec.dataset.features");
      require(parsed.getObjective() != null && parsed.getObjective().getMetric() != null, origin, "spec.objective.metric");
      // The one place the trainer's input gets its defaults: the schema's, as the API server applies them.
      ExperimentSpec filled = SchemaDefaults.apply(parsed);
      require(filled.getDataset().getPositiveClass() != null || filled.getAlgorithm().getObjective().task() != LearningObjective.Task.BINARY,
          origin, "spec.dataset.positiveClass");
      return filled;
    } catch (IOException e) {
      throw new TrainerInputException(Reason.BadSpec, origin + ": " + firstLine(e.getMessage()));
    }
  }

  static ExperimentSpec read(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new TrainerInputException(
          Reason.BadSpec, "cannot read the Experiment file " + file + " (" + e.getClass().getSimpleName() + "); check --experiment");
    }
  }

  private static void require(boolean ok, String origin, String field) {
    if (!ok) {
      throw new TrainerInputException(Reason.BadSpec, origin + ": " + field + " is required");
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
