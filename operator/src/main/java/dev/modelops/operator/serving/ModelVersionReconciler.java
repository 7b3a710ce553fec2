package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.StatusRecorder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reconciles ModelVersions in four steps: observe (the model's versions from the primary cache's
 * index, their Deployments from the informer, its model-server Pods from an informer on the
 * model-server label, indexed by version), decide ({@link ServingDecision}, pure), act
 * (server-side apply of the desired objects, deletion of an unserved version's, release from
 * the owner references of earlier releases) and record
 * (status only, {@link StatusRecorder}). Production versions are looked at again regularly,
 * because another version's readiness decides whether they are superseded.
 */
@ControllerConfiguration(name = "modelversion")
public class ModelVersionReconciler implements Reconciler<ModelVersion> {
  static final Duration RECHECK = Duration.ofSeconds(20);
  /** How soon a decision made from a stale copy (its status write refused) is made again. */
  static final Duration DECIDE_AGAIN = Duration.ofMillis(200);
  static final String BY_MODEL = "model";
  static final String BY_VERSION = "version";
  static final String FIELD_MANAGER = "modelops-operator";
  private static final String OWNERS = "/metadata/ownerReferences";

  private final OperatorSettings settings;
  private final Clock clock;
  private InformerEventSource<Deployment, ModelVersion> deployments;
  private InformerEventSource<Pod, ModelVersion> pods;

  private final ServingMetrics metrics;
  private final ServerAnswers answers;
  /** The MLflow registry kept in step, when the operator is given one. */
  private final java.util.Optional<MlflowRegistry> registry;

  public ModelVersionReconciler(OperatorSettings settings, Clock clock, ServingMetrics metrics, ServerAnswers answers) {
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    this.answers = answers;
    this.registry = MlflowRegistry.of(settings.mlflowTrackingUri());
  }

  @Override
  public UpdateControl<ModelVersion> reconcile(ModelVersion mv, Context<ModelVersion> context) {
    Instant now = clock.instant();
    ServingDecision.Outcome outcome = ServingDecision.decide(mv, observe(mv, context, now), settings, now);
    // What changes the cluster now; what announces the decision (true) once its status is recorded.
    Map<Boolean, List<ServingAction>> split = outcome.actions().stream()
        .collect(java.util.stream.Collectors.partitioningBy(a -> a instanceof ServingAction.Announce));
    act(mv, split.get(false), context.getClient(), now, metrics);
    boolean retryTracking = registry.map(r -> r.sync(mv, outcome.status(), now)).orElse(false);
    // Recorded on condition that mv is what the decision saw; then announced (a promotion once).
    if (StatusRecorder.record(mv, outcome.status(), context).isEmpty()) {
      return UpdateControl.<ModelVersion>noUpdate().rescheduleAfter(DECIDE_AGAIN);
    }
    act(mv, split.get(true), context.getClient(), now, metrics);
    metrics.ready(mv, outcome.status());
    metrics.analysis(mv, outcome.status());
    metrics.retain(context.getPrimaryCache().list().map(v -> v.getMetadata().getNamespace() + "/" + v.getMetadata().getName())
        .collect(java.util.stream.Collectors.toSet()));
    UpdateControl<ModelVersion> control = UpdateControl.noUpdate();
    boolean production = mv.getSpec().getStage() == ModelVersionSpec.Stage.Production;
    if (outcome.settled() && !production && !retryTracking) {
      return control;
    }
    Duration recheck = outcome.recheck().filter(d -> d.compareTo(RECHECK) < 0).orElse(RECHECK);
    if (retryTracking && recheck.compareTo(MlflowRegistry.RETRY) > 0) {
      recheck = MlflowRegistry.RETRY;
    }
    return control.rescheduleAfter(recheck.plusMillis(100));
  }

  @Override
  public ErrorStatusUpdateControl<ModelVersion> updateErrorStatus(ModelVersion mv, Context<ModelVersion> context, Exception e) {
    return StatusRecorder.failed(mv, context, e, ModelVersionStatus::new, clock);
  }

  private ServingObservation observe(ModelVersion mv, Context<ModelVersion> context, Instant now) {
    String ns = mv.getMetadata().getNamespace();
    List<ModelVersion> versions = context.getPrimaryCache().byIndex(BY_MODEL, ns + "/" + mv.getSpec().getModel());
    Map<String, Deployment> byName = new HashMap<>();
    for (ModelVersion v : versions) {
      deployments.get(new ResourceID(v.getMetadata().getName(), ns)).ifPresent(d -> byName.put(v.getMetadata().getName(), d));
    }
    String name = mv.getMetadata().getName();
    List<Pod> own = pods.byIndex(BY_VERSION, ns + "/" + name);
    // In the first minutes after its promotion, what its servers answered decides a rollback.
    Map<String, ServingObservation.Answers> answered = ServingDecision.inRollbackWindow(mv, now)
        ? answers.of(own).map(a -> Map.of(name, a)).orElse(Map.of()) : Map.of();
    // A Shadow or Canary candidate under analysis reads what its baseline's servers measured.
    java.util.Optional<RolloutAnalysis.Baseline> baseline = java.util.Optional.empty();
    ModelVersionStatus.Analysis analysis = mv.getStatus() == null ? null : mv.getStatus().getAnalysis();
    if (RolloutAnalysis.needed(mv) && analysis != null && RolloutAnalysis.RUNNING.equals(analysis.getResult()) && analysis.getBaseline() != null) {
      baseline = java.util.Optional.of(answers.shadow(analysis.getBaseline(), pods.byIndex(BY_VERSION, ns + "/" + analysis.getBaseline())));
    }
    return new ServingObservation(versions, byName, Map.of(name, own), answered, baseline);
  }

  private static void act(ModelVersion mv, List<ServingAction> actions, KubernetesClient client, Instant now, ServingMetrics metrics) {
    String ns = mv.getMetadata().getNamespace();
    for (ServingAction action : actions) {
      if (action instanceof ServingAction.Apply a) {
        client.resource(a.desired()).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
      } else if (action instanceof ServingAction.Unserve u) {
        client.apps().deployments().inNamespace(ns).withName(u.name()).delete();
        client.services().inNamespace(ns).withName(u.name()).delete();
      } else if (action instanceof ServingAction.Release r) {
        release(mv, r, client);
      } else if (action instanceof ServingAction.Announce a) {
        // Counted first: whoever sees the Event sees the metric already.
        metrics.record(mv, a.announcement());
        a.announcement().emit(client, mv, now);
      }
    }
  }

  /**
   * A JSON patch of {@code metadata.ownerReferences} only (never the spec): tested against the
   * references the decision saw, so a concurrent change fails the reconcile, which is retried.
   */
  private static void release(ModelVersion mv, ServingAction.Release r, KubernetesClient client) {
    List<Map<String, Object>> ops = List.of(
        Map.of("op", "test", "path", OWNERS, "value", r.before()),
        r.kept().isEmpty() ? Map.of("op", "remove", "path", OWNERS) : Map.of("op", "replace", "path", OWNERS, "value", r.kept()));
    // On the object itself: by name, the client would read it first, which the operator has no right to.
    ModelVersion released = client.resource(mv).patch(PatchContext.of(PatchType.JSON), client.getKubernetesSerialization().asJson(ops));
    // The status written next is conditional on this version of the object.
    mv.getMetadata().setResourceVersion(released.getMetadata().getResourceVersion());
  }

  @Override
  public List<EventSource<?, ModelVersion>> prepareEventSources(EventSourceContext<ModelVersion> context) {
    context.getPrimaryCache().addIndexer(BY_MODEL, mv -> List.of(mv.getMetadata().getNamespace() + "/" + mv.getSpec().getModel()));
    deployments = new InformerEventSource<>(InformerEventSourceConfiguration.from(Deployment.class, ModelVersion.class).build(), context);
    // Model-server Pods carry the Deployment template's labels: selected by the component label,
    // mapped to their ModelVersion by the instance label (their owner is the ReplicaSet).
    pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, ModelVersion.class)
        .withLabelSelector(Labels.COMPONENT + "=" + ServingObjects.SERVER_COMPONENT)
        .withSecondaryToPrimaryMapper(p -> p.getMetadata().getLabels().containsKey(Labels.INSTANCE)
            ? Set.of(new ResourceID(p.getMetadata().getLabels().get(Labels.INSTANCE), p.getMetadata().getNamespace())) : Set.of())
        .build(), context);
    pods.addIndexer(BY_VERSION, p -> List.of(p.getMetadata().getNamespace() + "/" + p.getMetadata().getLabels().getOrDefault(Labels.INSTANCE, "")));
    return List.of(deployments, pods);
  }
}
