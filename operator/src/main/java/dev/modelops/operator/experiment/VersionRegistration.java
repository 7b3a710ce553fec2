package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.Metric;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.operator.Labels;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ModelVersion an Experiment registers for its best trial: found again by its
 * {@code modelops.dev/experiment} label (never created twice), else the next version number, at
 * the stage the promotion rule gives against the current Production version. It is not owned by
 * the Experiment: its lineage is {@code spec.source}, the experiment and trial labels and, for a
 * retrain, the policy's label and the version it retrained ({@code modelops.dev/retrain-of}).
 */
final class VersionRegistration {
  /** The version's name and stage; {@code create} is empty when it exists already. */
  record Registration(String name, ModelVersionSpec.Stage stage, Optional<ModelVersion> create, String announcement) {}

  private VersionRegistration() {}

  static Registration of(Experiment exp, ExperimentStatus.Trial winner, Metric metric, List<ModelVersion> versions) {
    for (ModelVersion v : versions) {
      if (exp.getMetadata().getName().equals(v.getMetadata().getLabels().get(Labels.EXPERIMENT))) {
        return new Registration(v.getMetadata().getName(), v.getSpec().getStage(), Optional.empty(), null);
      }
    }
    String model = exp.getSpec().getModel();
    int next = VersionNumbering.next(versions.stream().map(v -> v.getSpec().getVersion()).toList());
    Double current = versions.stream()
        .filter(v -> v.getSpec().getStage() == ModelVersionSpec.Stage.Production && v.getSpec().getMetrics() != null)
        .max(Comparator.comparingInt(v -> v.getSpec().getVersion()))
        .map(v -> v.getSpec().getMetrics().get(metric.key())).orElse(null);
    boolean auto = exp.getSpec().getRegister().getPromote() == ExperimentSpec.PromotionMode.AUTO;
    PromotionRule.Stage stage = PromotionRule.stageFor(auto, winner.getObjective(), current, metric.lowerIsBetter());
    ModelVersion mv = version(exp, winner, next, ModelVersionSpec.Stage.valueOf(stage.name()));
    String announcement = "registered " + mv.getMetadata().getName() + " with " + metric.key() + " " + winner.getObjective()
        + (stage == PromotionRule.Stage.Production ? ", promoted to Production" + (current == null ? "" : " (beats " + current + ")") : ", stage " + stage);
    return new Registration(mv.getMetadata().getName(), mv.getSpec().getStage(), Optional.of(mv), announcement);
  }

  private static ModelVersion version(Experiment exp, ExperimentStatus.Trial winner, int next, ModelVersionSpec.Stage stage) {
    String model = exp.getSpec().getModel();
    String name = model + "-v" + next;
    ModelVersion mv = new ModelVersion();
    mv.getMetadata().setName(name);
    mv.getMetadata().setNamespace(exp.getMetadata().getNamespace());
    Map<String, String> labels = Labels.of("model-version", model, name);
    labels.put(Labels.EXPERIMENT, exp.getMetadata().getName());
    labels.put(Labels.TRIAL, winner.getName());
    labels.put(Labels.VERSION, Integer.toString(next));
    Map<String, String> origin = exp.getMetadata().getLabels();
    if (origin != null && origin.containsKey(Labels.DRIFT_POLICY)) {
      labels.put(Labels.DRIFT_POLICY, origin.get(Labels.DRIFT_POLICY));
    }
    mv.getMetadata().setLabels(labels);
    Map<String, String> retrain = exp.getMetadata().getAnnotations();
    if (retrain != null && retrain.containsKey(Labels.RETRAIN_OF)) {
      mv.getMetadata().setAnnotations(Map.of(Labels.RETRAIN_OF, retrain.get(Labels.RETRAIN_OF)));
    }
    // No owner reference: a registered version is a registry record that outlives its Experiment
    // (and the policy that started a retrain); deleting a run never stops serving.
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel(model);
    spec.setVersion(next);
    ModelVersionSpec.Artifact artifact = new ModelVersionSpec.Artifact();
    artifact.setUri(winner.getBundleUri());
    artifact.setFormat(ModelVersionSpec.ArtifactFormat.MODELOPS);
    spec.setArtifact(artifact);
    ModelVersionSpec.Source source = new ModelVersionSpec.Source();
    source.setExperiment(exp.getMetadata().getName());
    source.setTrial(winner.getName());
    source.setParams(winner.getParams() == null || winner.getParams().isEmpty() ? null : new java.util.TreeMap<>(winner.getParams()));
    spec.setSource(source);
    spec.setMetrics(winner.getMetrics());
    spec.setStage(stage);
    // How it takes over from Production, as the Experiment says (a retrain's copy of it too).
    spec.setRollout(exp.getSpec().getRegister().getRollout());
    mv.setSpec(spec);
    return mv;
  }
}
