package dev.modelops.server.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.bundle.ModelKind;
import dev.modelops.server.Prediction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a shadow comparison counts for each kind of model. */
class ShadowComparisonTest {
  static Map<String, Object> snapshot(ShadowComparison c) {
    Map<String, Object> out = new LinkedHashMap<>();
    c.snapshot(out);
    return out;
  }

  @Test
  void multiClassCountsClassDisagreementsAndFeedbackPerServer() {
    ShadowComparison c = new ShadowComparison("jobs", ModelKind.MULTICLASS, 4, 100, new SimpleMeterRegistry());
    Prediction[] production = {
        Prediction.ofClasses("a", 3, new double[] {0.1, 0.1, 0.1, 0.7}),
        Prediction.ofClasses("b", 0, new double[] {0.7, 0.1, 0.1, 0.1}),
        Prediction.ofClasses("c", 2, new double[] {0.1, 0.1, 0.7, 0.1})};
    // The candidate read back by label: the same class, another, and one Production's model does not know (-1).
    Prediction[] candidate = {new Prediction(null, 3, Double.NaN, Double.NaN, null), new Prediction(null, 1, Double.NaN, Double.NaN, null),
        new Prediction(null, -1, Double.NaN, Double.NaN, null)};
    c.compare(production, candidate);
    c.label("a", 3);
    c.label("b", 1);
    c.label("c", 2);
    Map<String, Object> s = snapshot(c);
    assertThat(s.get("rows")).isEqualTo(3L);
    assertThat(s.get("disagreements")).isEqualTo(2L);
    assertThat(s.get("feedback")).isEqualTo(Map.of("labelled", 3L, "productionCorrect", 2L, "candidateCorrect", 2L));
  }

  @Test
  void regressionCountsRowsOnly() {
    ShadowComparison c = new ShadowComparison("houses", ModelKind.REGRESSION, 2, 100, new SimpleMeterRegistry());
    c.compare(new Prediction[] {Prediction.ofValue("a", 100_000)}, new Prediction[] {Prediction.ofValue(null, 120_000)});
    c.label("a", 0);
    Map<String, Object> s = snapshot(c);
    assertThat(s.get("rows")).isEqualTo(1L);
    assertThat(s.get("disagreements")).isEqualTo(0L);
    assertThat(((Map<?, ?>) s.get("feedback")).get("labelled")).isEqualTo(0L);
  }

  @Test
  void binaryStillCountsClassesBinsAndFeedback() {
    ShadowComparison c = new ShadowComparison("churn", ModelKind.BINARY, 2, 100, new SimpleMeterRegistry());
    c.compare(new Prediction[] {new Prediction("a", 1, 0.95), new Prediction("b", 0, 0.05)},
        new Prediction[] {new Prediction(null, 1, 0.85), new Prediction(null, 1, 0.55)});
    c.label("a", 1);
    c.label("b", 0);
    Map<String, Object> s = snapshot(c);
    assertThat(s.get("disagreements")).isEqualTo(1L);
    assertThat(((long[]) ((Map<?, ?>) s.get("bins")).get("candidate"))[5]).isEqualTo(1L);
    assertThat(s.get("feedback")).isEqualTo(Map.of("labelled", 2L, "productionCorrect", 2L, "candidateCorrect", 1L));
  }
}
