package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.OperatorSettings;
import dev.modelops.operator.StatusRecorder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Reconciles Experiments in four steps: observe ({@link ExperimentObserver}: trial Jobs and the
 * model's ModelVersions from informers), decide ({@link ExperimentDecision}, pure), act
 * ({@link ExperimentActions}) and record (status only, {@link StatusRecorder}). Everything is
 * derived from the spec and the cluster, so an operator killed at any point and restarted
 * neither duplicates nor loses a trial.
 */
@ControllerConfiguration(name = "experiment")
public class ExperimentReconciler implements Reconciler<Experiment> {
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
    actions.run(exp, outcome.actions(), context.getClient(), now);
    UpdateControl<Experiment> control = UpdateControl.patchStatus(StatusRecorder.patch(exp, outcome.status()));
    return outcome.finished() ? control : control.rescheduleAfter(outcome.recheck());
  }

  @Override
  public ErrorStatusUpdateControl<Experiment> updateErrorStatus(Experiment exp, Context<Experiment> context, Exception e) {
    return StatusRecorder.failed(exp, context, e, ExperimentStatus::new, clock);
  }

  @Override
  public List<EventSource<?, Experiment>> prepareEventSources(EventSourceContext<Experiment> context) {
    var versions = new InformerEventSource<>(InformerEventSourceConfiguration.from(ModelVersion.class, Experiment.class).build(), context);
    versions.addIndexer(ExperimentObserver.BY_MODEL,
        v -> List.of(ExperimentObserver.modelKey(v.getMetadata().getNamespace(), v.getSpec().getModel())));
    observer = new ExperimentObserver(settings, versions);
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, Experiment.class).build(), context), versions);
  }
}
