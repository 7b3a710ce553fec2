package dev.modelops.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The branch-free walk ({@link CompiledTrees}) gives bit-for-bit the probabilities of the
 * node-by-node walk that follows XGBoost's predictor, on random trees of uneven depth and rows
 * chosen to hit every edge: values equal to a threshold or one float either side of it, missing
 * values (NaN and columns past a short row's end), negative zero, infinities; one row at a time
 * and many rows together.
 */
class CompiledTreesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FEATURES = 6;
  private static final float[] THRESHOLDS = {-1f, -0.0f, 0f, 0.5f, 1f, 2.5f, 1e30f, -3.4e38f, Float.MIN_VALUE};

  @Test
  void theCompiledWalkEqualsTheNodeByNodeWalkBitForBit() {
    for (String booster : new String[] {"gbtree", "dart"}) {
      Random random = new Random(booster.hashCode());
      XGBoostModel model = XGBoostModel.read(randomModel(random, booster, 60, 7));
      assertThat(model.compiled()).as("trees of depth 7 are compiled").isTrue();
      List<float[]> rows = edgeRows(random, 3000);
      int w = model.preparedWidth();
      float[] prepared = new float[rows.size() * w];
      for (int r = 0; r < rows.size(); r++) {
        float[] row = rows.get(r);
        double expected = model.predictReference(row);
        assertThat(Double.doubleToRawLongBits(model.predict(row))).as("%s row %s", booster, java.util.Arrays.toString(row))
            .isEqualTo(Double.doubleToRawLongBits(expected));
        model.prepare(row, prepared, r * w);
      }
      double[] many = new double[rows.size()];
      model.predictPrepared(prepared, rows.size(), new float[rows.size()], many, 0);
      for (int r = 0; r < rows.size(); r++) {
        assertThat(many[r]).as("%s row %d scored with others", booster, r).isEqualTo(model.predictReference(rows.get(r)));
      }
    }
  }

  @Test
  void treesTooDeepToPadAreWalkedNodeByNode() {
    Random random = new Random(7);
    XGBoostModel model = XGBoostModel.read(randomModel(random, "gbtree", 3, CompiledTrees.MAX_DEPTH + 3));
    assertThat(model.compiled()).isFalse();
    for (float[] row : edgeRows(random, 200)) {
      assertThat(model.predict(row)).isEqualTo(model.predictReference(row));
    }
  }

  @Test
  void regressionAndMultiClassTreesCompiledPerClassEqualTheNodeByNodeWalkBitForBit() {
    for (String booster : new String[] {"gbtree", "dart"}) {
      for (int classes : new int[] {1, 3}) {
        Random random = new Random(booster.hashCode() + classes);
        String objective = classes == 1 ? "reg:squarederror" : "multi:softprob";
        XGBoostModel model = XGBoostModel.read(randomModel(random, booster, 60, 7, objective, classes));
        assertThat(model.outputsCompiled()).as("trees of depth 7 are compiled").isTrue();
        float[] compiled = new float[classes];
        float[] reference = new float[classes];
        float[] prepared = new float[model.preparedWidth()];
        for (float[] row : edgeRows(random, 2000)) {
          model.outputs(row, null, prepared, compiled);
          model.outputsReference(row, reference);
          assertThat(compiled).as("%s %s row %s", booster, objective, java.util.Arrays.toString(row)).isEqualTo(reference);
        }
      }
    }
  }

  @Test
  void aSparseRowIsPreparedLikeItsDenseForm() {
    Random random = new Random(11);
    XGBoostModel model = XGBoostModel.read(randomModel(random, "gbtree", 20, 5));
    EncodedRow sparse = new EncodedRow();
    float[] dense = new float[FEATURES];
    int w = model.preparedWidth();
    float[] fromSparse = new float[w];
    float[] fromDense = new float[w];
    for (int r = 0; r < 500; r++) {
      sparse.clear();
      java.util.Arrays.fill(dense, Float.NaN);
      for (int c = 0; c < FEATURES + 2; c++) {
        if (random.nextBoolean()) {
          float v = THRESHOLDS[random.nextInt(THRESHOLDS.length)];
          sparse.put(null, c, v);
          if (c < FEATURES) {
            dense[c] = v;
          }
        }
      }
      model.prepare(sparse, fromSparse, 0);
      model.prepare(dense, fromDense, 0);
      assertThat(fromSparse).isEqualTo(fromDense);
      assertThat(model.predictPrepared(fromSparse, 0)).isEqualTo(model.predictReference(dense));
    }
  }

  private static List<float[]> edgeRows(Random random, int n) {
    List<float[]> rows = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      float[] row = new float[random.nextInt(8) == 0 ? random.nextInt(FEATURES) : FEATURES];
      for (int c = 0; c < row.length; c++) {
        float t = THRESHOLDS[random.nextInt(THRESHOLDS.length)];
        row[c] = switch (random.nextInt(9)) {
          case 0 -> Float.NaN;
          case 1 -> Math.nextUp(t);
          case 2 -> Math.nextDown(t);
          case 3 -> -0.0f;
          case 4 -> random.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
          case 5 -> (float) random.nextGaussian() * 3;
          default -> t;
        };
      }
      rows.add(row);
    }
    return rows;
  }

  /** A model in XGBoost's JSON format with random trees, each at most {@code maxDepth} deep, some much shallower. */
  static byte[] randomModel(Random random, String booster, int trees, int maxDepth) {
    return randomModel(random, booster, trees, maxDepth, "binary:logistic", 1);
  }

  /** The same for an objective, with tree t adding to class t mod {@code classes}. */
  static byte[] randomModel(Random random, String booster, int trees, int maxDepth, String objective, int classes) {
    ArrayNode treeArray = JSON.createArrayNode();
    ArrayNode weights = JSON.createArrayNode();
    for (int t = 0; t < trees; t++) {
      List<int[]> nodes = new ArrayList<>(); // feature, left, right, defaultLeft
      List<Float> values = new ArrayList<>();
      int depth = t == 0 ? maxDepth : 1 + random.nextInt(maxDepth);
      grow(random, nodes, values, depth, t == 0);
      ObjectNode tree = treeArray.addObject();
      ArrayNode left = tree.putArray("left_children");
      ArrayNode right = tree.putArray("right_children");
      ArrayNode split = tree.putArray("split_indices");
      ArrayNode defaultLeft = tree.putArray("default_left");
      ArrayNode cond = tree.putArray("split_conditions");
      ArrayNode type = tree.putArray("split_type");
      for (int i = 0; i < nodes.size(); i++) {
        int[] node = nodes.get(i);
        left.add(node[1]);
        right.add(node[2]);
        split.add(node[0]);
        defaultLeft.add(node[3]);
        cond.add(values.get(i));
        type.add(0);
      }
      tree.putObject("tree_param").put("size_leaf_vector", "1");
      weights.add(0.25f + random.nextFloat());
    }
    ObjectNode model = JSON.createObjectNode();
    model.set("trees", treeArray);
    ArrayNode info = model.putArray("tree_info");
    for (int t = 0; t < trees; t++) {
      info.add(t % classes);
    }
    ObjectNode gb = JSON.createObjectNode().put("name", booster);
    if (booster.equals("dart")) {
      gb.putObject("gbtree").set("model", model);
      gb.set("weight_drop", weights);
    } else {
      gb.set("model", model);
    }
    ObjectNode root = JSON.createObjectNode();
    ObjectNode learner = root.putObject("learner");
    learner.set("gradient_booster", gb);
    learner.putObject("learner_model_param").put("base_score", "3E-1").put("num_feature", Integer.toString(FEATURES)).put("num_class", Integer.toString(classes == 1 ? 0 : classes));
    learner.putObject("objective").put("name", objective);
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Appends a subtree in pre-order and returns its root's index; {@code full} makes a chain reach the full depth. */
  private static int grow(Random random, List<int[]> nodes, List<Float> values, int depth, boolean full) {
    int me = nodes.size();
    if (depth == 0 || (!full && random.nextInt(4) == 0)) {
      nodes.add(new int[] {0, -1, -1, 0});
      values.add((float) random.nextGaussian());
      return me;
    }
    int[] node = {random.nextInt(FEATURES), 0, 0, random.nextInt(2)};
    nodes.add(node);
    values.add(THRESHOLDS[random.nextInt(THRESHOLDS.length)]);
    node[1] = grow(random, nodes, values, depth - 1, full);
    node[2] = grow(random, nodes, values, depth - 1, false);
    return me;
  }
}
