package dev.modelops.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** The owner references of the objects the operator makes, so that deleting a parent removes its working objects. */
public final class OwnerReferences {
  private OwnerReferences() {}

  /** The parent that controls an object (one per object); it also blocks foreground deletion of the parent. */
  public static OwnerReference controller(HasMetadata owner) {
    return of(owner, true);
  }

  /** One of several owners of a shared object; the object goes with the last of them. */
  public static OwnerReference shared(HasMetadata owner) {
    return of(owner, false);
  }

  private static OwnerReference of(HasMetadata owner, boolean controller) {
    return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
        .withController(controller).withBlockOwnerDeletion(controller).build();
  }
}
