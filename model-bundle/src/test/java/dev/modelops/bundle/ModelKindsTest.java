package dev.modelops.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression and multi-class models on hand-built trees (the trainer's tests compare them with
 * xgboost4j on real data): what each kind outputs, the base score, trees assigned to classes,
 * the scorer's method per kind, class labels, and the prediction bins of the drift profile.
 */
class ModelKindsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** The one tree of {@link XGBoostModelTest#treeModel} (leaves 0.5, -0.25, 1.0) under a regression objective. */
  private static String regression(String baseScore) {
    return XGBoostModelTest.treeModel("gbtree", "reg:squarederror", "").replace("\"5E-1\"", "\"" + baseScore + "\"");
  }

  /** Three classes; class k's trees are the one tree with its leaves times (k + 1); class 0 has it twice. */
  private static String multiClass() throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(XGBoostModelTest.treeModel("gbtree", "multi:softprob", ""));
    ObjectNode learner = (ObjectNode) root.get("learner");
    ((ObjectNode) learner.get("learner_model_param")).put("num_class", "3");
    ObjectNode model = (ObjectNode) learner.get("gradient_booster").get("model");
    ObjectNode tree = (ObjectNode) model.get("trees").get(0);
    ArrayNode trees = model.putArray("trees");
    ArrayNode info = model.putArray("tree_info");
    int[] classes = {0, 1, 2, 0};
    for (int t = 0; t < classes.length; t++) {
      ObjectNode copy = tree.deepCopy();
      copy.put("id", t);
      ArrayNode cond = copy.putArray("split_conditions");
      int k = classes[t] + 1;
      for (double v : new double[] {1.0, 0.5 * k, 0.0, -0.25 * k, 1.0 * k}) {
        cond.add(v);
      }
      trees.add(copy);
      info.add(classes[t]);
    }
    return JSON.writeValueAsString(root);
  }

  private static XGBoostModel read(String json) {
    return XGBoostModel.read(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aRegressionModelOutputsItsBaseScorePlusTheLeavesWithNoTransform() {
    XGBoostModel m = read(regression("1.8E5"));
    assertThat(m.kind()).isEqualTo(ModelKind.REGRESSION);
    // reg:squarederror's base score is a value (not a probability turned into a margin), added as it is.
    assertThat(m.predictValue(new float[] {0.5f, 9})).isEqualTo(180000.5f);
    assertThat(m.predictValue(new float[] {2, -1})).isEqualTo(180000f - 0.25f);
    assertThat(m.predictValue(new float[] {Float.NaN, Float.NaN})).as("missing f0: default left").isEqualTo(180000.5f);
    assertThatThrownBy(() -> m.predict(new float[] {0, 0}))
        .isInstanceOf(IllegalStateException.class).hasMessage("the model is regression (objective reg:squarederror), so it has no positive-class probability; Scorer.value gives its output");
  }

  @Test
  void aMultiClassModelSumsEachClassesTreesAndTakesTheSoftmax() throws Exception {
    XGBoostModel m = read(multiClass());
    assertThat(m.kind()).isEqualTo(ModelKind.MULTICLASS);
    assertThat(m.classCount()).isEqualTo(3);
    // f0 < 1: every tree's left leaf, 0.5 (k + 1); class 0 has two trees. The base score 0.5 is added as is.
    double[] margins = {0.5 + 0.5 + 0.5, 0.5 + 1.0, 0.5 + 1.5};
    assertThat(m.predictProbabilities(new float[] {0, 0})).containsExactly(softmax(margins), within(1e-7));
    // f0 >= 1, f1 < 0: the leaves -0.25 (k + 1).
    double[] right = {0.5 - 0.25 - 0.25, 0.5 - 0.5, 0.5 - 0.75};
    assertThat(m.predictProbabilities(new float[] {3, -1})).containsExactly(softmax(right), within(1e-7));
    double[] p = m.predictProbabilities(new float[] {Float.NaN, 7});
    assertThat(p[0] + p[1] + p[2]).isCloseTo(1.0, within(1e-6));
  }

  @Test
  void aLinearMultiClassModelHasOneWeightPerFeatureAndClassThenTheBiases() {
    // Weights by feature then class: f0 -> (1, 2), f1 -> (3, 4); biases (0.1, 0.2).
    XGBoostModel m = read("""
        {"learner":{"gradient_booster":{"model":{"weights":[1.0,2.0,3.0,4.0,0.1,0.2]},"name":"gblinear"},
         "learner_model_param":{"base_score":"5E-1","num_class":"2","num_feature":"2","num_target":"1"},
         "objective":{"name":"multi:softprob"}},"version":[2,0,3]}""");
    assertThat(m.predictProbabilities(new float[] {1, Float.NaN}))
        .containsExactly(softmax(new double[] {0.1 + 0.5 + 1, 0.2 + 0.5 + 2}), within(1e-7));
  }

  @Test
  void theScorerAnswersWithTheMethodOfTheModelsKindAndNamesTheRightOneOtherwise() throws Exception {
    ModelBundle regression = bundle(regression("1E1"), null);
    try (Scorer s = regression.newScorer()) {
      assertThat(s.value(Map.of("x", 0.5, "y", 9))).isEqualTo(10.5);
      assertThat(s.value(record(null, 9))).as("missing x: imputed with its median 0, below 1").isEqualTo(10.5);
      assertThatThrownBy(() -> s.score(Map.of("x", 0.5, "y", 9))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("regression (objective reg:squarederror)").hasMessageContaining("Scorer.value gives its output");
      assertThatThrownBy(() -> s.scoreAll(new Object[][] {{0.5, 9.0}})).hasMessageContaining("Scorer.value gives its output");
      assertThatThrownBy(() -> s.probabilities(Map.of("x", 0.5, "y", 9)))
          .hasMessage("Scorer.probabilities is for multi-class models; this one is regression (objective reg:squarederror): use Scorer.value");
    }
    ModelBundle multi = bundle(multiClass(), List.of("VF", "F", "M"));
    try (Scorer s = multi.newScorer()) {
      assertThat(s.probabilities(Map.of("x", 0.5, "y", 9))).containsExactly(multi.model().predictProbabilities(new float[] {0.5f, 9}));
      assertThatThrownBy(() -> s.value(Map.of("x", 0.5, "y", 9))).hasMessageContaining("use Scorer.probabilities");
    }
    assertThat(multi.kind()).isEqualTo(ModelKind.MULTICLASS);
    assertThat(multi.classes()).containsExactly("VF", "F", "M");
    assertThat(multi.classIndex("M")).isEqualTo(2);
    assertThatThrownBy(() -> multi.classIndex("XL")).isInstanceOf(RecordException.class)
        .hasMessage("class: unknown class \"XL\"; the model knows VF, F, M");
  }

  @Test
  void aMultiClassBundleMustNameEachOfItsModelsClasses() throws Exception {
    assertThatThrownBy(() -> bundle(multiClass(), List.of("VF", "F")))
        .isInstanceOf(BundleException.class).hasMessageContaining("the model has 3 classes but the manifest names 2 (classes [VF, F])");
  }

  @Test
  void predictionBinsAreTheDecilesOfARegressionsTrainingPredictionsAndTheSharesOfPredictedClasses() {
    double[] train = new double[100];
    for (int i = 0; i < train.length; i++) {
      train[i] = 1000 + 10 * i;
    }
    ReferenceProfile.Binned values = ProfileBuilder.valueBins(train, new double[] {0, 1095, 1100, 5000});
    assertThat(values.cuts()).containsExactly(1090, 1190, 1290, 1390, 1490, 1590, 1690, 1790, 1890);
    assertThat(values.proportions()).containsExactly(0.25, 0.5, 0, 0, 0, 0, 0, 0, 0, 0.25);

    ReferenceProfile.Binned classes = ProfileBuilder.classBins(3, new double[][] {{0.2, 0.7, 0.1}, {0.6, 0.3, 0.1}, {0.1, 0.1, 0.8}, {0.1, 0.5, 0.4}});
    assertThat(classes.cuts()).containsExactly(0.5, 1.5);
    assertThat(classes.proportions()).containsExactly(0.25, 0.5, 0.25);
  }

  private ModelBundle bundle(String model, List<String> classes) {
    FeaturePipeline pipeline = new FeaturePipeline(
        List.of(new NumericEncoder("x", 0, 0, 1), new NumericEncoder("y", 0, 0, 1)), List.of(), List.of(), null);
    String objective = read(model).objective();
    Manifest manifest = new Manifest(1, "m", "xgboost", pipeline.features(), "class", null, "now", Map.of(), Map.of(), null, null,
        objective, classes, null, null);
    ReferenceProfile profile = new ReferenceProfile(0, List.of(), List.of(), List.of(), new ReferenceProfile.Binned(new double[0], new double[] {1}));
    ModelBundle.write(tmp, manifest, pipeline, profile, model.getBytes(StandardCharsets.UTF_8));
    return ModelBundle.read(tmp);
  }

  private static Map<String, Object> record(Object x, Object y) {
    Map<String, Object> r = new HashMap<>();
    r.put("x", x);
    r.put("y", y);
    return r;
  }

  private static double[] softmax(double[] margins) {
    double sum = 0;
    double[] p = new double[margins.length];
    for (int k = 0; k < p.length; k++) {
      p[k] = Math.exp(margins[k]);
      sum += p[k];
    }
    for (int k = 0; k < p.length; k++) {
      p[k] /= sum;
    }
    return p;
  }
}
