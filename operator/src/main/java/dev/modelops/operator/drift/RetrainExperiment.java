package dev.modelops.operator.drift;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OwnerReferences;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A policy's retraining Experiments, pure: whether the template can be used, the next one's
 * number, the desired object (a copy of the template's spec, owned by the policy, named
 * {@code <policy>-retrain-<n>} so that a repeated reconcile cannot make a second), and what
 * the existing ones say (running, last started).
 */
final class RetrainExperiment {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RetrainExperiment() {}

  /** Why the template cannot be used, saying how to fix it; null when it can. */
  static String problem(DriftPolicy policy, Experiment template) {
    String ns = policy.getMetadata().getNamespace();
    String model = policy.getSpec().getModel();
    String name = policy.getSpec().getRetrain().getExperiment();
    if (template == null) {
      return "spec.retrain.experiment: Experiment '" + name + "' does not exist in namespace " + ns
          + "; name the Experiment whose spec retrains model " + model;
    }
    if (!model.equals(template.getSpec().getModel())) {
      return "spec.retrain.experiment: Experiment '" + name + "' trains model '" + template.getSpec().getModel() + "', not '" + model + "'";
    }
    return null;
  }

  /** The API server's refusal of a retraining Experiment, as the policy reports it. */
  static String refusal(DriftPolicy policy, String serverMessage) {
    return "the retraining Experiment built from '" + policy.getSpec().getRetrain().getExperiment() + "' is invalid: " + serverMessage;
  }

  /** The number of the next retrain: after the highest recorded in status or found in the cluster. */
  static int next(DriftPolicyStatus previous, List<Experiment> existing) {
    int recorded = previous.getRetrainCount() == null ? 0 : previous.getRetrainCount();
    return Math.max(recorded, existing.stream().mapToInt(RetrainExperiment::index).max().orElse(0)) + 1;
  }

  /** Retrain {@code n} of the policy, from the (usable) template, retraining {@code mv} for {@code reason}. */
  static Experiment desired(DriftPolicy policy, Experiment template, ModelVersion mv, int n, String reason) {
    DriftPolicySpec.Retrain retrain = policy.getSpec().getRetrain();
    ExperimentSpec spec = JSON.convertValue(template.getSpec(), ExperimentSpec.class);
    if (retrain.getDatasetUri() != null) {
      spec.getDataset().setUri(retrain.getDatasetUri());
      if (!retrain.getDatasetUri().startsWith("s3://")) {
        spec.getDataset().setS3(null); // the template's S3 settings are for its S3 data only
      }
    }
    if (spec.getSearch() != null) {
      spec.getSearch().setWarmStart(warmStart(spec, mv));
    }
    Experiment exp = new Experiment();
    String name = name(policy.getMetadata().getName(), n);
    exp.getMetadata().setName(name);
    exp.getMetadata().setNamespace(policy.getMetadata().getNamespace());
    Map<String, String> labels = Labels.of("retraining", policy.getSpec().getModel(), name);
    labels.put(Labels.DRIFT_POLICY, policy.getMetadata().getName());
    labels.put(Labels.RETRAIN_INDEX, Integer.toString(n));
    exp.getMetadata().setLabels(labels);
    exp.getMetadata().setAnnotations(Map.of("modelops.dev/retrain-reason", reason.length() > 2000 ? reason.substring(0, 2000) : reason,
        Labels.RETRAIN_OF, mv.getMetadata().getName(), "modelops.dev/template", retrain.getExperiment()));
    exp.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(policy)));
    exp.setSpec(spec);
    return exp;
  }

  /**
   * The searched parameters of the version being retrained that the template still searches (and
   * whose values lie in its ranges): trial 0 of the retrain tries them first. The template's own
   * warm start when the version has none (one registered by hand).
   */
  static Map<String, String> warmStart(ExperimentSpec spec, ModelVersion mv) {
    Map<String, String> params = mv.getSpec().getSource() == null ? null : mv.getSpec().getSource().getParams();
    if (params == null || params.isEmpty() || spec.getSearch().getParameters() == null) {
      return spec.getSearch().getWarmStart();
    }
    Map<String, String> out = new java.util.TreeMap<>();
    for (ExperimentSpec.SearchParameter p : spec.getSearch().getParameters()) {
      String v = params.get(p.getName());
      if (v != null && fits(p, v)) {
        out.put(p.getName(), v);
      }
    }
    return out.isEmpty() ? spec.getSearch().getWarmStart() : out;
  }

  private static boolean fits(ExperimentSpec.SearchParameter p, String v) {
    if (p.getType() == ExperimentSpec.ParameterType.CATEGORICAL) {
      return p.getValues() != null && p.getValues().contains(v);
    }
    try {
      double x = Double.parseDouble(v);
      return (p.getMin() == null || x >= p.getMin()) && (p.getMax() == null || x <= p.getMax())
          && (p.getType() != ExperimentSpec.ParameterType.INT || x == Math.rint(x));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * {@code <policy>-retrain-<n>}, or, when that is longer than an Experiment's name may be
   * ({@link Experiment#MAX_NAME_LENGTH}), the policy's name cut short and made unique again with a
   * hash of it: {@code <policy prefix>-<hash>-retrain-<n>}.
   */
  static String name(String policy, int n) {
    String suffix = "-retrain-" + n;
    if (policy.length() + suffix.length() <= Experiment.MAX_NAME_LENGTH) {
      return policy + suffix;
    }
    String hash = Integer.toHexString(policy.hashCode() & 0xfffffff | 0x1000000).substring(1);
    String prefix = policy.substring(0, Experiment.MAX_NAME_LENGTH - suffix.length() - hash.length() - 1).replaceAll("[-.]+$", "");
    return prefix + "-" + hash + suffix;
  }

  static int index(Experiment e) {
    String label = e.getMetadata().getLabels() == null ? null : e.getMetadata().getLabels().get(Labels.RETRAIN_INDEX);
    try {
      return label == null ? 0 : Integer.parseInt(label);
    } catch (NumberFormatException x) {
      return 0;
    }
  }

  /** How many have not finished yet. */
  static int running(List<Experiment> retrains) {
    return (int) retrains.stream().filter(e -> !finished(e)).count();
  }

  /**
   * When the newest started, or null: the latest of their creation times and of the retrains
   * recorded in status (which already knows of one the informer has not delivered yet).
   */
  static Instant lastStarted(List<Experiment> retrains, DriftPolicyStatus previous) {
    Stream<String> created = retrains.stream().map(e -> e.getMetadata().getCreationTimestamp());
    Stream<String> recorded = previous.getRetrains() == null ? Stream.empty() : previous.getRetrains().stream().map(DriftPolicyStatus.RetrainRecord::getTime);
    return Stream.concat(created, recorded).filter(Objects::nonNull).map(Instant::parse).max(Comparator.naturalOrder()).orElse(null);
  }

  /** Whether the newest finished of them (by retrain number) failed. */
  static boolean lastFailed(List<Experiment> retrains) {
    return retrains.stream().filter(RetrainExperiment::finished).max(Comparator.comparingInt(RetrainExperiment::index))
        .map(e -> e.getStatus().getPhase() == ExperimentStatus.Phase.Failed).orElse(false);
  }

  private static boolean finished(Experiment e) {
    ExperimentStatus.Phase phase = e.getStatus() == null ? null : e.getStatus().getPhase();
    return phase == ExperimentStatus.Phase.Succeeded || phase == ExperimentStatus.Phase.Failed;
  }
}
