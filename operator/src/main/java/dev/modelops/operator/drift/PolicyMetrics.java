package dev.modelops.operator.drift;

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
 * value of each check; NaN without data) and {@code modelops_driftpolicy_retrains_total}.
 */
public final class PolicyMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicReference<DriftPolicyStatus.State>> states = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();

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

  /** Forgets a deleted policy, so that no alert rule fires on the last state of a policy that is gone. */
  public void remove(String namespace, String policy) {
    String key = namespace + "/" + policy;
    states.remove(key);
    values.keySet().removeIf(k -> k.startsWith(key + "/"));
    for (io.micrometer.core.instrument.Meter m : java.util.List.copyOf(registry.getMeters())) {
      if (m.getId().getName().startsWith("modelops_driftpolicy") && namespace.equals(m.getId().getTag("namespace"))
          && policy.equals(m.getId().getTag("policy"))) {
        registry.remove(m);
      }
    }
  }

  public void retrain(String namespace, String policy) {
    Counter.builder("modelops_driftpolicy_retrains").description("Retraining Experiments started by a policy")
        .tag("namespace", namespace).tag("policy", policy).register(registry).increment();
  }
}
