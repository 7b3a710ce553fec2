package dev.modelops.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** modelops_modelversion_ready, which the chart's ModelNotReady alert reads. */
class ServingMetricsTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final ServingMetrics metrics = new ServingMetrics(registry);

  @Test
  void aServedVersionIsReadyWhileServingWithAReadyPodAndLosesItsSeriesWhenNoLongerServed() {
    ModelVersion mv = version(ModelVersionSpec.Stage.Production);
    metrics.ready(mv, status(ModelVersionStatus.Phase.Deploying, 0));
    assertThat(registry.scrape()).contains(
        "modelops_modelversion_ready{model=\"churn\",modelversion=\"churn-v3\",namespace=\"team-a\",stage=\"Production\"} 0.0");
    metrics.ready(mv, status(ModelVersionStatus.Phase.Serving, 2));
    assertThat(registry.scrape()).contains(
        "modelops_modelversion_ready{model=\"churn\",modelversion=\"churn-v3\",namespace=\"team-a\",stage=\"Production\"} 1.0");

    mv.getSpec().setStage(ModelVersionSpec.Stage.Staging);
    metrics.ready(mv, status(ModelVersionStatus.Phase.Serving, 1));
    assertThat(registry.scrape()).contains("stage=\"Staging\"} 1.0").doesNotContain("stage=\"Production\"");

    mv.getSpec().setStage(ModelVersionSpec.Stage.Archived);
    metrics.ready(mv, status(ModelVersionStatus.Phase.Archived, 0));
    assertThat(registry.scrape()).doesNotContain("modelops_modelversion_ready{");
  }

  @Test
  void aVersionGoneFromTheCacheLosesItsSeries() {
    metrics.ready(version(ModelVersionSpec.Stage.Production), status(ModelVersionStatus.Phase.Serving, 1));
    metrics.retain(Set.of("team-a/churn-v3"));
    assertThat(registry.scrape()).contains("modelops_modelversion_ready{");
    metrics.retain(Set.of("team-a/other"));
    assertThat(registry.scrape()).doesNotContain("modelops_modelversion_ready{");
  }

  @Test
  void aRolloutAnalysisPublishesEachChecksValueUntilTheVersionIsGone() {
    ModelVersion mv = version(ModelVersionSpec.Stage.Production);
    ModelVersionStatus s = status(ModelVersionStatus.Phase.Analysing, 1);
    s.setAnalysis(new ModelVersionStatus.Analysis());
    s.getAnalysis().setChecks(RolloutAnalysis.checks(new ShadowReading("churn-v3/1/1", 250, 0, 250, 25, new long[] {50, 200}, new long[] {100, 150},
        0, 0, 0, new double[] {0.01}, new long[] {250, 0}), null));
    metrics.analysis(mv, s);
    assertThat(registry.scrape()).contains(
        "modelops_modelversion_analysis_check{check=\"classDisagreement\",model=\"churn\",modelversion=\"churn-v3\",namespace=\"team-a\"} 0.1")
        .contains("check=\"latencyP99\",model=\"churn\",modelversion=\"churn-v3\",namespace=\"team-a\"} 0.01");
    metrics.retain(Set.of("team-a/other"));
    assertThat(registry.scrape()).doesNotContain("modelops_modelversion_analysis_check{");
  }

  static ModelVersion version(ModelVersionSpec.Stage stage) {
    ModelVersion mv = new ModelVersion();
    mv.setMetadata(new ObjectMetaBuilder().withName("churn-v3").withNamespace("team-a").build());
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel("churn");
    spec.setStage(stage);
    mv.setSpec(spec);
    return mv;
  }

  static ModelVersionStatus status(ModelVersionStatus.Phase phase, int ready) {
    ModelVersionStatus s = new ModelVersionStatus();
    s.setPhase(phase);
    s.setReadyReplicas(ready);
    return s;
  }
}
