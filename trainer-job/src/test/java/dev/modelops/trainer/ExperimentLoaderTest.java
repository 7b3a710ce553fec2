package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import org.junit.jupiter.api.Test;

/** A spec that never passed the API server gets the schema's defaults, once, when it is read. */
class ExperimentLoaderTest {
  @Test
  void theSchemaDefaultsAreFilledInWhereTheSpecIsSilent() {
    ExperimentSpec spec = ExperimentLoader.parse("""
        model: churn
        dataset: {uri: data.csv, label: churn, positiveClass: "Yes", features: {numeric: [tenure], text: [review]}}
        objective: {metric: accuracy}
        """, "test");
    assertThat(spec.getDataset().getSeed()).isEqualTo(42L);
    assertThat(spec.getDataset().getValidationSplit()).isEqualTo(0.2);
    assertThat(spec.getDataset().getFeatures().getCategoricalMinCount()).isEqualTo(5);
    assertThat(spec.getDataset().getFeatures().getTextOptions().getMaxVocabulary()).isEqualTo(20000);
    assertThat(spec.getTrainer().getTimeout()).isEqualTo("1h");
    assertThat(spec.getAlgorithm().getName()).isEqualTo(ExperimentSpec.AlgorithmName.XGBOOST);

    ExperimentSpec written = ExperimentLoader.parse("""
        model: churn
        dataset: {uri: data.csv, label: churn, positiveClass: "Yes", features: {numeric: [tenure]}, seed: 7, validationSplit: 0.3}
        objective: {metric: accuracy}
        """, "test");
    assertThat(written.getDataset().getSeed()).as("what the spec says stays").isEqualTo(7L);
    assertThat(written.getDataset().getValidationSplit()).isEqualTo(0.3);
  }
}
