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
 */
public record ServingObservation(List<ModelVersion> versions, Map<String, Deployment> deployments, Map<String, List<Pod>> pods) {
  /** Without Pods (no failure seen in them). */
  public ServingObservation(List<ModelVersion> versions, Map<String, Deployment> deployments) {
    this(versions, deployments, Map.of());
  }

  /** How many replicas of a version's Deployment are ready. */
  public int readyReplicas(String version) {
    Deployment d = deployments.get(version);
    return d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
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
