package dev.modelops.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java evaluator's semantics on hand-built models (the trainer's tests compare it with
 * xgboost4j on real ones): thresholds, missing values, dart weights, linear models, both file
 * formats, refusals, and scorers on many threads.
 */
class XGBoostModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /**
   * One tree: f0 < 1 (missing: left) ? leaf 0.5 : (f1 < 0 (missing: right) ? leaf -0.25 : leaf 1.0).
   */
  static String treeModel(String booster, String objective, String extra) {
    String tree = """
        {"base_weights":[0,0,0,0,0],"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],
         "default_left":[1,0,0,0,0],"id":0,"left_children":[1,-1,3,-1,-1],"loss_changes":[0,0,0,0,0],
         "parents":[2147483647,0,0,2,2],"right_children":[2,-1,4,-1,-1],"split_conditions":[1.0,0.5,0.0,-0.25,1.0],
         "split_indices":[0,0,1,0,0],"split_type":[0,0,0,0,0],"sum_hessian":[1,1,1,1,1],
         "tree_param":{"num_deleted":"0","num_feature":"2","num_nodes":"5","size_leaf_vector":"1"}}""";
    String trees = """
        {"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"1"},"iteration_indptr":[0,1],"tree_info":[0],"trees":[%s]}"""
        .formatted(tree);
    String gb = booster.equals("dart")
        ? "{\"name\":\"dart\",\"gbtree\":{\"name\":\"gbtree\",\"model\":" + trees + "},\"weight_drop\":[0.5]}"
        : "{\"name\":\"gbtree\",\"model\":" + trees + "}";
    return """
        {"learner":{"attributes":{},"feature_names":[],"feature_types":[],"gradient_booster":%s,
         "learner_model_param":{"base_score":"5E-1","boost_from_average":"1","num_class":"0","num_feature":"2","num_target":"1"},
         "objective":{"name":"%s","reg_loss_param":{"scale_pos_weight":"1"}}%s},"version":[2,0,3]}"""
        .formatted(gb, objective, extra);
  }

  static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  static XGBoostModel read(String json) {
    return XGBoostModel.read(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void treesGoLeftBelowTheThresholdAndFollowTheDefaultBranchWhenMissing() {
    XGBoostModel m = read(treeModel("gbtree", "binary:logistic", ""));
    assertThat(m.booster()).isEqualTo("gbtree");
    assertThat(m.treeCount()).isEqualTo(1);
    assertThat(m.predict(new float[] {0.5f, 9})).isCloseTo(sigmoid(0.5), within(1e-7));
    // Equal to the threshold is not below it: right.
    assertThat(m.predict(new float[] {1.0f, -1})).isCloseTo(sigmoid(-0.25), within(1e-7));
    assertThat(m.predict(new float[] {1.0f, 0.0f})).isCloseTo(sigmoid(1.0), within(1e-7));
    assertThat(m.predict(new float[] {Float.NaN, 5})).as("missing f0: default left").isCloseTo(sigmoid(0.5), within(1e-7));
    assertThat(m.predict(new float[] {2, Float.NaN})).as("missing f1: default right").isCloseTo(sigmoid(1.0), within(1e-7));
    assertThat(m.predict(new float[] {2})).as("a short row: f1 missing").isCloseTo(sigmoid(1.0), within(1e-7));
  }

  @Test
  void dartScalesEachTreeByItsWeight() {
    XGBoostModel m = read(treeModel("dart", "binary:logistic", ""));
    assertThat(m.booster()).isEqualTo("dart");
    assertThat(m.predict(new float[] {2, 3})).isCloseTo(sigmoid(0.5 * 1.0), within(1e-7));
  }

  @Test
  void theBaseScoreIsAProbabilityTurnedIntoAMargin() {
    XGBoostModel m = read(treeModel("gbtree", "binary:logistic", "").replace("\"5E-1\"", "\"2.5E-1\""));
    assertThat(m.predict(new float[] {0, 0})).isCloseTo(sigmoid(Math.log(0.25 / 0.75) + 0.5), within(1e-6));
  }

  @Test
  void linearModelsAddWeightedPresentColumnsToTheBias() {
    String json = """
        {"learner":{"gradient_booster":{"model":{"boosted_rounds":3,"weights":[2.0,-1.0,0.5]},"name":"gblinear"},
         "learner_model_param":{"base_score":"5E-1","num_class":"0","num_feature":"2","num_target":"1"},
         "objective":{"name":"binary:logistic"}},"version":[2,0,3]}""";
    XGBoostModel m = read(json);
    assertThat(m.treeCount()).isZero();
    assertThat(m.predict(new float[] {1, Float.NaN})).isCloseTo(sigmoid(0.5 + 2), within(1e-7));
    assertThat(m.predict(new float[] {1, 3})).isCloseTo(sigmoid(0.5 + 2 - 3), within(1e-7));
  }

  @Test
  void ubjAndJsonOfOneModelPredictTheSame() throws Exception {
    String json = treeModel("gbtree", "binary:logistic", "");
    XGBoostModel fromJson = read(json);
    XGBoostModel fromUbj = XGBoostModel.read(Ubj.encode(JSON.readTree(json)));
    for (float[] row : new float[][] {{0.5f, 9}, {1, -1}, {Float.NaN, 1}, {2, Float.NaN}}) {
      assertThat(fromUbj.predict(row)).isEqualTo(fromJson.predict(row));
    }
  }

  @Test
  void modelsABundleCannotServeAreRefusedWithTheReason() {
    assertThatThrownBy(() -> read(treeModel("gbtree", "reg:gamma", "")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("objective 'reg:gamma' is not supported")
        .hasMessageContaining("reg:squarederror");
    assertThatThrownBy(() -> read(treeModel("gbtree", "binary:logistic", "").replace("\"num_class\":\"0\"", "\"num_class\":\"3\"")))
        .hasMessageContaining("binary:logistic with num_class 3");
    assertThatThrownBy(() -> read(treeModel("gbtree", "multi:softprob", "").replace("\"num_class\":\"0\"", "\"num_class\":\"3\"")
        .replace("\"tree_info\":[0]", "\"tree_info\":[4]"))).hasMessageContaining("tree 0 belongs to output 4 of 3");
    assertThatThrownBy(() -> read(treeModel("gbtree", "binary:logistic", "").replace("\"split_type\":[0,0,0,0,0]", "\"split_type\":[1,0,0,0,0]")))
        .hasMessageContaining("categorical splits");
    assertThatThrownBy(() -> read(treeModel("gbtree", "binary:logistic", "").replace("\"left_children\":[1,-1,3,-1,-1]", "\"left_children\":[1,-1,0,-1,-1]")))
        .hasMessageContaining("is not a tree");
    assertThatThrownBy(() -> read(treeModel("gbtree", "binary:logistic", "").replace("\"split_indices\":[0,0,1,0,0]", "\"split_indices\":[0,0,7,0,0]")))
        .hasMessageContaining("splits on feature 7 of 2");
    assertThatThrownBy(() -> read("not a model")).hasMessageContaining("not an XGBoost JSON or UBJ model");
    assertThatThrownBy(() -> XGBoostModel.read(new byte[] {'{', 'L', 0, 0})).hasMessageContaining("not an XGBoost JSON or UBJ model");
    assertThatThrownBy(() -> read("{\"learner\":{\"objective\":{\"name\":\"binary:logistic\"},\"learner_model_param\":{\"num_feature\":\"2\"},"
        + "\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{\"trees\":[],\"tree_info\":[1]}}}}")).hasMessageContaining("tree_info has 1 entries for 0 trees");
  }

  @Test
  void oneHotColumnsThatAreNotSetAreMissingToTheModelAsInTraining() throws Exception {
    // Column 1 is contract=b; the split on it sends missing values right and values below 0.5 left.
    FeaturePipeline pipeline = new FeaturePipeline(List.of(), List.of(new CategoricalEncoder("contract", List.of("a", "b"))), List.of(), null);
    String json = treeModel("gbtree", "binary:logistic", "")
        .replace("\"split_indices\":[0,0,1,0,0]", "\"split_indices\":[1,0,1,0,0]")
        .replace("\"default_left\":[1,0,0,0,0]", "\"default_left\":[0,0,0,0,0]")
        .replace("\"num_feature\":\"2\"", "\"num_feature\":\"3\"");
    Scorer scorer = new Scorer(pipeline, read(json));
    // "a": column 1 is absent, so missing: right, then f1 (also column 1) missing: right again, leaf 1.0.
    assertThat(scorer.score(Map.of("contract", "a"))).isCloseTo(sigmoid(1.0), within(1e-7));
    // "b": column 1 is 1.0, not below 1.0: right; then not below 0: right, leaf 1.0. (Had "a" been
    // encoded as a 0 in column 1 rather than left out, it would have gone left to leaf 0.5.)
    assertThat(scorer.score(Map.of("contract", "b"))).isCloseTo(sigmoid(1.0), within(1e-7));
    // The scorer's buffers are cleared between records: "a" again scores as before.
    assertThat(scorer.score(Map.of("contract", "a"))).isCloseTo(sigmoid(1.0), within(1e-7));
  }

  @Test
  void oneBundleServesManyThreadsEachWithItsOwnScorer() throws Exception {
    FeaturePipeline pipeline = new FeaturePipeline(
        List.of(new NumericEncoder("x", 0, 0, 1), new NumericEncoder("y", 0, 0, 1)), List.of(), List.of(), null);
    Manifest manifest = new Manifest(1, "m", "xgboost", pipeline.features(), "label", "1", "now", Map.of(), Map.of(), null, null);
    ReferenceProfile profile = new ReferenceProfile(0, List.of(), List.of(), List.of(), new ReferenceProfile.Binned(new double[0], new double[] {1}));
    ModelBundle.write(tmp, manifest, pipeline, profile, treeModel("gbtree", "binary:logistic", "").getBytes(StandardCharsets.UTF_8));
    ModelBundle bundle = ModelBundle.read(tmp);
    List<Map<String, Object>> records = new ArrayList<>();
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 2000; i++) {
      Map<String, Object> r = new HashMap<>();
      r.put("x", random.nextInt(10) == 0 ? null : random.nextGaussian() + 1);
      r.put("y", random.nextGaussian());
      records.add(r);
    }
    double[] expected = bundle.newScorer().score(records);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<double[]>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(pool.submit(() -> {
          try (Scorer s = bundle.newScorer()) {
            double[] out = new double[records.size()];
            for (int i = 0; i < out.length; i++) {
              out[i] = s.score(records.get(i));
            }
            return out;
          }
        }));
      }
      for (Future<double[]> f : results) {
        assertThat(f.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdown();
    }
  }

  /** A small UBJSON writer in XGBoost's style: int64 lengths, typed float32/int32 arrays. */
  static final class Ubj {
    static byte[] encode(JsonNode node) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      write(node, new DataOutputStream(bytes));
      return bytes.toByteArray();
    }

    private static void write(JsonNode n, DataOutputStream out) throws IOException {
      if (n.isObject()) {
        out.writeByte('{');
        for (Map.Entry<String, JsonNode> e : ((ObjectNode) n).properties()) {
          key(e.getKey(), out);
          write(e.getValue(), out);
        }
        out.writeByte('}');
      } else if (n.isArray() && n.size() > 0 && n.get(0).isFloatingPointNumber()) {
        out.write(new byte[] {'[', '$', 'd', '#', 'L'});
        out.writeLong(n.size());
        for (JsonNode v : n) {
          out.writeFloat(v.floatValue());
        }
      } else if (n.isArray() && n.size() > 0 && n.get(0).isIntegralNumber()) {
        out.write(new byte[] {'[', '$', 'l', '#', 'L'});
        out.writeLong(n.size());
        for (JsonNode v : n) {
          out.writeInt(v.intValue());
        }
      } else if (n.isArray()) {
        out.write(new byte[] {'[', '#', 'L'});
        out.writeLong(n.size());
        for (JsonNode v : n) {
          write(v, out);
        }
      } else if (n.isTextual()) {
        out.writeByte('S');
        key(n.asText(), out);
      } else if (n.isIntegralNumber()) {
        out.writeByte('L');
        out.writeLong(n.longValue());
      } else if (n.isNumber()) {
        out.writeByte('d');
        out.writeFloat(n.floatValue());
      } else {
        throw new IllegalArgumentException(n.toString());
      }
    }

    private static void key(String s, DataOutputStream out) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.writeByte('L');
      out.writeLong(b.length);
      out.write(b);
    }
  }
}
