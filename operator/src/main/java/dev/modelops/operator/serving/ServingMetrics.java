package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.operator.Announcement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The operator's metrics about serving, for Prometheus alert rules (the chart's PrometheusRule):
 * {@code modelops_modelversion_failures_total{namespace,model,modelversion,reason}} counts versions
 * that went Failed (crash loop, image that cannot be pulled, bundle that cannot load, progress
 * deadline), and {@code modelops_modelversion_promotions_total{namespace,model,modelversion}} the
 * moves of a model's production traffic, {@code modelops_modelversion_analyses_total{namespace,model,modelversion,result}}
 * the shadow and canary analyses that ended (passed or rejected). All are counted from the decision's Events, so a metric
 * and its Event never disagree. {@code modelops_modelversion_ready{namespace,model,modelversion,stage}}
 * is 1 while a served version (stage Staging or Production) is Serving with a ready pod, else 0; a
 * version that is no longer served, or is gone from the operator's cache, loses its series.
 */
public final class ServingMetrics {
  private final MeterRegistry registry;
  private final java.util.Map<String, Ready> ready = new java.util.concurrent.ConcurrentHashMap<>();

  private record Ready(io.micrometer.core.instrument.Meter.Id id, java.util.concurrent.atomic.AtomicInteger value) {}

  public ServingMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(ModelVersion mv, Announcement a) {
    String ns = mv.getMetadata().getNamespace();
    String model = mv.getSpec().getModel();
    String name = mv.getMetadata().getName();
    if ("Rejected".equals(a.reason()) || "AnalysisPassed".equals(a.reason())) {
      Counter.builder("modelops_modelversion_analyses").description("Shadow and canary analyses that ended, by result (passed, rejected)")
          .tag("namespace", ns).tag("model", model).tag("modelversion", name).tag("result", a.warning() ? "rejected" : "passed")
          .register(registry).increment();
    } else if (a.warning()) {
      Counter.builder("modelops_modelversion_failures").description("ModelVersions that went Failed, by reason")
          .tag("namespace", ns).tag("model", model).tag("modelversion", name).tag("reason", a.reason()).register(registry).increment();
    } else if ("Promoted".equals(a.reason())) {
      Counter.builder("modelops_modelversion_promotions").description("Moves of a model's production traffic to a version")
          .tag("namespace", ns).tag("model", model).tag("modelversion", name).register(registry).increment();
    }
  }

  /** Publishes whether {@code mv} serves, after its status was recorded. */
  void ready(ModelVersion mv, ModelVersionStatus status) {
    String key = mv.getMetadata().getNamespace() + "/" + mv.getMetadata().getName();
    ModelVersionSpec.Stage stage = mv.getSpec().getStage();
    if (stage != ModelVersionSpec.Stage.Staging && stage != ModelVersionSpec.Stage.Production) {
      forget(key);
      return;
    }
    Ready r = ready.compute(key, (k, old) -> {
      if (old != null && stage.name().equals(old.id().getTag("stage"))) {
        return old;
      }
      if (old != null) {
        registry.remove(old.id());
      }
      java.util.concurrent.atomic.AtomicInteger value = new java.util.concurrent.atomic.AtomicInteger();
      io.micrometer.core.instrument.Gauge g = io.micrometer.core.instrument.Gauge.builder("modelops_modelversion_ready", value, Number::doubleValue)
          .description("1 while a served version (Staging or Production) is Serving with a ready pod")
          .tag("namespace", mv.getMetadata().getNamespace()).tag("model", mv.getSpec().getModel())
          .tag("modelversion", mv.getMetadata().getName()).tag("stage", stage.name()).register(registry);
      return new Ready(g.getId(), value);
    });
    boolean serving = status != null && status.getPhase() == ModelVersionStatus.Phase.Serving
        && status.getReadyReplicas() != null && status.getReadyReplicas() > 0;
    r.value().set(serving ? 1 : 0);
  }

  /**
   * Publishes the measurements of a version's rollout analysis, after its status was recorded:
   * {@code modelops_modelversion_analysis_check{namespace,model,modelversion,check}}, each check's
   * value in the current (or last) step, NaN while there is nothing to measure. A version without
   * an analysis has none.
   */
  void analysis(ModelVersion mv, ModelVersionStatus status) {
    String key = mv.getMetadata().getNamespace() + "/" + mv.getMetadata().getName();
    ModelVersionStatus.Analysis a = status == null ? null : status.getAnalysis();
    if (a == null || a.getChecks() == null) {
      return;
    }
    for (ModelVersionStatus.Check c : a.getChecks()) {
      checks.computeIfAbsent(key + "/" + c.getName(), k -> {
        java.util.concurrent.atomic.AtomicReference<Double> value = new java.util.concurrent.atomic.AtomicReference<>(Double.NaN);
        io.micrometer.core.instrument.Gauge g = io.micrometer.core.instrument.Gauge.builder("modelops_modelversion_analysis_check", value,
                v -> v.get() == null ? Double.NaN : v.get())
            .description("The value of a rollout analysis check in the current (or last) step: predictionDivergence, classDisagreement,"
                + " errorShare, latencyP99 (seconds), accuracy (candidate minus Production)")
            .tag("namespace", mv.getMetadata().getNamespace()).tag("model", mv.getSpec().getModel())
            .tag("modelversion", mv.getMetadata().getName()).tag("check", c.getName()).register(registry);
        return new Check(g.getId(), value);
      }).value().set(c.getValue() == null ? Double.NaN : c.getValue());
    }
  }

  private record Check(io.micrometer.core.instrument.Meter.Id id, java.util.concurrent.atomic.AtomicReference<Double> value) {}

  private final java.util.Map<String, Check> checks = new java.util.concurrent.ConcurrentHashMap<>();

  /** Drops the series of versions that are no longer in {@code known} (namespace/name keys). */
  void retain(java.util.Set<String> known) {
    ready.keySet().stream().filter(k -> !known.contains(k)).toList().forEach(this::forget);
    checks.keySet().stream().filter(k -> !known.contains(k.substring(0, k.lastIndexOf('/')))).toList()
        .forEach(k -> registry.remove(checks.remove(k).id()));
  }

  private void forget(String key) {
    Ready old = ready.remove(key);
    if (old != null) {
      registry.remove(old.id());
    }
  }
}
