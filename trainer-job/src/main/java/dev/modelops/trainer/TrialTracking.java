package dev.modelops.trainer;

import dev.modelops.tracking.MlflowClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Logs a trial as an MLflow run when MLFLOW_TRACKING_URI is set (the operator sets it, with
 * MLFLOW_EXPERIMENT_NAME {@code <namespace>/<experiment>} and MODELOPS_TRIAL, when it is given an
 * MLflow server): its parameters, metrics, tags for the experiment, trial, bundle URI and data
 * checksum, the bundle's manifest as an artifact, and FINISHED or FAILED. MLflow never decides a
 * trial: when it cannot be reached (after retries), the trial's result says so and nothing else
 * changes.
 */
final class TrialTracking {
  /** What was logged: the run's id, or why nothing was. */
  record Logged(Optional<String> runId, Optional<String> problem) {
    static Logged off() {
      return new Logged(Optional.empty(), Optional.empty());
    }
  }

  private final Map<String, String> env;

  TrialTracking(Map<String, String> env) {
    this.env = env;
  }

  boolean enabled() {
    return !env.getOrDefault("MLFLOW_TRACKING_URI", "").isBlank();
  }

  /** A trial that produced a bundle. */
  Logged succeeded(Trial.Outcome o, long startMillis) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("modelops.dev/bundle-uri", o.bundleUri());
    tags.put("modelops.dev/data-sha256", o.dataSha256());
    return log(o.params(), o.metrics(), tags, o.manifest(), true, startMillis);
  }

  /** A trial that failed: its reason, and the parameters it was given. */
  Logged failed(Map<String, String> params, String reason, String message, long startMillis) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("modelops.dev/failure-reason", reason);
    tags.put("modelops.dev/failure-message", message.length() > 4000 ? message.substring(0, 4000) : message);
    return log(params, Map.of(), tags, null, false, startMillis);
  }

  private Logged log(Map<String, String> params, Map<String, Double> metrics, Map<String, String> extraTags, byte[] manifest,
      boolean ok, long startMillis) {
    if (!enabled()) {
      return Logged.off();
    }
    MlflowClient mlflow = MlflowClient.of(env.get("MLFLOW_TRACKING_URI").trim());
    String experiment = env.getOrDefault("MLFLOW_EXPERIMENT_NAME", "modelops");
    String trial = env.getOrDefault("MODELOPS_TRIAL", "trial");
    try {
      String experimentId = mlflow.experimentId(experiment);
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put(MlflowClient.SOURCE_TAG, "modelops-trainer");
      tags.put("modelops.dev/experiment", experiment);
      tags.put("modelops.dev/trial", trial);
      MlflowClient.Run run = mlflow.createRun(experimentId, trial, startMillis, tags);
      long now = System.currentTimeMillis();
      mlflow.logBatch(run.id(), params, metrics, extraTags, now);
      if (manifest != null && !mlflow.logArtifact(run, "manifest.json", manifest)) {
        mlflow.logBatch(run.id(), Map.of(), Map.of(), Map.of("modelops.dev/manifest",
            "not uploaded: the run's artifacts go to " + run.artifactUri() + ", not through the tracking server"), now);
      }
      mlflow.endRun(run.id(), ok, now);
      return new Logged(Optional.of(run.id()), Optional.empty());
    } catch (MlflowClient.MlflowException e) {
      return new Logged(Optional.empty(), Optional.of("not logged to MLflow: " + e.getMessage()));
    }
  }
}
