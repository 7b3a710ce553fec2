package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The regression and multi-class metrics on cases small enough to work out by hand. */
class EvaluationTest {
  @Test
  void regressionErrorsAndTheShareOfVarianceExplained() {
    // Labels 1, 2, 3, 6 (mean 3, squares about the mean 4 + 1 + 0 + 9 = 14); errors 1, 0, -1, 2.
    Evaluation.Result r = Evaluation.regression(new double[] {1, 2, 3, 6}, new double[] {2, 2, 2, 8});
    assertThat(r.metrics().get("rmse")).isCloseTo(Math.sqrt(6.0 / 4), within(1e-12));
    assertThat(r.metrics().get("mae")).isCloseTo(4.0 / 4, within(1e-12));
    assertThat(r.metrics().get("r2")).isCloseTo(1 - 6.0 / 14, within(1e-12));
    assertThat(Evaluation.regression(new double[] {1, 2, 3}, new double[] {2, 2, 2}).metrics().get("r2"))
        .as("predicting the mean explains nothing").isCloseTo(0, within(1e-12));
  }

  @Test
  void multiClassMetricsCountEveryClassTheSameHoweverRare() {
    // Truth a, a, a, b, c; predicted a, a, b, b, a (c is never predicted).
    double[][] p = {{0.7, 0.2, 0.1}, {0.5, 0.3, 0.2}, {0.2, 0.6, 0.2}, {0.1, 0.8, 0.1}, {0.6, 0.1, 0.3}};
    Evaluation.Result r = Evaluation.multiClass(new int[] {0, 0, 0, 1, 2}, p, List.of("a", "b", "c"));
    assertThat(r.metrics().get("accuracy")).isCloseTo(3.0 / 5, within(1e-12));
    // a: precision 2/3, recall 2/3, f1 2/3; b: precision 1/2, recall 1, f1 2/3; c: 0.
    assertThat(r.classMetrics().get("a")).containsEntry("recall", 2.0 / 3);
    assertThat(r.classMetrics().get("b")).containsEntry("precision", 0.5).containsEntry("recall", 1.0);
    assertThat(r.classMetrics().get("c")).isEqualTo(Map.of("precision", 0.0, "recall", 0.0, "f1", 0.0));
    assertThat(r.metrics().get("macro_f1")).isCloseTo((2.0 / 3 + 2.0 / 3 + 0) / 3, within(1e-12));
    double logLoss = -(Math.log(0.7) + Math.log(0.5) + Math.log(0.2) + Math.log(0.8) + Math.log(0.3)) / 5;
    assertThat(r.metrics().get("mlogloss")).isCloseTo(logLoss, within(1e-12));
    assertThat(r.confusion()).isNull();
  }
}
