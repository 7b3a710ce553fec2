package dev.modelops.operator.serving;

import dev.modelops.operator.Announcement;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.List;

/** What a decision about a ModelVersion asks the act step to do. */
public sealed interface ServingAction {
  /** Server-side apply of a desired object (the operator's field manager owns the fields it sets). */
  record Apply(HasMetadata desired) implements ServingAction {}

  /** Delete the version's Deployment and Service (None and Archived versions are not served). */
  record Unserve(String name) implements ServingAction {}

  /**
   * Release the version from the runs an earlier release made its owners: a patch of
   * {@code metadata.ownerReferences} only, from {@code before} (tested, so a concurrent change
   * is not overwritten) to {@code kept}.
   */
  record Release(List<OwnerReference> before, List<OwnerReference> kept) implements ServingAction {}

  /** Emit an Event. */
  record Announce(Announcement announcement) implements ServingAction {}
}
