package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.modelops.bundle.XGBoostModel;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundle's Java evaluator against xgboost4j itself, on data with missing values, for every
 * booster the trainer can produce and both model file formats.
 */
class XGBoostModelCompatibilityTest {
  private static final int ROWS = 2000;
  private static final int COLS = 12;

  @ParameterizedTest
  @ValueSource(strings = {"gbtree", "dart", "gblinear"})
  void javaPredictionsEqualXGBoostsForEveryRow(String boosterName) throws Exception {
    Random random = new Random(5);
    float[] data = new float[ROWS * COLS];
    float[] labels = new float[ROWS];
    for (int r = 0; r < ROWS; r++) {
      double signal = 0;
      for (int c = 0; c < COLS; c++) {
        // Some columns are often missing; some take few distinct values, so rows hit thresholds exactly.
        boolean missing = random.nextDouble() < (c % 3 == 0 ? 0.3 : 0.02);
        float v = c % 4 == 1 ? random.nextInt(4) : (float) random.nextGaussian();
        data[r * COLS + c] = missing ? Float.NaN : v;
        signal += missing ? 0.5 : v * (c % 2 == 0 ? 1 : -0.5);
      }
      labels[r] = signal + random.nextGaussian() > 0.5 ? 1 : 0;
    }
    DMatrix m = new DMatrix(data, ROWS, COLS, Float.NaN);
    m.setLabel(labels);
    Map<String, Object> params = new HashMap<>();
    params.put("booster", boosterName);
    params.put("objective", "binary:logistic");
    params.put("max_depth", 5);
    params.put("eta", 0.3);
    params.put("nthread", 1);
    params.put("seed", 1);
    if (boosterName.equals("dart")) {
      params.put("rate_drop", 0.2);
      params.put("skip_drop", 0.0);
    }
    Booster booster = XGBoost.train(m, params, 40, Map.of(), null, null);
    try {
      float[][] expected = booster.predict(m);
      for (String format : new String[] {"json", "ubj"}) {
        XGBoostModel model = XGBoostModel.read(booster.toByteArray(format));
        assertThat(model.booster()).isEqualTo(boosterName);
        assertThat(model.featureCount()).isEqualTo(COLS);
        double maxDiff = 0;
        float[] row = new float[COLS];
        for (int r = 0; r < ROWS; r++) {
          System.arraycopy(data, r * COLS, row, 0, COLS);
          double p = model.predict(row);
          assertThat(p).as("%s %s row %d", boosterName, format, r).isCloseTo(expected[r][0], within(1e-6));
          maxDiff = Math.max(maxDiff, Math.abs(p - expected[r][0]));
        }
        System.out.printf("%s/%s: largest difference to xgboost4j over %d rows: %.3g%n", boosterName, format, ROWS, maxDiff);
      }
    } finally {
      booster.dispose();
      m.dispose();
    }
  }
}
