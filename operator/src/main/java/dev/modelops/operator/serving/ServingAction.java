package dev.modelops.operator.serving;

import dev.modelops.operator.Announcement;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** What a decision about a ModelVersion asks the act step to do. */
public sealed interface ServingAction {
  /** Server-side apply of a desired object (the operator's field manager owns the fields it sets). */
  record Apply(HasMetadata desired) implements ServingAction {}

  /** Delete the version's Deployment and Service (None and Archived versions are not served). */
  record Unserve(String name) implements ServingAction {}

  /** Emit an Event. */
  record Announce(Announcement announcement) implements ServingAction {}
}
