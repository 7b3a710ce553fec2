package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.Condition;
import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.Labels;
import dev.modelops.tracking.MlflowClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps an MLflow model registry in step with the ModelVersions, when the operator is given a
 * tracking server: each version is a version of the registered model {@code <namespace>.<model>}
 * (source: its bundle URI; linked to the run of the trial that made it, found by the trial's tag;
 * tags for the ModelVersion, namespace and stage), and the alias {@code production} points at the
 * version that receives the production traffic (so it moves with a promotion and back with a
 * rollback). The outcome is the ModelVersion's {@code Tracked} condition: True with the MLflow
 * version, or False saying why; MLflow never holds up serving, and a failed sync is tried again.
 */
public final class MlflowRegistry {
  /** The condition type. */
  public static final String TRACKED = "Tracked";
  /** The alias of the version with the production traffic. */
  public static final String PRODUCTION_ALIAS = "production";
  static final String MODEL_VERSION_TAG = "modelops.dev/modelversion";
  static final String STAGE_TAG = "modelops.dev/stage";
  /** How soon a version whose sync failed is tried again. */
  public static final Duration RETRY = Duration.ofSeconds(10);

  private final MlflowClient mlflow;

  private MlflowRegistry(MlflowClient mlflow) {
    this.mlflow = mlflow;
  }

  /** A registry on {@code trackingUri}, or none when it is empty. Two attempts per call, 2 s to connect. */
  public static Optional<MlflowRegistry> of(String trackingUri) {
    if (trackingUri == null || trackingUri.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new MlflowRegistry(new MlflowClient(URI.create(trackingUri),
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), 2, Duration.ofMillis(300))));
  }

  /** The registered model's name in MLflow. */
  public static String registeredModel(ModelVersion mv) {
    return mv.getMetadata().getNamespace() + "." + mv.getSpec().getModel();
  }

  /**
   * Brings MLflow in step with {@code mv} and its new {@code status} (unless the previous status
   * says it is already), and sets the Tracked condition on {@code status}. Returns whether the sync
   * failed (to be tried again).
   */
  public boolean sync(ModelVersion mv, ModelVersionStatus status, java.time.Instant now) {
    boolean routed = Boolean.TRUE.equals(status.getReceivesProductionTraffic());
    String state = "stage " + mv.getSpec().getStage() + (routed ? ", alias " + PRODUCTION_ALIAS : "");
    Condition before = Conditions.find(status.getConditions(), TRACKED);
    Long generation = mv.getMetadata().getGeneration();
    if (before != null && "True".equals(before.getStatus()) && before.getMessage() != null && before.getMessage().endsWith(state)
        && java.util.Objects.equals(before.getObservedGeneration(), generation)) {
      return false;
    }
    String name = registeredModel(mv);
    try {
      MlflowClient.ModelVersion registered = version(mv, name);
      String version = registered.version();
      if (!mv.getSpec().getStage().name().equals(registered.tags().get(STAGE_TAG))) {
        mlflow.setVersionTag(name, version, STAGE_TAG, mv.getSpec().getStage().name());
      }
      if (routed && !mlflow.alias(name, PRODUCTION_ALIAS).equals(Optional.of(version))) {
        mlflow.setAlias(name, PRODUCTION_ALIAS, version);
      }
      status.setConditions(Conditions.set(status.getConditions(), TRACKED, true, "Registered",
          "MLflow registered model " + name + " version " + version + ", " + state, generation, now));
      return false;
    } catch (MlflowClient.MlflowException e) {
      status.setConditions(Conditions.set(status.getConditions(), TRACKED, false,
          e.status() == 0 ? "MlflowUnavailable" : "MlflowRefused", e.getMessage() + "; serving is not affected, tried again", generation, now));
      return true;
    }
  }

  /** The MLflow version of {@code mv} (found by its tag) with its tags, registered if missing. */
  private MlflowClient.ModelVersion version(ModelVersion mv, String name) throws MlflowClient.MlflowException {
    mlflow.ensureRegisteredModel(name, "model " + mv.getSpec().getModel() + " of namespace " + mv.getMetadata().getNamespace()
        + ", kept in step by modelops");
    String self = mv.getMetadata().getName();
    List<MlflowClient.ModelVersion> versions = mlflow.versions(name);
    for (MlflowClient.ModelVersion v : versions) {
      if (self.equals(v.tags().get(MODEL_VERSION_TAG))) {
        return v;
      }
    }
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(MlflowClient.SOURCE_TAG, "modelops-operator");
    tags.put(MODEL_VERSION_TAG, self);
    tags.put("modelops.dev/namespace", mv.getMetadata().getNamespace());
    tags.put(STAGE_TAG, mv.getSpec().getStage().name());
    String created = mlflow.createVersion(name, mv.getSpec().getArtifact().getUri(), run(mv), tags,
        "ModelVersion " + self + " (version " + mv.getSpec().getVersion() + ")");
    return new MlflowClient.ModelVersion(created, tags, List.of());
  }

  /** The run of the trial that made {@code mv}, when an Experiment registered it and that trial was logged. */
  private Optional<String> run(ModelVersion mv) throws MlflowClient.MlflowException {
    Map<String, String> labels = mv.getMetadata().getLabels() == null ? Map.of() : mv.getMetadata().getLabels();
    String experiment = labels.get(Labels.EXPERIMENT);
    String trial = labels.get(Labels.TRIAL);
    if (experiment == null || trial == null) {
      return Optional.empty();
    }
    Optional<String> experimentId = mlflow.findExperiment(mv.getMetadata().getNamespace() + "/" + experiment);
    return experimentId.isEmpty() ? Optional.empty() : mlflow.runsTagged(experimentId.get(), "modelops.dev/trial", trial).stream().findFirst();
  }
}
