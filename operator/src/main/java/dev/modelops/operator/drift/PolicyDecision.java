package dev.modelops.operator.drift;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.Condition;
import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.Band;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.State;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.Announcement;
import dev.modelops.operator.experiment.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decide step for a DriftPolicy, a pure function of its spec, its previous status, the
 * observation and the time: whether an evaluation is due, the checks' bands
 * ({@link PolicyEvaluation}), whether to retrain ({@link RetrainRule}) and with which
 * Experiment ({@link RetrainExperiment}), the Events and webhook calls, the new status and when
 * to evaluate next.
 */
public final class PolicyDecision {
  /** At most this many retrains are kept in status. */
  static final int HISTORY = 20;
  /** When the source cannot be read, the next try comes after at most this long. */
  static final Duration SOURCE_RETRY = Duration.ofSeconds(30);
  static final String SOURCE_UNAVAILABLE = "SourceUnavailable";
  static final String INVALID_CHECK = "InvalidCheck";
  static final String TEMPLATE_INVALID = "RetrainTemplateInvalid";
  static final String WEBHOOK_REFUSED = "WebhookRefused";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The new status, what to do (a retrain first), the checks for the metrics, and when to evaluate next.
   */
  public record Outcome(DriftPolicyStatus status, List<PolicyAction> actions, List<PolicyEvaluation.Outcome> checks, Duration next) {}

  private final DriftPolicy policy;
  private final DriftPolicySpec spec;
  private final PolicyObservation observed;
  private final Instant now;
  private final long generation;
  private final DriftPolicyStatus previous;
  private final DriftPolicyStatus status;
  private final List<PolicyAction> actions = new ArrayList<>();
  private State state;
  private String message;
  private String conditionReason = "Evaluated";
  private boolean ready = true;

  private PolicyDecision(DriftPolicy policy, PolicyObservation observed, Instant now) {
    this.policy = policy;
    this.spec = policy.getSpec();
    this.observed = observed;
    this.now = now;
    this.generation = generation(policy);
    this.previous = policy.getStatus() != null ? policy.getStatus() : new DriftPolicyStatus();
    this.status = JSON.convertValue(previous, DriftPolicyStatus.class);
    if (status.getConditions() == null) {
      status.setConditions(new ArrayList<>());
    }
    status.setObservedGeneration(generation);
    status.setLastEvaluationTime(now.toString());
  }

  /**
   * How long until the next evaluation is due, however often something else wakes the
   * reconciler; empty when one is due now (the first, after a spec change, or on time).
   */
  public static Optional<Duration> wait(DriftPolicy policy, Instant now) {
    DriftPolicyStatus s = policy.getStatus();
    if (s == null || s.getNextEvaluationTime() == null || s.getObservedGeneration() == null
        || s.getObservedGeneration().longValue() != generation(policy)) {
      return Optional.empty();
    }
    Instant due = Instant.parse(s.getNextEvaluationTime());
    return now.isBefore(due) ? Optional.of(Duration.between(now, due)) : Optional.empty();
  }

  /** One evaluation. */
  public static Outcome decide(DriftPolicy policy, PolicyObservation observed, Instant now) {
    PolicyDecision d = new PolicyDecision(policy, observed, now);
    return observed.watched() == null ? d.nothingToWatch() : d.evaluate(observed.watched());
  }

  private Outcome nothingToWatch() {
    String ns = policy.getMetadata().getNamespace();
    status.setState(State.Unknown);
    status.setModelVersion(null);
    status.setChecks(new ArrayList<>());
    status.setMessage("model " + spec.getModel() + " has no Production version in namespace " + ns + " to watch");
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, false, "NoProductionVersion", status.getMessage(), generation, now));
    return finish(List.of(), interval());
  }

  private Outcome evaluate(ModelVersion mv) {
    String name = mv.getMetadata().getName();
    if (!name.equals(previous.getModelVersion())) {
      announce(Announcement.normal("WatchingVersion", "watching " + name
          + (previous.getModelVersion() != null ? " (was " + previous.getModelVersion() + "): a fresh drift window" : "")));
    }
    status.setModelVersion(name);
    // Without a measurement the drift checks lack data, but time-based checks (modelAge) still count.
    String sourceProblem = observed.sourceProblem() == null ? null : "cannot measure " + name + ": " + observed.sourceProblem();
    if (sourceProblem != null) {
      warnOnce(SOURCE_UNAVAILABLE, sourceProblem);
    }
    String created = mv.getMetadata().getCreationTimestamp();
    List<PolicyEvaluation.Outcome> outcomes = PolicyEvaluation.evaluate(spec.getChecks(), spec.getMinSamples(), observed.measurement(),
        created != null ? Instant.parse(created) : null, now);
    status.setChecks(outcomes.stream().map(PolicyDecision::result).toList());
    Band worst = PolicyEvaluation.worst(outcomes);
    RetrainRule.Decision rule = retrainRule(worst);
    state = rule.state();
    message = rule.message();
    if (rule.retrainNow()) {
      retrain(mv, PolicyEvaluation.reasons(outcomes, Band.Retrain));
    } else if (worst == Band.Retrain || worst == Band.Alert || worst == Band.Warn) {
      message = message + ": " + PolicyEvaluation.reasons(outcomes, worst);
    }
    invalidChecks(outcomes);
    if (observed.webhookRefused() != null) {
      ready = false;
      conditionReason = WEBHOOK_REFUSED;
      message = message + "; " + observed.webhookRefused();
      warnOnce(WEBHOOK_REFUSED, observed.webhookRefused());
    }
    Duration next = interval();
    if (sourceProblem != null) {
      ready = false;
      conditionReason = SOURCE_UNAVAILABLE;
      message = sourceProblem + "; " + message;
      next = next.compareTo(SOURCE_RETRY) < 0 ? next : SOURCE_RETRY;
    }
    status.setState(state);
    status.setMessage(message);
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, ready, conditionReason, message, generation, now));
    announceState(mv);
    return finish(outcomes, next);
  }

  private RetrainRule.Decision retrainRule(Band worst) {
    DriftPolicySpec.Retrain retrain = spec.getRetrain();
    return RetrainRule.decide(worst, retrain != null, RetrainExperiment.running(observed.retrains()),
        retrain != null ? retrain.getMaxConcurrent() : 0, RetrainExperiment.lastStarted(observed.retrains(), previous),
        retrain != null ? Duration.ofSeconds(Durations.seconds(retrain.getCooldown())) : Duration.ZERO, now);
  }

  /** Starts the next retrain, or reports why the template cannot be used. */
  private void retrain(ModelVersion mv, String reason) {
    String problem = observed.retrainRefused() != null ? observed.retrainRefused() : RetrainExperiment.problem(policy, observed.template());
    if (problem != null) {
      state = State.Drifted;
      message = problem;
      conditionReason = TEMPLATE_INVALID;
      ready = false;
      warnOnce(TEMPLATE_INVALID, message);
      return;
    }
    int n = RetrainExperiment.next(previous, observed.retrains());
    var experiment = RetrainExperiment.desired(policy, observed.template(), mv, n, reason);
    actions.add(0, new PolicyAction.StartRetrain(experiment));
    DriftPolicyStatus.RetrainRecord record = new DriftPolicyStatus.RetrainRecord();
    record.setExperiment(experiment.getMetadata().getName());
    record.setTime(now.toString());
    record.setReason(reason);
    List<DriftPolicyStatus.RetrainRecord> history = new ArrayList<>();
    history.add(record);
    history.addAll(status.getRetrains() == null ? List.of() : status.getRetrains());
    status.setRetrains(new ArrayList<>(history.subList(0, Math.min(HISTORY, history.size()))));
    status.setRetrainCount(n);
    message = "started retraining Experiment " + experiment.getMetadata().getName() + ": " + reason;
    announce(Announcement.normal("RetrainStarted", message));
  }

  private void invalidChecks(List<PolicyEvaluation.Outcome> outcomes) {
    List<String> invalid = outcomes.stream().filter(o -> o.band() == Band.Invalid).map(PolicyEvaluation.Outcome::message).toList();
    if (!invalid.isEmpty()) {
      ready = false;
      conditionReason = INVALID_CHECK;
      message = message + "; " + String.join("; ", invalid);
      warnOnce(INVALID_CHECK, String.join("; ", invalid));
    }
  }

  /** Events on every change of state; the webhook on entering Warning or Alerting. */
  private void announceState(ModelVersion mv) {
    State before = previous.getState();
    if (before == state) {
      return;
    }
    switch (state) {
      case Warning -> announce(Announcement.warning("DriftWarning", message));
      case Alerting -> announce(Announcement.warning("DriftAlert", message));
      case Drifted -> announce(Announcement.warning("Drifted", message));
      case Healthy -> announce(Announcement.normal("Healthy", message));
      default -> { }
    }
    String webhook = spec.getAlert() != null && observed.webhookRefused() == null ? spec.getAlert().getWebhook() : null;
    if (webhook != null && (state == State.Warning || state == State.Alerting)) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("policy", policy.getMetadata().getName());
      body.put("namespace", policy.getMetadata().getNamespace());
      body.put("model", spec.getModel());
      body.put("modelVersion", mv.getMetadata().getName());
      body.put("state", state.name());
      body.put("previousState", before == null ? null : before.name());
      body.put("message", message);
      body.put("time", now.toString());
      boolean slack = spec.getAlert().getFormat() == DriftPolicySpec.WebhookFormat.SLACK;
      try {
        actions.add(new PolicyAction.Notify(webhook, JSON.writeValueAsString(slack ? SlackMessage.of(body) : body)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private Outcome finish(List<PolicyEvaluation.Outcome> checks, Duration next) {
    status.setNextEvaluationTime(now.plus(next).toString());
    return new Outcome(status, List.copyOf(actions), checks, next);
  }

  /**
   * A Warning Event, unless the last status already reported this problem (the problem persists):
   * its Ready condition gave this reason, or its message held this text (the condition holds one
   * reason when two problems last).
   */
  private void warnOnce(String reason, String text) {
    Condition c = Conditions.find(previous.getConditions(), Conditions.READY);
    boolean reported = (c != null && reason.equals(c.getReason())) || (previous.getMessage() != null && previous.getMessage().contains(text));
    if (!reported) {
      announce(Announcement.warning(reason, text));
    }
  }

  private void announce(Announcement a) {
    actions.add(new PolicyAction.Announce(a));
  }

  private Duration interval() {
    return Duration.ofSeconds(Durations.seconds(spec.getInterval()));
  }

  private static long generation(DriftPolicy policy) {
    return policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration();
  }

  private static DriftPolicyStatus.CheckResult result(PolicyEvaluation.Outcome o) {
    DriftPolicyStatus.CheckResult r = new DriftPolicyStatus.CheckResult();
    r.setMetric(o.check().getMetric().name());
    r.setFeature(o.check().getFeature());
    r.setValue(o.value() == null || o.value().isNaN() ? null : Math.round(o.value() * 1e6) / 1e6);
    r.setBand(o.band());
    r.setSamples(o.samples());
    r.setMessage(o.message());
    return r;
  }
}
