package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.operator.StatusRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import java.time.Clock;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.function.Function;

/**
 * Reconciles DriftPolicies: each reconcile is one evaluation ({@link DriftPolicyLifecycle}),
 * after which the policy is rescheduled for its next interval. A reconcile that comes early (a
 * restart, a watch event) only reschedules, so evaluation never runs in a loop. The policy's
 * metrics are removed when it is deleted.
 */
@ControllerConfiguration(name = "driftpolicy")
public class DriftPolicyReconciler implements Reconciler<DriftPolicy>, Cleaner<DriftPolicy> {
  private final Function<KubernetesClient, DriftPolicyLifecycle> lifecycles;
  private final PolicyMetrics metrics;
  private final Clock clock;
  private volatile DriftPolicyLifecycle lifecycle;

  public DriftPolicyReconciler(Function<KubernetesClient, DriftPolicyLifecycle> lifecycles, PolicyMetrics metrics, Clock clock) {
    this.lifecycles = lifecycles;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** A deleted policy's metrics go with it (the finalizer exists for this alone). */
  @Override
  public DeleteControl cleanup(DriftPolicy policy, Context<DriftPolicy> context) {
    metrics.remove(policy.getMetadata().getNamespace(), policy.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  @Override
  public UpdateControl<DriftPolicy> reconcile(DriftPolicy policy, Context<DriftPolicy> context) {
    if (lifecycle == null) {
      lifecycle = lifecycles.apply(context.getClient());
    }
    DriftPolicyLifecycle.Result result = lifecycle.reconcile(policy);
    if (result.status() == null) {
      return UpdateControl.<DriftPolicy>noUpdate().rescheduleAfter(result.next());
    }
    return UpdateControl.patchStatus(StatusRecorder.patch(policy, result.status())).rescheduleAfter(result.next());
  }

  @Override
  public ErrorStatusUpdateControl<DriftPolicy> updateErrorStatus(DriftPolicy policy, Context<DriftPolicy> context, Exception e) {
    return StatusRecorder.failed(policy, context, e, DriftPolicyStatus::new, clock);
  }
}
