package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.bundle.CsrBuilder;
import dev.modelops.bundle.Manifest;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.ModelKind;
import dev.modelops.bundle.Scorer;
import dev.modelops.bundle.StorageLocation;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression (Ames sale prices) and multi-class (the four HPC run-time classes) models trained
 * on real data: the bundle's Java evaluator gives xgboost4j's output for every row of the file,
 * the metrics of each kind, and bad labels refused naming the column and the value.
 */
class ModelKindsTrialTest {
  @TempDir Path tmp;

  private Trial.Outcome train(String yaml, String out) throws Exception {
    Path exp = Fixtures.write(tmp, "exp-" + out + ".yaml", yaml);
    return Trial.run(ExperimentLoader.read(exp), tmp, Map.of(), tmp.resolve(out).toString(), StorageLocation.pvcRoot());
  }

  @ParameterizedTest
  @CsvSource({"reg:squarederror, gbtree", "reg:squarederror, dart", "reg:squarederror, gblinear", "reg:absoluteerror, gbtree",
      "reg:pseudohubererror, gbtree"})
  void aRegressionBundleGivesXGBoostsValueForEveryRow(String objective, String booster) throws Exception {
    String params = switch (booster) {
      case "gblinear" -> "booster: gblinear, num_round: 200, eta: 0.5, lambda: 0";
      case "dart" -> "booster: dart, num_round: 200, max_depth: 4, eta: 0.1, rate_drop: 0.1";
      default -> "booster: gbtree, num_round: 200, max_depth: 4, eta: 0.1";
    } + (objective.equals("reg:pseudohubererror") ? ", huber_slope: 20000" : "");
    Trial.Outcome o = train(Fixtures.ames(objective, "rmse", params), "ames-" + booster + objective.replace(':', '-'));
    ModelBundle bundle = ModelBundle.read(o.bundleDir());
    assertThat(bundle.kind()).isEqualTo(ModelKind.REGRESSION);
    assertThat(bundle.manifest().objective()).isEqualTo(objective);
    assertThat(bundle.manifest().positiveClass()).isNull();

    Path csv = Fixtures.DATA.resolve("ames-housing.csv");
    List<Map<String, Object>> rows = TrialTest.rawRecords(csv, bundle.features());
    double[][] expected = xgboostOnEveryRow(bundle, rows);
    try (Scorer scorer = bundle.newScorer()) {
      double largest = 0;
      for (int r = 0; r < rows.size(); r++) {
        double v = scorer.value(rows.get(r));
        assertThat(v).as("%s %s row %d", objective, booster, r).isCloseTo(expected[r][0], within(1e-6));
        largest = Math.max(largest, Math.abs(v - expected[r][0]));
      }
      for (int i = 0; i < o.validationRows().length; i++) {
        assertThat(scorer.value(rows.get(o.validationRows()[i]))).isCloseTo(o.validationPredictions()[i][0], within(1e-6));
      }
      System.out.printf("ames %s %s: largest difference to xgboost4j over %d rows %.3g; held-out rmse %.0f, mae %.0f, r2 %.3f%n",
          objective, booster, rows.size(), largest, o.metrics().get("rmse"), o.metrics().get("mae"), o.metrics().get("r2"));
    }
    assertThat(o.metrics()).containsOnlyKeys("rmse", "mae", "r2");
    assertThat(o.objective()).isEqualTo(o.metrics().get("rmse"));
    if (!booster.equals("gblinear")) {
      // The RandomForest reference (5-fold CV) is an rmse of 27,550, r2 0.879.
      assertThat(o.metrics().get("r2")).isGreaterThan(0.85);
    }
    // Drift bins: the deciles of the training predictions, so the held-out predictions spread over all ten.
    assertThat(bundle.profile().prediction().cuts()).hasSize(9);
    assertThat(Arrays.stream(bundle.profile().prediction().proportions()).sum()).isCloseTo(1.0, within(1e-9));
    for (double share : bundle.profile().prediction().proportions()) {
      assertThat(share).isBetween(0.03, 0.2);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gbtree", "dart", "gblinear"})
  void aMultiClassBundleGivesXGBoostsProbabilitiesForEveryRow(String booster) throws Exception {
    String params = switch (booster) {
      case "gblinear" -> "booster: gblinear, num_round: 100, eta: 0.5";
      case "dart" -> "booster: dart, num_round: 150, max_depth: 6, eta: 0.1, rate_drop: 0.1";
      default -> "booster: gbtree, num_round: 150, max_depth: 6, eta: 0.1";
    };
    Trial.Outcome o = train(Fixtures.hpc(params), "hpc-" + booster);
    ModelBundle bundle = ModelBundle.read(o.bundleDir());
    assertThat(bundle.kind()).isEqualTo(ModelKind.MULTICLASS);
    assertThat(bundle.classes()).containsExactly("F", "L", "M", "VF");
    assertThat(bundle.classIndex("VF")).isEqualTo(3);

    Path csv = Fixtures.DATA.resolve("hpc-jobs.csv");
    List<Map<String, Object>> rows = TrialTest.rawRecords(csv, bundle.features());
    double[][] expected = xgboostOnEveryRow(bundle, rows);
    try (Scorer scorer = bundle.newScorer()) {
      double largest = 0;
      for (int r = 0; r < rows.size(); r++) {
        double[] p = scorer.probabilities(rows.get(r));
        assertThat(p).as("%s row %d", booster, r).containsExactly(expected[r], within(1e-6));
        for (int k = 0; k < p.length; k++) {
          largest = Math.max(largest, Math.abs(p[k] - expected[r][k]));
        }
      }
      for (int i = 0; i < o.validationRows().length; i++) {
        assertThat(scorer.probabilities(rows.get(o.validationRows()[i]))).containsExactly(o.validationPredictions()[i], within(1e-6));
      }
      System.out.printf("hpc %s: largest difference to xgboost4j over %d rows x 4 classes %.3g; held-out accuracy %.3f, macro_f1 %.3f,"
          + " mlogloss %.3f%n", booster, rows.size(), largest, o.metrics().get("accuracy"), o.metrics().get("macro_f1"), o.metrics().get("mlogloss"));
    }
    assertThat(o.metrics()).containsOnlyKeys("accuracy", "macro_f1", "mlogloss");
    assertThat(o.objective()).isEqualTo(o.metrics().get("macro_f1"));
    if (!booster.equals("gblinear")) {
      // The RandomForest reference (5-fold CV): accuracy 0.841, macro-F1 0.807.
      assertThat(o.metrics().get("accuracy")).isGreaterThan(0.78);
    }
    assertThat(o.classMetrics()).containsOnlyKeys("F", "L", "M", "VF");
    assertThat(o.classMetrics().get("VF")).containsOnlyKeys("precision", "recall", "f1");
    assertThat(bundle.manifest().classMetrics()).isEqualTo(o.classMetrics());
    double meanF1 = o.classMetrics().values().stream().mapToDouble(m -> m.get("f1")).average().orElseThrow();
    assertThat(o.metrics().get("macro_f1")).isCloseTo(meanF1, within(1e-12));
    // Drift bins: the predicted class shares over the class index (VF, about half the rows, the most predicted).
    assertThat(bundle.profile().prediction().cuts()).containsExactly(0.5, 1.5, 2.5);
    assertThat(Arrays.stream(bundle.profile().prediction().proportions()).sum()).isCloseTo(1.0, within(1e-9));
    assertThat(bundle.profile().prediction().proportions()[3]).isBetween(0.4, 0.7);
  }

  @Test
  void earlyStoppingWatchesARegressionsRmseAndTheBundleHoldsTheRoundsItFound() throws Exception {
    Trial.Outcome o = train(Fixtures.ames("reg:squarederror", "rmse", "num_round: 2000, eta: 0.3, max_depth: 4, early_stopping_rounds: 10"),
        "ames-stopped");
    int rounds = Integer.parseInt(o.params().get("num_round"));
    assertThat(rounds).isBetween(11, 1999);
    assertThat(ModelBundle.read(o.bundleDir()).model().treeCount()).isEqualTo(rounds);
    assertThat(o.metrics().get("r2")).isGreaterThan(0.85);
  }

  /** Each kind of model, with early stopping where it applies, trained without refit and with it. */
  @ParameterizedTest
  @CsvSource({"hpc-jobs.csv, 4331", "ames-housing.csv, 2930", "telco-churn.csv, 7043"})
  void aRefitBundleIsTrainedOnEveryRowAndKeepsTheMetricsOfTheModelBeforeIt(String file, int rows) throws Exception {
    String yaml = switch (file) {
      case "hpc-jobs.csv" -> Fixtures.hpc("num_round: 500, max_depth: 6, eta: 0.3, early_stopping_rounds: 10");
      case "ames-housing.csv" -> Fixtures.ames("reg:squarederror", "rmse", "num_round: 2000, eta: 0.3, max_depth: 4, early_stopping_rounds: 10");
      default -> Fixtures.churn(Fixtures.DATA.resolve(file).toString(), "");
    };
    Map<String, String> trial = file.startsWith("telco") ? Map.of("max_depth", "4", "eta", "0.1", "booster", "gbtree") : Map.of();
    Trial.Outcome held = Trial.run(ExperimentLoader.read(Fixtures.write(tmp, "held.yaml", yaml)), tmp, trial, tmp.resolve("held-" + file).toString(),
        StorageLocation.pvcRoot());
    String refitYaml = yaml.replaceFirst("(?m)^( +)label: (.*)$", "$1label: $2\n$1refit: true");
    Trial.Outcome refit = Trial.run(ExperimentLoader.read(Fixtures.write(tmp, "refit.yaml", refitYaml)), tmp, trial,
        tmp.resolve("refit-" + file).toString(), StorageLocation.pvcRoot());
    ModelBundle heldBundle = ModelBundle.read(held.bundleDir());
    ModelBundle refitBundle = ModelBundle.read(refit.bundleDir());

    assertThat(refit.metrics()).isEqualTo(held.metrics());
    assertThat(refit.params()).isEqualTo(held.params());
    assertThat(refitBundle.manifest().metrics()).isEqualTo(heldBundle.manifest().metrics());
    assertThat(heldBundle.manifest().training()).isEqualTo(new Manifest.Training(rows - held.validationRows().length, false));
    assertThat(refitBundle.manifest().training()).isEqualTo(new Manifest.Training(rows, true));
    // The early-stopped number of rounds, on more rows.
    assertThat(refitBundle.model().treeCount()).isEqualTo(heldBundle.model().treeCount());
    assertThat(Files.readAllBytes(refitBundle.dir().resolve("model.ubj"))).isNotEqualTo(Files.readAllBytes(heldBundle.dir().resolve("model.ubj")));
    assertThat(refitBundle.pipeline().features()).isEqualTo(heldBundle.pipeline().features());

    List<Map<String, Object>> records = TrialTest.rawRecords(Fixtures.DATA.resolve(file), refitBundle.features());
    double[][] before = xgboostOnEveryRow(heldBundle, records);
    double[][] after = xgboostOnEveryRow(refitBundle, records);
    int differ = 0;
    try (Scorer scorer = refitBundle.newScorer()) {
      for (int r = 0; r < records.size(); r++) {
        double[] p = switch (refitBundle.kind()) {
          case MULTICLASS -> scorer.probabilities(records.get(r));
          case REGRESSION -> new double[] {scorer.value(records.get(r))};
          default -> new double[] {scorer.score(records.get(r))};
        };
        assertThat(p).as("%s row %d", file, r).containsExactly(after[r], within(1e-6));
        differ += Arrays.equals(before[r], after[r]) ? 0 : 1;
      }
    }
    assertThat(differ).isGreaterThan(records.size() / 2);
  }

  /** xgboost4j's own predictions for every row, from the model file in the bundle and the rows encoded by its pipeline. */
  private static double[][] xgboostOnEveryRow(ModelBundle bundle, List<Map<String, Object>> records) throws Exception {
    CsrBuilder csr = new CsrBuilder(bundle.pipeline(), records.size());
    try (Scorer scorer = bundle.newScorer()) {
      for (Map<String, Object> record : records) {
        csr.add(scorer.values(record));
      }
    }
    DMatrix m = new DMatrix(csr.headers(), csr.columns(), csr.values(), DMatrix.SparseType.CSR, bundle.pipeline().width());
    Booster booster = XGBoost.loadModel(Files.readAllBytes(bundle.dir().resolve("model.ubj")));
    try {
      return Trial.widen(booster.predict(m));
    } finally {
      booster.dispose();
      m.dispose();
    }
  }

  private static CsvLoader.Data load(String yaml, String csv) throws Exception {
    ExperimentSpec spec = ExperimentLoader.parse(yaml, "test.yaml");
    return CsvLoader.load(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), "data.csv", spec.getDataset(),
        spec.getAlgorithm().getObjective());
  }

  @Test
  void aRegressionLabelThatIsNotANumberIsRefusedNamingTheColumnAndTheValue() {
    String yaml = """
        spec:
          model: ames
          dataset: {uri: data.csv, label: Sale_Price, features: {numeric: [Gr_Liv_Area]}}
          algorithm: {objective: reg:squarederror}
          objective: {metric: rmse, goal: minimize}
        """;
    assertThatThrownBy(() -> load(yaml, "Gr_Liv_Area,Sale_Price\n1000,150000\n1200,about 200k\n"))
        .isInstanceOf(TrainerInputException.class)
        .hasMessage("the label column 'Sale_Price' holds \"about 200k\" in data row 2 of data.csv; objective reg:squarederror predicts a"
            + " number, so every label must be a finite number");
  }

  @Test
  void aMultiClassLabelNeedsTwoToAHundredClasses() throws Exception {
    String yaml = Fixtures.hpc("");
    assertThatThrownBy(() -> load(yaml, header() + "\"E\",1,1,1,0,1,\"Tue\",\"VF\"\n\"E\",2,1,1,0,1,\"Tue\",\"VF\"\n"))
        .isInstanceOf(TrainerInputException.class)
        .hasMessage("the label column 'class' has a single class ('VF'); objective multi:softprob needs at least 2 classes");
    StringBuilder many = new StringBuilder(header());
    for (int i = 0; i <= CsvLoader.MAX_CLASSES; i++) {
      many.append("\"E\",1,1,1,0,1,\"Tue\",\"job-").append(1000 + i).append("\"\n");
    }
    assertThatThrownBy(() -> load(yaml, many.toString()))
        .hasMessage("the label column 'class' has 101 distinct values (e.g. 'job-1000', 'job-1100'); objective multi:softprob allows at most"
            + " 100 classes: for a number use a regression objective (reg:squarederror)");
    CsvLoader.Data ok = load(yaml, header() + "\"E\",1,1,1,0,1,\"Tue\",\"VF\"\n\"E\",2,1,1,0,1,\"Tue\",\"F\"\n\"E\",2,1,1,0,1,\"Tue\",\"VF\"\n");
    assertThat(ok.classes()).containsExactly("F", "VF");
    assertThat(ok.labels()).containsExactly(1, 0, 1);
  }

  private static String header() {
    return "protocol,compounds,input_fields,iterations,num_pending,hour,day,class\n";
  }

  @Test
  void anObjectiveInTheParametersThatDiffersFromTheSpecsIsRefused() {
    assertThatThrownBy(() -> TrialParameters.booster(Map.of("objective", "binary:logistic"), 1,
        dev.modelops.api.v1alpha1.LearningObjective.REG_SQUARED_ERROR))
        .isInstanceOf(TrainerInputException.class)
        .hasMessage("objective=binary:logistic in the parameters differs from spec.algorithm.objective reg:squarederror; set the objective in"
            + " spec.algorithm.objective only");
  }

  @Test
  void aMetricThatDoesNotFitTheObjectiveIsRefusedBeforeABundleIsWritten() throws Exception {
    Path exp = Fixtures.write(tmp, "bad.yaml", Fixtures.ames("reg:squarederror", "roc_auc", "num_round: 5").replace("goal: minimize", "goal: maximize"));
    assertThatThrownBy(() -> Trial.run(ExperimentLoader.read(exp), tmp, Map.of(), tmp.resolve("bad").toString(), StorageLocation.pvcRoot()))
        .isInstanceOf(TrainerInputException.class)
        .hasMessage("spec.objective.metric roc_auc does not fit spec.algorithm.objective reg:squarederror; it is measured by rmse, mae, r2");
    assertThat(tmp.resolve("bad").resolve(ModelBundle.MANIFEST)).doesNotExist();
  }

  @Test
  void theValidationSplitOfARegressionIsASeededShareOfAllRows() {
    int[][] a = Trial.randomSplit(1000, 0.2, 3);
    assertThat(a[1]).hasSize(200).isSorted().isEqualTo(Trial.randomSplit(1000, 0.2, 3)[1]);
    assertThat(a[0]).hasSize(800);
    List<Integer> all = new ArrayList<>();
    Arrays.stream(a[0]).forEach(all::add);
    Arrays.stream(a[1]).forEach(all::add);
    assertThat(all).doesNotHaveDuplicates().hasSize(1000);
    assertThat(Trial.randomSplit(1000, 0.2, 4)[1]).isNotEqualTo(a[1]);
  }

  @Test
  void aStratifiedSplitKeepsEachOfManyClassesShare() {
    int[] labels = new int[1000];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 10 < 5 ? 3 : i % 10 < 8 ? 0 : i % 10 < 9 ? 1 : 2;
    }
    int[] valid = Trial.stratifiedSplit(labels, 0.2, 1)[1];
    long[] counts = new long[4];
    Arrays.stream(valid).forEach(i -> counts[labels[i]]++);
    assertThat(counts).containsExactly(60, 20, 20, 100);
  }
}
