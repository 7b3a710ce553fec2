package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.Labels;
import dev.modelops.operator.StatusRecorder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reconciles DriftPolicies in four steps, once per interval: observe ({@link PolicyObserver}:
 * informers and the policy's source), decide ({@link PolicyDecision}, pure), act
 * ({@link PolicyActions}) and record (status only, {@link StatusRecorder}). A reconcile that comes
 * before the evaluation is due (a restart, a watch event) only reschedules, so evaluation never
 * runs in a loop. A change of the model's versions wakes the policies of that model. The policy's
 * metrics are removed when it is deleted.
 */
@ControllerConfiguration(name = "driftpolicy")
public class DriftPolicyReconciler implements Reconciler<DriftPolicy>, Cleaner<DriftPolicy> {
  /** How soon a decision made from a stale copy (its status write refused) is made again. */
  static final Duration DECIDE_AGAIN = Duration.ofMillis(500);
  private final HttpClient http;
  private final PolicyMetrics metrics;
  private final PolicyActions actions;
  private final Clock clock;
  private final LinkLocalUrls urls;
  private PolicyObserver observer;

  /** A reconciler that never calls link-local or cloud metadata URLs. */
  public DriftPolicyReconciler(HttpClient http, Webhooks webhooks, PolicyMetrics metrics, Clock clock) {
    this(http, webhooks, metrics, clock, new LinkLocalUrls(false));
  }

  /** A reconciler that checks Prometheus and webhook URLs with {@code urls} before calling them. */
  public DriftPolicyReconciler(HttpClient http, Webhooks webhooks, PolicyMetrics metrics, Clock clock, LinkLocalUrls urls) {
    this.http = http;
    this.metrics = metrics;
    this.actions = new PolicyActions(metrics, webhooks);
    this.clock = clock;
    this.urls = urls;
  }

  /** A deleted policy's metrics go with it (the finalizer exists for this alone). */
  @Override
  public DeleteControl cleanup(DriftPolicy policy, Context<DriftPolicy> context) {
    metrics.remove(policy.getMetadata().getNamespace(), policy.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  @Override
  public UpdateControl<DriftPolicy> reconcile(DriftPolicy policy, Context<DriftPolicy> context) {
    Instant now = clock.instant();
    Optional<Duration> wait = PolicyDecision.wait(policy, now);
    if (wait.isPresent()) {
      return UpdateControl.<DriftPolicy>noUpdate().rescheduleAfter(wait.get());
    }
    PolicyObservation observed = observer.observe(policy, context.getClient());
    PolicyDecision.Outcome outcome = PolicyDecision.decide(policy, observed, now);
    String refused = actions.act(policy, outcome, observed.retrains(), context.getClient());
    if (refused != null) {
      outcome = PolicyDecision.decide(policy, observed.refused(refused), now);
      actions.act(policy, outcome, observed.retrains(), context.getClient());
    }
    // Recorded on condition that policy is what the decision saw, and cached at once: a wake-up
    // right after (the retrain just created) must see this status, its due time and its retrain
    // history, not the cache's older copy. Then announced: Events and webhook calls go out once.
    if (StatusRecorder.record(policy, outcome.status(), context).isEmpty()) {
      return UpdateControl.<DriftPolicy>noUpdate().rescheduleAfter(DECIDE_AGAIN);
    }
    actions.announce(policy, outcome, context.getClient(), now);
    return UpdateControl.<DriftPolicy>noUpdate().rescheduleAfter(outcome.next());
  }

  @Override
  public ErrorStatusUpdateControl<DriftPolicy> updateErrorStatus(DriftPolicy policy, Context<DriftPolicy> context, Exception e) {
    return StatusRecorder.failed(policy, context, e, DriftPolicyStatus::new, clock);
  }

  @Override
  public List<EventSource<?, DriftPolicy>> prepareEventSources(EventSourceContext<DriftPolicy> context) {
    context.getPrimaryCache().addIndexer(PolicyObserver.BY_MODEL,
        p -> List.of(PolicyObserver.key(p.getMetadata().getNamespace(), p.getSpec().getModel())));
    var versions = new InformerEventSource<>(InformerEventSourceConfiguration.from(ModelVersion.class, DriftPolicy.class)
        .withSecondaryToPrimaryMapper(v -> context.getPrimaryCache()
            .byIndex(PolicyObserver.BY_MODEL, PolicyObserver.key(v.getMetadata().getNamespace(), v.getSpec().getModel()))
            .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build(), context);
    versions.addIndexer(PolicyObserver.BY_MODEL, v -> List.of(PolicyObserver.key(v.getMetadata().getNamespace(), v.getSpec().getModel())));
    var retrains = new InformerEventSource<>(InformerEventSourceConfiguration.from(Experiment.class, DriftPolicy.class)
        .withLabelSelector(Labels.DRIFT_POLICY).build(), context);
    retrains.addIndexer(PolicyObserver.BY_POLICY,
        e -> List.of(PolicyObserver.key(e.getMetadata().getNamespace(), e.getMetadata().getLabels().get(Labels.DRIFT_POLICY))));
    ModelServerSource servers = new ModelServerSource(context.getClient(), http);
    observer = new PolicyObserver(versions, retrains, servers, new PrometheusSource(http, servers::reference), urls);
    return List.of(versions, retrains);
  }
}
