package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.ModelVersion;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;

/**
 * What the cluster holds for one Experiment, read before deciding.
 *
 * @param jobs the trial Jobs, by name
 * @param pods the Pods of each trial Job, by Job name
 * @param missingVolume why a trial could not get its volumes (a claim that does not exist), or null
 * @param versions the ModelVersions of the Experiment's model
 */
public record ExperimentObservation(Map<String, Job> jobs, Map<String, List<Pod>> pods, String missingVolume, List<ModelVersion> versions) {
  /** The Pods of one Job. */
  public List<Pod> podsOf(String job) {
    return pods.getOrDefault(job, List.of());
  }
}
