package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionSpec.Stage;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.api.v1alpha1.ModelVersionStatus.Phase;
import dev.modelops.operator.Announcement;
import dev.modelops.operator.OperatorSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The decide step for a ModelVersion, a pure function of its spec, its previous status, the
 * versions of its model with their Deployments, and the time: serve it while its stage is
 * Staging or Production, route the model's stable Service to the right Production version,
 * scale a superseded version to zero, and unserve None and Archived versions; report a version
 * whose model server cannot become ready as Failed ({@link ServingFailure}); release the version
 * from an Experiment or DriftPolicy an earlier release made its owner ({@link RegistryRecord}).
 * Never another object's spec.
 */
public final class ServingDecision {
  /**
   * How long a superseded version keeps its replicas after the stable Service moved away from it:
   * connections clients already opened to its Pods (kube-proxy keeps them on the Pod they reached)
   * finish there, before the Pods begin to stop.
   */
  public static final Duration DRAIN = Duration.ofSeconds(10);
  /**
   * How long after its promotion a version is rolled back if it turns unhealthy (no replica ready,
   * a Pod that will not run: crash loop, image that cannot be pulled; or more than
   * {@link #MAX_ERROR_SHARE} of its answers server errors).
   */
  public static final Duration ROLLBACK_WINDOW = Duration.ofMinutes(5);
  static final String ROLLED_BACK = "RolledBack";
  /** The share of server errors (5xx) among a newly promoted version's answers that rolls it back ... */
  public static final double MAX_ERROR_SHARE = 0.05;
  /** ... once it has given at least this many answers. */
  public static final long MIN_ANSWERS = 50;

  /**
   * The new status, what to do, whether to look again soon (a rollout or promotion under way), and
   * when at the latest (empty: the reconciler's usual recheck).
   */
  public record Outcome(ModelVersionStatus status, List<ServingAction> actions, boolean settled, Optional<Duration> recheck) {
    public Outcome(ModelVersionStatus status, List<ServingAction> actions, boolean settled) {
      this(status, actions, settled, Optional.empty());
    }
  }

  private final ModelVersion mv;
  private final ServingObservation observed;
  private final OperatorSettings settings;
  private final Instant now;
  private final ModelVersionStatus previous;
  private final ModelVersionStatus status = new ModelVersionStatus();
  private final List<ServingAction> actions = new ArrayList<>();
  private final ProductionRouting.Decision routing;
  /** Why this version is rolled back, if it is: it takes no production traffic until its spec changes. */
  private final Optional<String> rolledBack;

  private ServingDecision(ModelVersion mv, ServingObservation observed, OperatorSettings settings, Instant now) {
    this.mv = mv;
    this.observed = observed;
    this.settings = settings;
    this.now = now;
    this.previous = mv.getStatus() == null ? new ModelVersionStatus() : mv.getStatus();
    this.rolledBack = rollback();
    this.routing = ProductionRouting.decide(observed.versions().stream().map(this::view).toList());
    status.setConditions(previous.getConditions());
    status.setObservedGeneration(mv.getMetadata().getGeneration());
    status.setPromotedAt(previous.getPromotedAt());
    status.setAnalysis(previous.getAnalysis());
    status.setSelector(ServingObjects.selector(mv.getSpec().getModel(), mv.getSpec().getVersion()).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
  }

  public static Outcome decide(ModelVersion mv, ServingObservation observed, OperatorSettings settings, Instant now) {
    ServingDecision d = new ServingDecision(mv, observed, settings, now);
    RegistryRecord.released(mv).ifPresent(kept -> {
      List<String> runs = mv.getMetadata().getOwnerReferences().stream().filter(RegistryRecord::run)
          .map(o -> o.getKind() + " " + o.getName()).toList();
      d.actions.add(new ServingAction.Release(mv.getMetadata().getOwnerReferences(), kept));
      d.announce(Announcement.normal("Released", "no longer owned by " + String.join(", ", runs)
          + ": a registered version outlives its run (lineage: spec.source and labels)"));
    });
    Stage stage = mv.getSpec().getStage();
    return stage == Stage.None || stage == Stage.Archived ? d.unserved(stage) : d.served(stage);
  }

  private Outcome unserved(Stage stage) {
    actions.add(new ServingAction.Unserve(mv.getMetadata().getName()));
    status.setReplicas(0);
    status.setReadyReplicas(0);
    status.setReceivesProductionTraffic(false);
    boolean none = stage == Stage.None;
    set(none ? Phase.Registered : Phase.Archived, true, none ? Phase.Registered.name() : Phase.Archived.name(),
        none ? "registered; set stage to Staging or Production to serve it" : "archived: not served, kept as the registry record");
    routeModel();
    return new Outcome(status, List.copyOf(actions), true);
  }

  private Outcome served(Stage stage) {
    String name = mv.getMetadata().getName();
    if (rolledBack.isPresent()) {
      return rolledBack(rolledBack.get());
    }
    boolean superseded = routing.superseded(view(mv));
    Instant drained = superseded ? drainEnd() : now;
    boolean draining = superseded && now.isBefore(drained);
    int desired = superseded && !draining ? 0 : mv.getSpec().getServing().getReplicas();
    actions.add(new ServingAction.Apply(ServingObjects.deployment(mv, desired, settings,
        RolloutAnalysis.target(mv, observed.versions(), superseded))));
    actions.add(new ServingAction.Apply(ServingObjects.versionService(mv)));
    int ready = observed.readyReplicas(name);
    status.setReplicas(observed.replicas(name));
    status.setReadyReplicas(ready);
    status.setEndpoint("http://" + name + "." + mv.getMetadata().getNamespace() + ".svc:" + ServingObjects.PORT);
    boolean routed = routeModel() && routing.routed().map(r -> r.name().equals(name)).orElse(false);
    status.setReceivesProductionTraffic(routed);
    if (routed && !Boolean.TRUE.equals(previous.getReceivesProductionTraffic())) {
      status.setPromotedAt(now.toString());
      announce(Announcement.normal("Promoted", name + " now receives the production traffic of Service " + mv.getSpec().getModel()));
    }
    if (superseded) {
      String by = "superseded by " + routing.winner().get().name() + " (a higher Production version)";
      set(Phase.Superseded, false, "Superseded", draining
          ? by + "; draining: keeps its replicas for the connections already open to them until " + drained + ", then scaled to zero"
          : by + "; scaled to zero, spec left as it is");
      if (previous.getPhase() != Phase.Superseded) {
        announce(Announcement.normal("Superseded", status.getMessage()));
      }
      return new Outcome(status, List.copyOf(actions), !draining,
          draining ? Optional.of(Duration.between(now, drained)) : Optional.empty());
    }
    boolean serving = desired == 0 || ready >= Math.min(1, desired);
    // A version with no ready replica whose Pods or Deployment say it will not get there is Failed
    // (and, having no ready replica, never routed); one that serves stays Serving even if some Pods fail.
    Optional<ServingFailure.Failure> failure = serving ? Optional.empty()
        : ServingFailure.of(observed.deployments().get(name), observed.podsOf(name));
    if (failure.isPresent()) {
      set(Phase.Failed, false, failure.get().reason(), failure.get().message());
      if (previous.getPhase() != Phase.Failed) {
        announce(Announcement.warning(failure.get().reason(), name + " failed: " + failure.get().message()));
      }
      return new Outcome(status, List.copyOf(actions), true);
    }
    if (stage == Stage.Production && !routed && RolloutAnalysis.needed(mv)) {
      Optional<Outcome> analysed = analysed();
      if (analysed.isPresent()) {
        return analysed.get();
      }
    }
    if (serving && previous.getPhase() == Phase.Failed) {
      announce(Announcement.normal("Recovered", name + " is ready again (" + ready + "/" + desired + " replicas)"));
    }
    set(serving ? Phase.Serving : Phase.Deploying, serving, serving ? "Serving" : "Deploying",
        serving ? ready + "/" + desired + " replicas ready" + (routed ? ", receiving production traffic" : "")
            : "waiting for the model server to become ready (" + ready + "/" + desired + ")");
    boolean waitingForPromotion = stage == Stage.Production && !routed;
    // the Production servers follow a rollout's steps from this version's status
    boolean baselineOfAnalysis = routed && RolloutAnalysis.target(mv, observed.versions(), false).isPresent();
    return new Outcome(status, List.copyOf(actions), serving && !waitingForPromotion,
        baselineOfAnalysis ? Optional.of(ANALYSIS_RECHECK) : Optional.empty());
  }

  /** How often a rollout under analysis (and its baseline) is looked at. */
  static final Duration ANALYSIS_RECHECK = Duration.ofSeconds(5);

  /**
   * A Shadow or Canary candidate for Production not yet routed: Rejected (its analysis failed at
   * this generation), or Analysing against the version that has the production traffic, once
   * every replica is ready. Empty: the usual path (no version to compare with: it takes the
   * traffic directly; analysis passed: it is promoted; not all replicas ready: Deploying).
   */
  private Optional<Outcome> analysed() {
    String name = mv.getMetadata().getName();
    if (RolloutAnalysis.rejected(mv)) {
      set(Phase.Rejected, false, REJECTED, previous.getAnalysis().getMessage());
      return Optional.of(new Outcome(status, List.copyOf(actions), true));
    }
    Optional<String> baseline = baseline(mv);
    if (baseline.isEmpty() || RolloutAnalysis.passed(mv) || !observed.fullyAvailable(name, mv.getSpec().getServing().getReplicas())) {
      return Optional.empty();
    }
    RolloutAnalysis.Outcome o = RolloutAnalysis.next(mv, baseline.get(), observed.baseline().filter(b -> b.name().equals(baseline.get())), now);
    status.setAnalysis(o.analysis());
    o.announcement().ifPresent(this::announce);
    if (RolloutAnalysis.FAILED.equals(o.analysis().getResult())) {
      set(Phase.Rejected, false, REJECTED, o.analysis().getMessage());
      return Optional.of(new Outcome(status, List.copyOf(actions), true));
    }
    set(Phase.Analysing, false, "Analysing", o.analysis().getMessage());
    boolean passed = RolloutAnalysis.PASSED.equals(o.analysis().getResult());
    return Optional.of(new Outcome(status, List.copyOf(actions), false, Optional.of(passed ? Duration.ofMillis(500) : ANALYSIS_RECHECK)));
  }

  static final String REJECTED = "AnalysisFailed";

  /**
   * The version a Shadow or Canary candidate is compared with: the one that has the production
   * traffic, when it is another, lower Production version. Empty: the candidate takes the traffic
   * directly (there is nothing to compare it with).
   */
  private Optional<String> baseline(ModelVersion candidate) {
    return observed.versions().stream()
        .filter(v -> !v.getMetadata().getName().equals(candidate.getMetadata().getName()) && v.getSpec().getStage() == Stage.Production
            && v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReceivesProductionTraffic())
            && v.getSpec().getVersion() < candidate.getSpec().getVersion())
        .map(v -> v.getMetadata().getName()).findFirst();
  }

  /** Whether a version may take the production traffic as far as its rollout goes. */
  private boolean cleared(ModelVersion v) {
    boolean carrying = v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReceivesProductionTraffic());
    return carrying || !RolloutAnalysis.needed(v) || RolloutAnalysis.passed(v) || baseline(v).isEmpty();
  }

  /**
   * A version promoted less than {@link #ROLLBACK_WINDOW} ago that turned unhealthy (no replica
   * ready, a Pod that will not run, or too many server errors), while another
   * Production version exists to return to: it is Failed (reason RolledBack) and the traffic goes
   * back. Its Deployment is kept (its Pods' logs say why); it stays out of production until its
   * spec changes (a new generation).
   */
  private Outcome rolledBack(String why) {
    String name = mv.getMetadata().getName();
    actions.add(new ServingAction.Apply(ServingObjects.deployment(mv, mv.getSpec().getServing().getReplicas(), settings)));
    actions.add(new ServingAction.Apply(ServingObjects.versionService(mv)));
    status.setReplicas(observed.replicas(name));
    status.setReadyReplicas(observed.readyReplicas(name));
    status.setReceivesProductionTraffic(false);
    routeModel();
    String back = routing.winner().map(ProductionRouting.Version::name).orElse("the previous Production version");
    boolean already = wasRolledBack(mv);
    set(Phase.Failed, false, ROLLED_BACK, already ? previous.getMessage()
        : "rolled back: unhealthy within " + ROLLBACK_WINDOW.toMinutes() + " minutes of its promotion (" + why + "); production traffic returns to "
            + back + "; change its spec to try again");
    if (!already) {
      announce(Announcement.warning(ROLLED_BACK, name + " " + status.getMessage()));
    }
    return new Outcome(status, List.copyOf(actions), true);
  }

  /** Whether this version must be rolled back now, and why. */
  private Optional<String> rollback() {
    if (mv.getSpec().getStage() != Stage.Production) {
      return Optional.empty();
    }
    if (wasRolledBack(mv)) {
      return Optional.of(previous.getMessage());
    }
    if (!inRollbackWindow(mv, now)) {
      return Optional.empty();
    }
    String name = mv.getMetadata().getName();
    boolean another = observed.versions().stream().anyMatch(v -> !v.getMetadata().getName().equals(name)
        && v.getSpec().getStage() == Stage.Production && !wasRolledBack(v));
    if (!another) {
      return Optional.empty();
    }
    Optional<ServingFailure.Failure> failure = ServingFailure.of(observed.deployments().get(name), observed.podsOf(name));
    if (failure.isPresent()) {
      return Optional.of(failure.get().message());
    }
    if (observed.readyReplicas(name) == 0) {
      return Optional.of("no replica ready");
    }
    ServingObservation.Answers answers = observed.answers().get(name);
    if (answers != null && answers.requests() >= MIN_ANSWERS && answers.serverErrors() > MAX_ERROR_SHARE * answers.requests()) {
      return Optional.of(answers.serverErrors() + " of its " + answers.requests() + " answers were server errors (5xx), more than "
          + Math.round(MAX_ERROR_SHARE * 100) + "%");
    }
    return Optional.empty();
  }

  /**
   * Whether the ready Pods' answers are worth reading for this version: it has the production
   * traffic and was promoted less than {@link #ROLLBACK_WINDOW} ago.
   */
  public static boolean inRollbackWindow(ModelVersion v, Instant now) {
    ModelVersionStatus s = v.getStatus();
    return v.getSpec().getStage() == Stage.Production && s != null && Boolean.TRUE.equals(s.getReceivesProductionTraffic())
        && s.getPromotedAt() != null && now.isBefore(Instant.parse(s.getPromotedAt()).plus(ROLLBACK_WINDOW));
  }

  /** A version rolled back at its current generation (its status says so). */
  private static boolean wasRolledBack(ModelVersion v) {
    ModelVersionStatus s = v.getStatus();
    if (s == null || s.getPhase() != Phase.Failed || !java.util.Objects.equals(s.getObservedGeneration(), v.getMetadata().getGeneration())) {
      return false;
    }
    var ready = Conditions.find(s.getConditions(), Conditions.READY);
    return ready != null && ROLLED_BACK.equals(ready.getReason());
  }

  /** Points the model's stable Service at the routed Production version; true if there is one. */
  private boolean routeModel() {
    if (routing.routed().isEmpty()) {
      return false;
    }
    List<ModelVersion> owners = observed.versions().stream().filter(v -> v.getSpec().getStage() == Stage.Production).toList();
    actions.add(new ServingAction.Apply(
        ServingObjects.stableService(mv.getMetadata().getNamespace(), mv.getSpec().getModel(), routing.routed().get().version(), owners)));
    return true;
  }

  /**
   * When this superseded version's drain ends: {@link #DRAIN} after it was first seen superseded
   * (the time its Ready condition turned false as Superseded, which survives an operator restart).
   */
  private Instant drainEnd() {
    if (previous.getPhase() == Phase.Superseded) {
      var ready = Conditions.find(previous.getConditions(), Conditions.READY);
      if (ready != null && "Superseded".equals(ready.getReason()) && ready.getLastTransitionTime() != null) {
        return Instant.parse(ready.getLastTransitionTime()).plus(DRAIN);
      }
    }
    return now.plus(DRAIN);
  }

  /**
   * A version as the routing rule sees it. A version takes production traffic only once its
   * rollout is complete (every wanted replica ready on the current template); the version that
   * has it keeps it while any replica is ready, so losing one Pod never sends traffic back.
   */
  private ProductionRouting.Version view(ModelVersion v) {
    ModelVersionSpec spec = v.getSpec();
    String name = v.getMetadata().getName();
    boolean carrying = v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReceivesProductionTraffic());
    boolean ready = (observed.fullyAvailable(name, spec.getServing().getReplicas()) || (carrying && observed.readyReplicas(name) > 0)) && cleared(v);
    boolean excluded = (name.equals(mv.getMetadata().getName()) ? rolledBack.isPresent() : wasRolledBack(v)) || RolloutAnalysis.rejected(v);
    return new ProductionRouting.Version(name, spec.getVersion(), spec.getStage() == Stage.Production && !excluded, ready);
  }

  private void set(Phase phase, boolean ready, String reason, String message) {
    status.setPhase(phase);
    status.setMessage(message);
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, ready, reason, message, mv.getMetadata().getGeneration(), now));
  }

  private void announce(Announcement a) {
    actions.add(new ServingAction.Announce(a));
  }
}
