package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's metrics about policies, for Prometheus alert rules:
 * {@code modelops_driftpolicy_state{namespace,policy,state}} (1 for the current state, 0 for the
 * others), {@code modelops_driftpolicy_check_value{namespace,policy,metric,feature}} (the last
 * value of each check; NaN without data), {@code modelops_driftpolicy_check_band{namespace,policy,model,
 * metric,feature,band}} (each numeric check's warn, retrain and alert thresholds; NaN for a band the
 * check does not set), {@code modelops_driftpolicy_retrains_total{namespace,policy,model}} and
 * {@code modelops_driftpolicy_last_retrain_failed{namespace,policy,model}} (1 while the newest
 * finished retraining Experiment of the policy is Failed).
 */
public final class PolicyMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicReference<DriftPolicyStatus.State>> states = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> bands = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> lastRetrainFailed = new ConcurrentHashMap<>();

  public PolicyMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void state(String namespace, String policy, DriftPolicyStatus.State state) {
    states.computeIfAbsent(namespace + "/" + policy, k -> {
      AtomicReference<DriftPolicyStatus.State> ref = new AtomicReference<>();
      for (DriftPolicyStatus.State s : DriftPolicyStatus.State.values()) {
        Gauge.builder("modelops_driftpolicy_state", ref, r -> r.get() == s ? 1 : 0).description("The policy's state (1 for the current one)")
            .tag("namespace", namespace).tag("policy", policy).tag("state", s.name()).register(registry);
      }
      return ref;
    }).set(state);
  }

  public void check(String namespace, String policy, String metric, String feature, Double value) {
    String f = feature == null ? "" : feature;
    values.computeIfAbsent(namespace + "/" + policy + "/" + metric + "/" + f, k -> {
      AtomicReference<Double> ref = new AtomicReference<>(Double.NaN);
      Gauge.builder("modelops_driftpolicy_check_value", ref, r -> r.get()).description("The last value of a policy check (NaN without data)")
          .tag("namespace", namespace).tag("policy", policy).tag("metric", metric).tag("feature", f).register(registry);
      return ref;
    }).set(value == null ? Double.NaN : value);
  }

  /**
   * Publishes a check's bands, so that alert rules can compare {@code check_value} with them and
   * name the band. A modelAge check's bands are durations, not values: it has none here.
   */
  public void bands(String namespace, String policy, String model, DriftPolicySpec.Check check) {
    if (check.getMetric() == null || "modelAge".equals(check.getMetric().name())) {
      return;
    }
    String metric = check.getMetric().name();
    String f = check.getFeature() == null ? "" : check.getFeature();
    band(namespace, policy, model, metric, f, "warn", check.getWarn());
    band(namespace, policy, model, metric, f, "retrain", check.getRetrain());
    band(namespace, policy, model, metric, f, "alert", check.getAlert());
  }

  private void band(String namespace, String policy, String model, String metric, String feature, String band, Double threshold) {
    gauge(bands, "modelops_driftpolicy_check_band", "A check's threshold of a band (NaN when the check has no such band)",
        String.join("/", namespace, policy, model, metric, feature, band),
        java.util.List.of("namespace", namespace, "policy", policy, "model", model, "metric", metric, "feature", feature, "band", band))
        .set(threshold == null ? Double.NaN : threshold);
  }

  /** Whether the newest finished retraining Experiment of the policy failed. */
  public void lastRetrainFailed(String namespace, String policy, String model, boolean failed) {
    gauge(lastRetrainFailed, "modelops_driftpolicy_last_retrain_failed", "1 while the newest finished retraining Experiment failed",
        String.join("/", namespace, policy, model), java.util.List.of("namespace", namespace, "policy", policy, "model", model))
        .set(failed ? 1.0 : 0.0);
  }

  private AtomicReference<Double> gauge(Map<String, AtomicReference<Double>> refs, String name, String description, String key,
      java.util.List<String> tags) {
    return refs.computeIfAbsent(key, k -> {
      AtomicReference<Double> ref = new AtomicReference<>(Double.NaN);
      Gauge.builder(name, ref, AtomicReference::get).description(description).tags(tags.toArray(String[]::new)).register(registry);
      return ref;
    });
  }

  /** Forgets a deleted policy, so that no alert rule fires on the last state of a policy that is gone. */
  public void remove(String namespace, String policy) {
    String key = namespace + "/" + policy;
    states.remove(key);
    values.keySet().removeIf(k -> k.startsWith(key + "/"));
    bands.keySet().removeIf(k -> k.startsWith(key + "/"));
    lastRetrainFailed.keySet().removeIf(k -> k.startsWith(key + "/"));
    for (io.micrometer.core.instrument.Meter m : java.util.List.copyOf(registry.getMeters())) {
      if (m.getId().getName().startsWith("modelops_driftpolicy") && namespace.equals(m.getId().getTag("namespace"))
          && policy.equals(m.getId().getTag("policy"))) {
        registry.remove(m);
      }
    }
  }

  public void retrain(String namespace, String policy, String model) {
    Counter.builder("modelops_driftpolicy_retrains").description("Retraining Experiments started by a policy")
        .tag("namespace", namespace).tag("policy", policy).tag("model", model).register(registry).increment();
  }
}
