package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.Announcement;
import java.util.Map;

/** What a decision about an Experiment asks the act step to do. */
public sealed interface ExperimentAction {
  /** Create the Job of a trial (create-only; one that exists already is left as it is). */
  record StartTrial(String name, int index, Map<String, String> params) implements ExperimentAction {}

  /** Delete the Job of a trial that is stuck (an image that cannot be pulled), so it stops holding a slot. */
  record StopTrial(String name) implements ExperimentAction {}

  /** Create the ModelVersion of the best trial, then announce it. */
  record Register(ModelVersion version, Announcement announcement) implements ExperimentAction {}

  /** Emit an Event. */
  record Announce(Announcement announcement) implements ExperimentAction {}
}
