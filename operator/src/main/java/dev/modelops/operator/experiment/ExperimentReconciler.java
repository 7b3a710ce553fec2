package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.StatusRecorder;
import dev.modelops.operator.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Reconciles Experiments in four steps: observe ({@link ExperimentObserver}: trial Jobs, their
 * Pods and the model's ModelVersions from informers), decide ({@link ExperimentDecision}, pure), act
 * ({@link ExperimentActions}) and record (status only, {@link StatusRecorder}). Everything is
 * derived from the spec and the cluster, so an operator killed at any point and restarted
 * neither duplicates nor loses a trial.
 */
@ControllerConfiguration(name = "experiment")
public class ExperimentReconciler implements Reconciler<Experiment> {
  /** The label the Job controller puts on a Job's Pods. */
  static final String JOB_NAME = "job-name";
  /**
   * How soon an Experiment decides again when its decision may not be recorded: made from a stale
   * copy, or the version name it registers was just taken by another Experiment of the model.
   */
  static final java.time.Duration DECIDE_AGAIN = java.time.Duration.ofMillis(500);
  private final OperatorSettings settings;
  private final Clock clock;
  private final ExperimentActions actions;
  private ExperimentObserver observer;

  public ExperimentReconciler(OperatorSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.actions = new ExperimentActions(settings);
  }

  @Override
  public UpdateControl<Experiment> reconcile(Experiment exp, Context<Experiment> context) {
    ExperimentObservation observed = observer.observe(exp, context);
    Instant now = clock.instant();
    ExperimentDecision.Outcome outcome = ExperimentDecision.decide(exp, observed, now);
    // What changes the cluster now; what announces the decision (true) once its status is recorded.
    java.util.Map<Boolean, List<ExperimentAction>> split = outcome.actions().stream()
        .collect(java.util.stream.Collectors.partitioningBy(a -> a instanceof ExperimentAction.Announce));
    if (!actions.run(exp, split.get(false), context.getClient(), now)) {
      return UpdateControl.<Experiment>noUpdate().rescheduleAfter(DECIDE_AGAIN);
    }
    // Recorded on condition that exp is what the decision saw (a Job or Pod event right after must
    // see this status, not the informer's older copy); then announced.
    if (StatusRecorder.record(exp, outcome.status(), context).isEmpty()) {
      return UpdateControl.<Experiment>noUpdate().rescheduleAfter(DECIDE_AGAIN);
    }
    actions.run(exp, split.get(true), context.getClient(), now);
    UpdateControl<Experiment> control = UpdateControl.noUpdate();
    return outcome.finished() ? control : control.rescheduleAfter(outcome.recheck());
  }

  @Override
  public ErrorStatusUpdateControl<Experiment> updateErrorStatus(Experiment exp, Context<Experiment> context, Exception e) {
    return StatusRecorder.failed(exp, context, e, ExperimentStatus::new, clock);
  }

  @Override
  public List<EventSource<?, Experiment>> prepareEventSources(EventSourceContext<Experiment> context) {
    // The model's versions are read when registering; a version is not the Experiment's (it has
    // no owner reference and outlives it), so its changes wake no Experiment.
    var versions = new InformerEventSource<>(InformerEventSourceConfiguration.from(ModelVersion.class, Experiment.class)
        .withSecondaryToPrimaryMapper(v -> Set.<ResourceID>of()).build(), context);
    versions.addIndexer(ExperimentObserver.BY_MODEL,
        v -> List.of(ExperimentObserver.key(v.getMetadata().getNamespace(), v.getSpec().getModel())));
    // Trial Pods carry the Job template's labels: selected by the trial label, mapped to their
    // Experiment by its label (their owner is the Job), indexed by the Job the Job controller names.
    var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, Experiment.class).withLabelSelector(Labels.TRIAL)
        .withSecondaryToPrimaryMapper(p -> p.getMetadata().getLabels().containsKey(Labels.EXPERIMENT)
            ? Set.of(new ResourceID(p.getMetadata().getLabels().get(Labels.EXPERIMENT), p.getMetadata().getNamespace())) : Set.of())
        .build(), context);
    pods.addIndexer(ExperimentObserver.BY_JOB,
        p -> List.of(ExperimentObserver.key(p.getMetadata().getNamespace(), p.getMetadata().getLabels().getOrDefault(JOB_NAME, ""))));
    observer = new ExperimentObserver(settings, versions, pods);
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, Experiment.class).build(), context), versions, pods);
  }
}
