package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.util.List;

/**
 * Reconciles ModelVersions: the steps live in {@link ModelVersionLifecycle}; this class watches
 * the Deployments it owns and writes status only. Production versions are looked at again
 * regularly, because another version's readiness decides whether they are superseded.
 */
@ControllerConfiguration(name = "modelversion")
public class ModelVersionReconciler implements Reconciler<ModelVersion> {
  static final Duration RECHECK = Duration.ofSeconds(20);

  static final String BY_MODEL = "model";

  private final OperatorSettings settings;
  private InformerEventSource<Deployment, ModelVersion> deployments;

  public ModelVersionReconciler(OperatorSettings settings) {
    this.settings = settings;
  }

  @Override
  public UpdateControl<ModelVersion> reconcile(ModelVersion mv, Context<ModelVersion> context) {
    ModelVersionLifecycle.Lookup cached = new ModelVersionLifecycle.Lookup() {
      @Override
      public List<ModelVersion> versionsOf(String namespace, String model) {
        return context.getPrimaryCache().byIndex(BY_MODEL, namespace + "/" + model);
      }

      @Override
      public Deployment deployment(String namespace, String name) {
        return deployments.get(new ResourceID(name, namespace)).orElse(null);
      }
    };
    ModelVersionLifecycle.Result result = new ModelVersionLifecycle(context.getClient(), settings, ModelVersionLifecycle.Applier.serverSide(), cached)
        .reconcile(mv);
    ModelVersion patch = new ModelVersion();
    patch.setMetadata(new ObjectMetaBuilder().withName(mv.getMetadata().getName()).withNamespace(mv.getMetadata().getNamespace()).build());
    patch.setStatus(result.status());
    UpdateControl<ModelVersion> control = UpdateControl.patchStatus(patch);
    boolean production = mv.getSpec().getStage() == dev.modelops.api.v1alpha1.ModelVersionSpec.Stage.Production;
    return result.settled() && !production ? control : control.rescheduleAfter(RECHECK);
  }

  @Override
  public List<EventSource<?, ModelVersion>> prepareEventSources(EventSourceContext<ModelVersion> context) {
    context.getPrimaryCache().addIndexer(BY_MODEL, mv -> List.of(mv.getMetadata().getNamespace() + "/" + mv.getSpec().getModel()));
    deployments = new InformerEventSource<>(InformerEventSourceConfiguration.from(Deployment.class, ModelVersion.class).build(), context);
    return List.of(deployments);
  }
}
