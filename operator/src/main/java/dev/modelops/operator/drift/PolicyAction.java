package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.operator.Announcement;

/** What a decision about a DriftPolicy asks the act step to do. */
public sealed interface PolicyAction {
  /** Create the retraining Experiment (create-once: its name is fixed by its number); always the first action. */
  record StartRetrain(Experiment experiment) implements PolicyAction {}

  /** Emit an Event about the policy. */
  record Announce(Announcement announcement) implements PolicyAction {}

  /** Post a JSON body to the policy's webhook (in the background, with retries). */
  record Notify(String url, String json) implements PolicyAction {}
}
