package dev.modelops.operator.drift;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.Band;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.State;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.operator.Events;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OwnerReferences;
import dev.modelops.operator.experiment.Durations;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One evaluation of a DriftPolicy: find the model's Production version, measure it through the
 * policy's source, evaluate the checks, start a retraining Experiment when the rules allow, and
 * compute the status. The caller writes the status and reschedules after {@link Result#next()}.
 */
public final class DriftPolicyLifecycle {
  /** Label on retraining Experiments naming the policy that started them. */
  public static final String POLICY = "modelops.dev/drift-policy";
  /** At most this many retrains are kept in status. */
  static final int HISTORY = 20;
  /** When the source cannot be read, the next try comes after at most this long. */
  static final Duration SOURCE_RETRY = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The status to write and when to evaluate next. */
  public record Result(DriftPolicyStatus status, Duration next) {}

  private final KubernetesClient client;
  private final DriftSource modelServer;
  private final DriftSource prometheus;
  private final Webhooks webhooks;
  private final PolicyMetrics metrics;
  private final Clock clock;

  public DriftPolicyLifecycle(KubernetesClient client, DriftSource modelServer, DriftSource prometheus, Webhooks webhooks,
      PolicyMetrics metrics, Clock clock) {
    this.client = client;
    this.modelServer = modelServer;
    this.prometheus = prometheus;
    this.webhooks = webhooks;
    this.metrics = metrics;
    this.clock = clock;
  }

  public Result reconcile(DriftPolicy policy) {
    DriftPolicySpec spec = policy.getSpec();
    DriftPolicyStatus previous = policy.getStatus() != null ? policy.getStatus() : new DriftPolicyStatus();
    Instant now = clock.instant();
    long generation = policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration();
    Duration interval = Duration.ofSeconds(Durations.seconds(spec.getInterval() != null ? spec.getInterval() : "5m"));

    // Evaluate every interval, however often something else wakes the reconciler.
    if (previous.getNextEvaluationTime() != null && previous.getObservedGeneration() != null && previous.getObservedGeneration() == generation) {
      Instant due = Instant.parse(previous.getNextEvaluationTime());
      if (now.isBefore(due)) {
        return new Result(null, Duration.between(now, due));
      }
    }

    DriftPolicyStatus status = copy(previous);
    status.setObservedGeneration(generation);
    status.setLastEvaluationTime(now.toString());
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();

    Optional<ModelVersion> watched = production(ns, spec.getModel());
    if (watched.isEmpty()) {
      status.setState(State.Unknown);
      status.setModelVersion(null);
      status.setChecks(new ArrayList<>());
      status.setMessage("model " + spec.getModel() + " has no Production version in namespace " + ns + " to watch");
      status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, false, "NoProductionVersion", status.getMessage(), generation, now));
      return finish(policy, status, interval, now);
    }
    ModelVersion mv = watched.get();
    if (!mv.getMetadata().getName().equals(previous.getModelVersion())) {
      Events.normal(client, policy, "WatchingVersion", "watching " + mv.getMetadata().getName() + (previous.getModelVersion() != null
          ? " (was " + previous.getModelVersion() + "): a fresh drift window" : ""));
    }
    status.setModelVersion(mv.getMetadata().getName());

    // Without a measurement the drift checks lack data, but time-based checks (modelAge) still count.
    Observation observation = null;
    String sourceProblem = null;
    try {
      observation = (isPrometheus(spec) ? prometheus : modelServer).observe(policy, mv);
    } catch (DriftSource.SourceException e) {
      sourceProblem = "cannot measure " + mv.getMetadata().getName() + ": " + e.getMessage();
      if (!"SourceUnavailable".equals(reason(previous))) {
        Events.warning(client, policy, "SourceUnavailable", sourceProblem);
      }
    }

    Instant created = mv.getMetadata().getCreationTimestamp() != null ? Instant.parse(mv.getMetadata().getCreationTimestamp()) : null;
    long minSamples = spec.getMinSamples() != null ? spec.getMinSamples() : 500;
    List<PolicyEvaluation.Outcome> outcomes = PolicyEvaluation.evaluate(spec.getChecks(), minSamples, observation, created, now);
    status.setChecks(outcomes.stream().map(DriftPolicyLifecycle::result).toList());
    outcomes.forEach(o -> metrics.check(ns, name, o.check().getMetric().name(), o.check().getFeature(), o.value()));
    Band worst = PolicyEvaluation.worst(outcomes);

    List<Experiment> retrains = client.resources(Experiment.class).inNamespace(ns).withLabel(POLICY, name).list().getItems();
    int running = (int) retrains.stream().filter(e -> !finished(e)).count();
    Instant last = retrains.stream().map(e -> e.getMetadata().getCreationTimestamp()).filter(t -> t != null).map(Instant::parse)
        .max(Comparator.naturalOrder()).orElse(null);
    DriftPolicySpec.Retrain retrain = spec.getRetrain();
    RetrainRule.Decision decision = RetrainRule.decide(worst, retrain != null, running,
        retrain != null && retrain.getMaxConcurrent() != null ? retrain.getMaxConcurrent() : 1, last,
        Duration.ofSeconds(Durations.seconds(retrain != null && retrain.getCooldown() != null ? retrain.getCooldown() : "24h")), now);
    State state = decision.state();
    String message = decision.message();
    String conditionReason = "Evaluated";
    boolean conditionOk = true;
    if (decision.retrainNow()) {
      String reason = PolicyEvaluation.reasons(outcomes, Band.Retrain);
      try {
        Experiment started = startRetrain(policy, mv, retrains, reason, previous);
        DriftPolicyStatus.RetrainRecord record = new DriftPolicyStatus.RetrainRecord();
        record.setExperiment(started.getMetadata().getName());
        record.setTime(now.toString());
        record.setReason(reason);
        List<DriftPolicyStatus.RetrainRecord> history = new ArrayList<>();
        history.add(record);
        history.addAll(status.getRetrains() == null ? List.of() : status.getRetrains());
        status.setRetrains(new ArrayList<>(history.subList(0, Math.min(HISTORY, history.size()))));
        status.setRetrainCount(index(started));
        message = "started retraining Experiment " + started.getMetadata().getName() + ": " + reason;
        metrics.retrain(ns, name);
        Events.normal(client, policy, "RetrainStarted", message);
      } catch (TemplateException e) {
        state = State.Drifted;
        message = e.getMessage();
        conditionReason = "RetrainTemplateInvalid";
        conditionOk = false;
        if (!conditionReason.equals(reason(previous))) {
          Events.warning(client, policy, conditionReason, message);
        }
      }
    } else if (worst == Band.Retrain || worst == Band.Alert || worst == Band.Warn) {
      message = message + ": " + PolicyEvaluation.reasons(outcomes, worst);
    }
    List<String> invalid = outcomes.stream().filter(o -> o.band() == Band.Invalid).map(PolicyEvaluation.Outcome::message).toList();
    if (!invalid.isEmpty()) {
      conditionOk = false;
      conditionReason = "InvalidCheck";
      message = message + "; " + String.join("; ", invalid);
      if (!conditionReason.equals(reason(previous))) {
        Events.warning(client, policy, "InvalidCheck", String.join("; ", invalid));
      }
    }
    Duration next = interval;
    if (sourceProblem != null) {
      conditionOk = false;
      conditionReason = "SourceUnavailable";
      message = sourceProblem + "; " + message;
      next = interval.compareTo(SOURCE_RETRY) < 0 ? interval : SOURCE_RETRY;
    }
    status.setState(state);
    status.setMessage(message);
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, conditionOk, conditionReason, message, generation, now));
    announce(policy, previous.getState(), state, message, mv);
    return finish(policy, status, next, now);
  }

  private Result finish(DriftPolicy policy, DriftPolicyStatus status, Duration next, Instant now) {
    status.setNextEvaluationTime(now.plus(next).toString());
    metrics.state(policy.getMetadata().getNamespace(), policy.getMetadata().getName(), status.getState());
    return new Result(status, next);
  }

  /** Events on every change of state; the webhook on entering Warning or Alerting. */
  private void announce(DriftPolicy policy, State before, State after, String message, ModelVersion mv) {
    if (before == after) {
      return;
    }
    switch (after) {
      case Warning -> Events.warning(client, policy, "DriftWarning", message);
      case Alerting -> Events.warning(client, policy, "DriftAlert", message);
      case Drifted -> Events.warning(client, policy, "Drifted", message);
      case Healthy -> Events.normal(client, policy, "Healthy", message);
      default -> { }
    }
    String webhook = policy.getSpec().getAlert() != null ? policy.getSpec().getAlert().getWebhook() : null;
    if (webhook != null && (after == State.Warning || after == State.Alerting)) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("policy", policy.getMetadata().getName());
      body.put("namespace", policy.getMetadata().getNamespace());
      body.put("model", policy.getSpec().getModel());
      body.put("modelVersion", mv.getMetadata().getName());
      body.put("state", after.name());
      body.put("previousState", before == null ? null : before.name());
      body.put("message", message);
      body.put("time", clock.instant().toString());
      try {
        webhooks.post(webhook, JSON.writeValueAsString(body));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The version that receives the model's production traffic; else the highest version at stage Production. */
  Optional<ModelVersion> production(String ns, String model) {
    List<ModelVersion> versions = client.resources(ModelVersion.class).inNamespace(ns).list().getItems().stream()
        .filter(v -> v.getSpec() != null && model.equals(v.getSpec().getModel()) && v.getSpec().getStage() == ModelVersionSpec.Stage.Production)
        .toList();
    Optional<ModelVersion> routed = versions.stream()
        .filter(v -> v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReceivesProductionTraffic()))
        .max(Comparator.comparingInt(v -> v.getSpec().getVersion()));
    return routed.isPresent() ? routed : versions.stream().max(Comparator.comparingInt(v -> v.getSpec().getVersion()));
  }

  /** Creates the next retraining Experiment; its name is fixed by the count, so a repeated reconcile cannot make a second. */
  private Experiment startRetrain(DriftPolicy policy, ModelVersion mv, List<Experiment> existing, String reason, DriftPolicyStatus previous)
      throws TemplateException {
    String ns = policy.getMetadata().getNamespace();
    DriftPolicySpec.Retrain retrain = policy.getSpec().getRetrain();
    Experiment template = client.resources(Experiment.class).inNamespace(ns).withName(retrain.getExperiment()).get();
    if (template == null) {
      throw new TemplateException("spec.retrain.experiment: Experiment '" + retrain.getExperiment() + "' does not exist in namespace "
          + ns + "; name the Experiment whose spec retrains model " + policy.getSpec().getModel());
    }
    if (!policy.getSpec().getModel().equals(template.getSpec().getModel())) {
      throw new TemplateException("spec.retrain.experiment: Experiment '" + retrain.getExperiment() + "' trains model '"
          + template.getSpec().getModel() + "', not '" + policy.getSpec().getModel() + "'");
    }
    int n = Math.max(previous.getRetrainCount() == null ? 0 : previous.getRetrainCount(),
        existing.stream().mapToInt(DriftPolicyLifecycle::index).max().orElse(0)) + 1;
    ExperimentSpec spec = JSON.convertValue(template.getSpec(), ExperimentSpec.class);
    if (retrain.getDatasetUri() != null) {
      spec.getDataset().setUri(retrain.getDatasetUri());
    }
    Experiment exp = new Experiment();
    String name = policy.getMetadata().getName() + "-retrain-" + n;
    exp.getMetadata().setName(name);
    exp.getMetadata().setNamespace(ns);
    Map<String, String> labels = Labels.of("retraining", policy.getSpec().getModel(), name);
    labels.put(POLICY, policy.getMetadata().getName());
    labels.put("modelops.dev/retrain-index", Integer.toString(n));
    exp.getMetadata().setLabels(labels);
    exp.getMetadata().setAnnotations(Map.of("modelops.dev/retrain-reason", reason.length() > 2000 ? reason.substring(0, 2000) : reason,
        "modelops.dev/retrain-of", mv.getMetadata().getName(), "modelops.dev/template", retrain.getExperiment()));
    exp.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(policy)));
    exp.setSpec(spec);
    try {
      return client.resource(exp).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return client.resources(Experiment.class).inNamespace(ns).withName(name).get();
      }
      if (e.getCode() == 422) {
        throw new TemplateException("the retraining Experiment built from '" + retrain.getExperiment() + "' is invalid: "
            + (e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage()));
      }
      throw e;
    }
  }

  static int index(Experiment e) {
    String label = e.getMetadata().getLabels() == null ? null : e.getMetadata().getLabels().get("modelops.dev/retrain-index");
    try {
      return label == null ? 0 : Integer.parseInt(label);
    } catch (NumberFormatException x) {
      return 0;
    }
  }

  static boolean finished(Experiment e) {
    return e.getStatus() != null && (e.getStatus().getPhase() == ExperimentStatus.Phase.Succeeded || e.getStatus().getPhase() == ExperimentStatus.Phase.Failed);
  }

  private static boolean isPrometheus(DriftPolicySpec spec) {
    return spec.getSource() != null && spec.getSource().getType() == DriftPolicySpec.SourceType.PROMETHEUS;
  }

  private static String reason(DriftPolicyStatus s) {
    dev.modelops.api.v1alpha1.Condition c = Conditions.find(s.getConditions(), Conditions.READY);
    return c == null ? null : c.getReason();
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

  private static DriftPolicyStatus copy(DriftPolicyStatus s) {
    DriftPolicyStatus c = JSON.convertValue(s, DriftPolicyStatus.class);
    if (c.getConditions() == null) {
      c.setConditions(new ArrayList<>());
    }
    return c;
  }

  /** The retrain template cannot be used; the message says how to fix it. */
  static final class TemplateException extends Exception {
    TemplateException(String message) {
      super(message);
    }
  }
}
