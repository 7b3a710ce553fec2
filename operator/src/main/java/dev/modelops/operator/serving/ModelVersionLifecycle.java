package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.Events;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One reconcile of a ModelVersion: serve it while its stage is Staging or Production (a
 * Deployment and a Service of its own), route the model's stable Service to the right Production
 * version, scale superseded versions to zero, and remove the serving objects of None and
 * Archived versions. Writes status only; never another object's spec.
 */
public final class ModelVersionLifecycle {
  private final KubernetesClient client;
  private final OperatorSettings settings;

  private final Applier applier;
  private final Lookup lookup;

  public ModelVersionLifecycle(KubernetesClient client, OperatorSettings settings) {
    this(client, settings, Applier.serverSide());
  }

  public ModelVersionLifecycle(KubernetesClient client, OperatorSettings settings, Applier applier) {
    this(client, settings, applier, Lookup.api(client));
  }

  public ModelVersionLifecycle(KubernetesClient client, OperatorSettings settings, Applier applier, Lookup lookup) {
    this.client = client;
    this.settings = settings;
    this.applier = applier;
    this.lookup = lookup;
  }

  /**
   * Where the lifecycle reads the versions of a model and their Deployments: the API server
   * (tests), or the operator's informer caches (the reconciler), so that a reconcile costs the
   * same however many ModelVersions the namespace holds.
   */
  public interface Lookup {
    /** Every ModelVersion of a model in a namespace. */
    List<ModelVersion> versionsOf(String namespace, String model);

    /** A Deployment, or null. */
    Deployment deployment(String namespace, String name);

    /** Reads straight from the API server. */
    static Lookup api(KubernetesClient client) {
      return new Lookup() {
        @Override
        public List<ModelVersion> versionsOf(String namespace, String model) {
          return client.resources(ModelVersion.class).inNamespace(namespace).list().getItems().stream()
              .filter(v -> model.equals(v.getSpec().getModel())).toList();
        }

        @Override
        public Deployment deployment(String namespace, String name) {
          return client.apps().deployments().inNamespace(namespace).withName(name).get();
        }
      };
    }
  }

  /** The status to write, and whether to look again soon (rollout or promotion under way). */
  public record Result(ModelVersionStatus status, boolean settled) {}

  public Result reconcile(ModelVersion mv) {
    String ns = mv.getMetadata().getNamespace();
    ModelVersionSpec spec = mv.getSpec();
    ModelVersionSpec.Stage stage = spec.getStage() == null ? ModelVersionSpec.Stage.None : spec.getStage();
    ModelVersionStatus previous = mv.getStatus() == null ? new ModelVersionStatus() : mv.getStatus();
    ModelVersionStatus status = new ModelVersionStatus();
    status.setConditions(previous.getConditions());
    status.setObservedGeneration(mv.getMetadata().getGeneration());
    status.setPromotedAt(previous.getPromotedAt());
    status.setSelector(ServingObjects.selector(spec.getModel(), spec.getVersion()).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
    Instant now = Instant.now();

    if (stage == ModelVersionSpec.Stage.None || stage == ModelVersionSpec.Stage.Archived) {
      client.apps().deployments().inNamespace(ns).withName(mv.getMetadata().getName()).delete();
      client.services().inNamespace(ns).withName(mv.getMetadata().getName()).delete();
      status.setPhase(stage == ModelVersionSpec.Stage.None ? ModelVersionStatus.Phase.Registered : ModelVersionStatus.Phase.Archived);
      status.setReplicas(0);
      status.setReadyReplicas(0);
      status.setReceivesProductionTraffic(false);
      status.setMessage(stage == ModelVersionSpec.Stage.None ? "registered; set stage to Staging or Production to serve it" : "archived: not served, kept as the registry record");
      status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, true, status.getPhase().name(), status.getMessage(), mv.getMetadata().getGeneration(), now));
      routeModel(mv);
      return new Result(status, true);
    }

    List<ModelVersion> siblings = lookup.versionsOf(ns, spec.getModel());
    ProductionRouting.Decision decision = decide(siblings);
    ProductionRouting.Version me = view(mv);
    boolean superseded = decision.superseded(me);
    int desired = superseded ? 0 : spec.getServing() == null || spec.getServing().getReplicas() == null ? 1 : spec.getServing().getReplicas();
    apply(ServingObjects.deployment(mv, desired, settings));
    apply(ServingObjects.versionService(mv));
    Deployment d = lookup.deployment(ns, mv.getMetadata().getName());
    int ready = readyReplicas(d);
    status.setReplicas(d == null || d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas());
    status.setReadyReplicas(ready);
    status.setEndpoint("http://" + mv.getMetadata().getName() + "." + ns + ".svc:" + ServingObjects.PORT);
    boolean routed = routeModel(mv) && decision.routed().map(r -> r.name().equals(mv.getMetadata().getName())).orElse(false);
    status.setReceivesProductionTraffic(routed);
    if (routed && !Boolean.TRUE.equals(previous.getReceivesProductionTraffic())) {
      status.setPromotedAt(now.toString());
      Events.normal(client, mv, "Promoted", mv.getMetadata().getName() + " now receives the production traffic of Service " + spec.getModel());
    }
    if (superseded) {
      status.setPhase(ModelVersionStatus.Phase.Superseded);
      status.setMessage("superseded by " + decision.winner().get().name() + " (a higher Production version); scaled to zero, spec left as it is");
      if (previous.getPhase() != ModelVersionStatus.Phase.Superseded) {
        Events.normal(client, mv, "Superseded", status.getMessage());
      }
      status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, false, "Superseded", status.getMessage(), mv.getMetadata().getGeneration(), now));
      return new Result(status, true);
    }
    boolean serving = desired == 0 || ready >= Math.min(1, desired);
    status.setPhase(serving ? ModelVersionStatus.Phase.Serving : ModelVersionStatus.Phase.Deploying);
    status.setMessage(serving ? ready + "/" + desired + " replicas ready" + (routed ? ", receiving production traffic" : "")
        : "waiting for the model server to become ready (" + ready + "/" + desired + ")");
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, serving, serving ? "Serving" : "Deploying", status.getMessage(), mv.getMetadata().getGeneration(), now));
    boolean waitingForPromotion = stage == ModelVersionSpec.Stage.Production && !routed;
    return new Result(status, serving && !waitingForPromotion);
  }

  /** Points the model's stable Service at the routed Production version; true if there is one. */
  private boolean routeModel(ModelVersion mv) {
    String ns = mv.getMetadata().getNamespace();
    String model = mv.getSpec().getModel();
    List<ModelVersion> siblings = lookup.versionsOf(ns, model);
    ProductionRouting.Decision decision = decide(siblings);
    if (decision.routed().isEmpty()) {
      return false;
    }
    List<ModelVersion> owners = new ArrayList<>(siblings.stream().filter(v -> v.getSpec().getStage() == ModelVersionSpec.Stage.Production).toList());
    apply(ServingObjects.stableService(ns, model, decision.routed().get().version(), owners));
    return true;
  }

  private ProductionRouting.Decision decide(List<ModelVersion> siblings) {
    return ProductionRouting.decide(siblings.stream().map(this::view).toList());
  }

  private ProductionRouting.Version view(ModelVersion v) {
    Deployment d = lookup.deployment(v.getMetadata().getNamespace(), v.getMetadata().getName());
    return new ProductionRouting.Version(v.getMetadata().getName(), v.getSpec().getVersion(),
        v.getSpec().getStage() == ModelVersionSpec.Stage.Production, readyReplicas(d) > 0);
  }

  private static int readyReplicas(Deployment d) {
    return d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
  }

  private void apply(HasMetadata desired) {
    applier.apply(client, desired);
  }

  /** How desired objects are written. */
  @FunctionalInterface
  public interface Applier {
    void apply(KubernetesClient client, HasMetadata desired);

    /** Server-side apply as field manager "modelops-operator": what the operator uses. */
    static Applier serverSide() {
      return (c, d) -> c.resource(d).fieldManager("modelops-operator").forceConflicts().serverSideApply();
    }

    /**
     * Create, or JSON-merge-patch in place: only for the Fabric8 mock API server, which does not
     * implement server-side apply. Tests against a real API server use {@link #serverSide()}.
     */
    static Applier createOrMergePatch() {
      return (c, d) -> c.resource(d).createOr(op -> op.patch(
          io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), d));
    }
  }
}
