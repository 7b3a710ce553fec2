package dev.modelops.operator;

import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.ResourceStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The record step of every reconciler: status is written by server-side apply of a fresh object
 * holding only name, namespace and status; a reconcile that threw becomes {@code Ready=False}
 * with reason {@code ReconcileError} and a Warning Event, never a silently stale status.
 */
public final class StatusRecorder {
  /** The reason of the Ready condition after a reconcile failed. */
  public static final String RECONCILE_ERROR = "ReconcileError";

  private StatusRecorder() {}

  /** The object to patch: the primary's name and namespace, and the new status. */
  public static <S extends ResourceStatus, P extends CustomResource<?, S>> P patch(P primary, S status) {
    P patch = fresh(primary);
    patch.setMetadata(new ObjectMetaBuilder().withName(primary.getMetadata().getName())
        .withNamespace(primary.getMetadata().getNamespace()).build());
    patch.setStatus(status);
    return patch;
  }

  /**
   * The status after a failed reconcile: the previous status with Ready=False naming the error;
   * an Event the first time this message appears. JOSDK retries as configured.
   */
  public static <S extends ResourceStatus, P extends CustomResource<?, S>> ErrorStatusUpdateControl<P> failed(
      P primary, Context<P> context, Exception e, Supplier<S> empty, Clock clock) {
    S status = primary.getStatus() != null ? primary.getStatus() : empty.get();
    String message = "reconcile failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    var before = Conditions.find(status.getConditions(), Conditions.READY);
    if (before == null || !RECONCILE_ERROR.equals(before.getReason()) || !message.equals(before.getMessage())) {
      Announcement.warning(RECONCILE_ERROR, message).emit(context.getClient(), primary, clock.instant());
    }
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, false, RECONCILE_ERROR, message,
        primary.getMetadata().getGeneration(), clock.instant()));
    return ErrorStatusUpdateControl.patchStatus(patch(primary, status));
  }

  @SuppressWarnings("unchecked")
  private static <P> P fresh(P primary) {
    try {
      return (P) primary.getClass().getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("a custom resource class needs a public no-argument constructor", e);
    }
  }
}
