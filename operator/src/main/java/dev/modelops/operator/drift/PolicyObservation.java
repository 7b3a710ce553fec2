package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import java.util.List;

/**
 * What the cluster and the policy's source showed, read before deciding.
 *
 * @param watched the model's version to watch (see {@link PolicyObserver#production}), or null when there is none
 * @param measurement the merged measurement of the watched version, or null when it could not be made
 * @param sourceProblem why the measurement could not be made, or null
 * @param retrains the retraining Experiments this policy started
 * @param template the Experiment named by spec.retrain.experiment, or null (none named, or it does not exist)
 * @param retrainRefused the API server's refusal of the retraining Experiment built last time round, or null
 * @param webhookRefused why the operator will not call spec.alert.webhook ({@link LinkLocalUrls}), or null
 */
public record PolicyObservation(ModelVersion watched, Observation measurement, String sourceProblem, List<Experiment> retrains,
    Experiment template, String retrainRefused, String webhookRefused) {

  /** An observation whose webhook may be called. */
  public PolicyObservation(ModelVersion watched, Observation measurement, String sourceProblem, List<Experiment> retrains,
      Experiment template, String retrainRefused) {
    this(watched, measurement, sourceProblem, retrains, template, retrainRefused, null);
  }

  /** The same observation, knowing that the API server refused the retraining Experiment. */
  public PolicyObservation refused(String why) {
    return new PolicyObservation(watched, measurement, sourceProblem, retrains, template, why, webhookRefused);
  }
}
