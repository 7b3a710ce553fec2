package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.util.List;

/**
 * Reconciles Experiments: the steps live in {@link ExperimentLifecycle}; this class wires them
 * to JOSDK, watches the trial Jobs it owns, and writes status only (server-side apply of a fresh
 * object holding name, namespace and status).
 */
@ControllerConfiguration(name = "experiment")
public class ExperimentReconciler implements Reconciler<Experiment> {
  /** While trials run, look again at least this often (Job events usually come first). */
  static final Duration RUNNING_RECHECK = Duration.ofSeconds(15);

  private final OperatorSettings settings;

  public ExperimentReconciler(OperatorSettings settings) {
    this.settings = settings;
  }

  @Override
  public UpdateControl<Experiment> reconcile(Experiment exp, Context<Experiment> context) {
    ExperimentLifecycle.Result result = new ExperimentLifecycle(context.getClient(), settings).reconcile(exp);
    Experiment patch = new Experiment();
    patch.setMetadata(new ObjectMetaBuilder().withName(exp.getMetadata().getName()).withNamespace(exp.getMetadata().getNamespace()).build());
    patch.setStatus(result.status());
    UpdateControl<Experiment> control = UpdateControl.patchStatus(patch);
    return result.finished() ? control : control.rescheduleAfter(result.retryAfter() != null ? result.retryAfter() : RUNNING_RECHECK);
  }

  @Override
  public List<EventSource<?, Experiment>> prepareEventSources(EventSourceContext<Experiment> context) {
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, Experiment.class).build(), context));
  }
}
