package dev.modelops.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.operator.Labels;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The series the chart's alert rules read: bands beside values, and whether the last retrain failed. */
class PolicyMetricsTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final PolicyMetrics metrics = new PolicyMetrics(registry);

  @Test
  void aCheckPublishesItsBandsWithTheModelAndForgetsThemWithThePolicy() {
    DriftPolicySpec.Check check = new DriftPolicySpec.Check();
    check.setMetric(DriftPolicySpec.CheckMetric.featureDrift);
    check.setFeature("age");
    check.setRetrain(0.2);
    check.setAlert(0.5);
    metrics.bands("team-a", "churn-drift", "churn", check);
    String scrape = registry.scrape();
    assertThat(scrape).contains("modelops_driftpolicy_check_band{band=\"alert\",feature=\"age\",metric=\"featureDrift\",model=\"churn\",namespace=\"team-a\",policy=\"churn-drift\"} 0.5")
        .contains("band=\"retrain\",feature=\"age\",metric=\"featureDrift\",model=\"churn\",namespace=\"team-a\",policy=\"churn-drift\"} 0.2")
        .contains("band=\"warn\",feature=\"age\",metric=\"featureDrift\",model=\"churn\",namespace=\"team-a\",policy=\"churn-drift\"} NaN");

    check.setAlert(0.6);
    metrics.bands("team-a", "churn-drift", "churn", check);
    assertThat(registry.scrape()).contains("band=\"alert\",feature=\"age\",metric=\"featureDrift\",model=\"churn\",namespace=\"team-a\",policy=\"churn-drift\"} 0.6");

    metrics.remove("team-a", "churn-drift");
    assertThat(registry.scrape()).doesNotContain("modelops_driftpolicy_check_band{");
  }

  @Test
  void aModelAgeCheckHasNoNumericBands() {
    DriftPolicySpec.Check check = new DriftPolicySpec.Check();
    check.setMetric(DriftPolicySpec.CheckMetric.modelAge);
    check.setRetrainAfter("30d");
    metrics.bands("team-a", "p", "churn", check);
    assertThat(registry.scrape()).doesNotContain("modelops_driftpolicy_check_band{");
  }

  @Test
  void theLastRetrainFailedWhenTheNewestFinishedRetrainFailed() {
    assertThat(RetrainExperiment.lastFailed(List.of())).isFalse();
    assertThat(RetrainExperiment.lastFailed(List.of(retrain(1, ExperimentStatus.Phase.Failed), retrain(2, ExperimentStatus.Phase.Succeeded))))
        .as("a later success").isFalse();
    assertThat(RetrainExperiment.lastFailed(List.of(retrain(1, ExperimentStatus.Phase.Succeeded), retrain(2, ExperimentStatus.Phase.Failed),
        retrain(3, null)))).as("the newest finished one failed; a running one does not count yet").isTrue();

    metrics.lastRetrainFailed("team-a", "p", "churn", true);
    assertThat(registry.scrape()).contains("modelops_driftpolicy_last_retrain_failed{model=\"churn\",namespace=\"team-a\",policy=\"p\"} 1.0");
    metrics.lastRetrainFailed("team-a", "p", "churn", false);
    assertThat(registry.scrape()).contains("modelops_driftpolicy_last_retrain_failed{model=\"churn\",namespace=\"team-a\",policy=\"p\"} 0.0");
  }

  static Experiment retrain(int n, ExperimentStatus.Phase phase) {
    Experiment e = new Experiment();
    e.setMetadata(new ObjectMetaBuilder().withName("p-retrain-" + n).withLabels(Map.of(Labels.RETRAIN_INDEX, Integer.toString(n))).build());
    if (phase != null) {
      ExperimentStatus s = new ExperimentStatus();
      s.setPhase(phase);
      e.setStatus(s);
    }
    return e;
  }
}
