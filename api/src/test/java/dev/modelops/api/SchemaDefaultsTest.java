package dev.modelops.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.SchemaDefaults;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SchemaDefaults reads the defaults from the annotations the CRDs are generated from; that it
 * fills in exactly what the API server fills in is ExamplesOnApiServerIT's question.
 */
class SchemaDefaultsTest {
  @Test
  void unsetFieldsGetTheirAnnotatedDefaultsNestedObjectsAndListItemsToo() {
    DriftPolicySpec spec = new DriftPolicySpec();
    DriftPolicySpec.Retrain retrain = new DriftPolicySpec.Retrain();
    retrain.setCooldown("1h");
    spec.setRetrain(retrain);
    spec.setInterval("1m");
    spec.setChecks(List.of(new DriftPolicySpec.Check()));
    SchemaDefaults.apply(spec);
    assertThat(spec.getInterval()).as("set: kept").isEqualTo("1m");
    assertThat(spec.getMinSamples()).isEqualTo(500);
    assertThat(spec.getSource().getType()).as("{} then the enum's default").isEqualTo(DriftPolicySpec.SourceType.MODEL_SERVER);
    assertThat(retrain.getCooldown()).isEqualTo("1h");
    assertThat(retrain.getMaxConcurrent()).isEqualTo(1);
    assertThat(spec.getAlert()).as("no default: stays unset").isNull();
  }
}
