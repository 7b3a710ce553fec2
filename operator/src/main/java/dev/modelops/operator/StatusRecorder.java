package dev.modelops.operator;

import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.ResourceStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The record step of every reconciler: status is written by server-side apply of a fresh object
 * holding only name, namespace, the resourceVersion it was decided from, and status
 * ({@link #record}); what a decision announces (Events, webhooks) goes out only once its status is
 * recorded, so a decision made from a stale copy announces nothing twice; a reconcile that threw becomes {@code Ready=False}
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
   * The record step: writes {@code status} by server-side apply through the status subresource,
   * on condition that the object is still the version the decision was made from (its
   * resourceVersion), and puts the result in the controller's cache, so the next reconcile sees it
   * even before the informer does. Empty when the object changed since (409): the decision was made
   * from a stale copy, and nothing of it may be recorded or announced; the next reconcile decides
   * again from the newer one.
   */
  public static <S extends ResourceStatus, P extends CustomResource<?, S>> Optional<P> record(P primary, S status, Context<P> context) {
    Optional<P> updated = writeIfUnchanged(context.getClient(), context.getControllerConfiguration().fieldManager(), primary, status);
    updated.ifPresent(u -> context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(primary), u, primary));
    return updated;
  }

  /**
   * Writes {@code status} if the object is still at {@code primary}'s resourceVersion: the updated
   * object, or empty when it changed since (the API server refused the write with 409).
   */
  public static <S extends ResourceStatus, P extends CustomResource<?, S>> Optional<P> writeIfUnchanged(
      KubernetesClient client, String fieldManager, P primary, S status) {
    P patch = patch(primary, status);
    patch.getMetadata().setResourceVersion(primary.getMetadata().getResourceVersion());
    try {
      return Optional.of(write(client, fieldManager, patch));
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The status write itself: server-side apply of {@code patch} (name, namespace, resourceVersion if set, status) as {@code fieldManager}. */
  public static <P extends HasMetadata> P write(KubernetesClient client, String fieldManager, P patch) {
    return client.resource(patch).subresource("status").patch(new PatchContext.Builder()
        .withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(fieldManager).withForce(true).build());
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
