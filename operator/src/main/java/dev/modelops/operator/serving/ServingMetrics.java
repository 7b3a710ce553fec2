package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.operator.Announcement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The operator's metrics about serving, for Prometheus alert rules (the chart's PrometheusRule):
 * {@code modelops_modelversion_failures_total{namespace,model,modelversion,reason}} counts versions
 * that went Failed (crash loop, image that cannot be pulled, bundle that cannot load, progress
 * deadline), and {@code modelops_modelversion_promotions_total{namespace,model,modelversion}} the
 * moves of a model's production traffic. Both are counted from the decision's Events, so a metric
 * and its Event never disagree.
 */
public final class ServingMetrics {
  private final MeterRegistry registry;

  public ServingMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(ModelVersion mv, Announcement a) {
    String ns = mv.getMetadata().getNamespace();
    String model = mv.getSpec().getModel();
    String name = mv.getMetadata().getName();
    if (a.warning()) {
      Counter.builder("modelops_modelversion_failures").description("ModelVersions that went Failed, by reason")
          .tag("namespace", ns).tag("model", model).tag("modelversion", name).tag("reason", a.reason()).register(registry).increment();
    } else if ("Promoted".equals(a.reason())) {
      Counter.builder("modelops_modelversion_promotions").description("Moves of a model's production traffic to a version")
          .tag("namespace", ns).tag("model", model).tag("modelversion", name).register(registry).increment();
    }
  }
}
