package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;

/**
 * What the cluster holds for a ModelVersion, read before deciding.
 *
 * @param versions every ModelVersion of the same model in the namespace (itself included)
 * @param deployments the Deployments of those versions, by name
 * @param pods the model-server Pods of the version decided about (its name's), by version name
 * @param answers what the ready Pods of the version decided about answered their clients, summed
 *     (read only in the first minutes after its promotion), by version name
 * @param baseline what the servers of the Production version a Shadow or Canary candidate is
 *     compared with say of the step they run (read only for such a candidate, while it is analysed)
 */
public record ServingObservation(List<ModelVersion> versions, Map<String, Deployment> deployments, Map<String, List<Pod>> pods,
    Map<String, Answers> answers, java.util.Optional<RolloutAnalysis.Baseline> baseline) {
  /** Answers given to clients since the servers started ({@code GET /v1/stats}), and how many were server errors. */
  public record Answers(long requests, long serverErrors) {}

  public ServingObservation(List<ModelVersion> versions, Map<String, Deployment> deployments, Map<String, List<Pod>> pods,
      Map<String, Answers> answers) {
    this(versions, deployments, pods, answers, java.util.Optional.empty());
  }

  public ServingObservation(List<ModelVersion> versions, Map<String, Deployment> deployments, Map<String, List<Pod>> pods) {
    this(versions, deployments, pods, Map.of());
  }

  /** Without Pods (no failure seen in them). */
  public ServingObservation(List<ModelVersion> versions, Map<String, Deployment> deployments) {
    this(versions, deployments, Map.of());
  }

  /** How many replicas of a version's Deployment are ready. */
  public int readyReplicas(String version) {
    Deployment d = deployments.get(version);
    return d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
  }

  /**
   * Whether every wanted replica of a version's Deployment runs the current template and is
   * ready: the rollout is complete (what a promotion waits for before it moves traffic).
   */
  public boolean fullyAvailable(String version, int wanted) {
    Deployment d = deployments.get(version);
    if (d == null || d.getStatus() == null || wanted < 1) {
      return false;
    }
    var s = d.getStatus();
    Long generation = d.getMetadata() == null ? null : d.getMetadata().getGeneration();
    boolean current = generation == null || (s.getObservedGeneration() != null && s.getObservedGeneration() >= generation);
    return current && count(s.getUpdatedReplicas()) >= wanted && count(s.getReadyReplicas()) >= wanted
        && count(s.getAvailableReplicas()) >= wanted;
  }

  private static int count(Integer n) {
    return n == null ? 0 : n;
  }

  /** How many replicas a version's Deployment has. */
  public int replicas(String version) {
    Deployment d = deployments.get(version);
    return d == null || d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas();
  }

  /** The Pods of a version's model server. */
  public List<Pod> podsOf(String version) {
    return pods.getOrDefault(version, List.of());
  }
}
