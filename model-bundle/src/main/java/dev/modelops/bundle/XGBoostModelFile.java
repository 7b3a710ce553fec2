package dev.modelops.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;

/**
 * Reads XGBoost's own model file (JSON or UBJ, as {@code Booster.save_model} writes them) into an
 * {@link XGBoostModel}, checking everything the evaluation relies on: a binary logistic objective,
 * one output, numeric splits, and trees that are trees. Every refusal names what is wrong.
 */
final class XGBoostModelFile {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final Set<String> SIGMOID_OBJECTIVES = Set.of("binary:logistic", "reg:logistic");

  private XGBoostModelFile() {}

  /**
   * Reads an XGBoost model file (JSON or UBJ, as {@code Booster.save_model} writes them) of a
   * binary classifier with a logistic objective.
   *
   * @throws IllegalArgumentException naming what is wrong with the file
   */
  static XGBoostModel read(byte[] file) {
    JsonNode root;
    try {
      root = isUbj(file) ? UniversalBinaryJson.parse(file) : JSON.readTree(file);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not an XGBoost JSON or UBJ model: " + firstLine(e.getMessage()), e);
    }
    if (root == null || !root.path("learner").isObject()) {
      throw new IllegalArgumentException("not an XGBoost JSON or UBJ model: no 'learner' object");
    }
    JsonNode learner = root.path("learner");
    String objective = learner.path("objective").path("name").asText("");
    if (!SIGMOID_OBJECTIVES.contains(objective)) {
      throw new IllegalArgumentException(
          "objective '" + objective + "' is not supported; a modelops model predicts a probability with binary:logistic");
    }
    JsonNode param = learner.path("learner_model_param");
    int featureCount = param.path("num_feature").asInt(-1);
    if (featureCount < 0) {
      throw new IllegalArgumentException("learner_model_param.num_feature is missing");
    }
    if (param.path("num_class").asInt(0) > 1 || param.path("num_target").asInt(1) > 1) {
      throw new IllegalArgumentException("only single-output binary models are supported (num_class "
          + param.path("num_class").asText() + ", num_target " + param.path("num_target").asText() + ")");
    }
    float baseScore = Float.parseFloat(param.path("base_score").asText("0.5"));
    // LogisticRegression::ProbToMargin, in float as XGBoost computes it.
    float baseMargin = (float) -Math.log(1.0f / baseScore - 1.0f);

    JsonNode gb = learner.path("gradient_booster");
    String name = gb.path("name").asText("");
    return switch (name) {
      case "gbtree" -> trees(name, featureCount, baseMargin, gb.path("model"), null);
      case "dart" -> trees(name, featureCount, baseMargin, gb.path("gbtree").path("model"), floats(gb.path("weight_drop")));
      case "gblinear" -> linear(featureCount, baseMargin, gb.path("model"));
      default -> throw new IllegalArgumentException("booster '" + name + "' is not supported (gbtree, dart or gblinear)");
    };
  }

  private static boolean isUbj(byte[] file) {
    // Both start with '{'; XGBoost's UBJ then has the first key's length marker, JSON a quote or space.
    return file.length > 1 && file[0] == '{' && (file[1] == 'L' || file[1] == 'l' || file[1] == 'i' || file[1] == 'U' || file[1] == 'I' || file[1] == '}' || file[1] == '#' || file[1] == '$');
  }

  private static XGBoostModel trees(String booster, int featureCount, float baseMargin, JsonNode model, float[] weights) {
    JsonNode trees = model.path("trees");
    if (!trees.isArray()) {
      throw new IllegalArgumentException("the model has no trees array");
    }
    JsonNode info = model.path("tree_info");
    for (JsonNode group : info) {
      if (group.asInt() != 0) {
        throw new IllegalArgumentException("multi-class models are not supported");
      }
    }
    if (weights != null && weights.length != trees.size()) {
      throw new IllegalArgumentException("dart: " + weights.length + " tree weights for " + trees.size() + " trees");
    }
    int total = 0;
    for (JsonNode t : trees) {
      total += t.path("left_children").size();
    }
    int[] nodes = new int[total * XGBoostModel.STRIDE];
    float[] values = new float[total];
    int[] roots = new int[trees.size()];
    int base = 0;
    for (int t = 0; t < trees.size(); t++) {
      roots[t] = base;
      base += flatten(t, trees.get(t), featureCount, base, nodes, values);
    }
    return XGBoostModel.trees(booster, featureCount, baseMargin, nodes, values, roots, weights);
  }

  /** Checks tree {@code t} and writes its nodes from index {@code base} on; returns its node count. */
  private static int flatten(int t, JsonNode tree, int featureCount, int base, int[] nodes, float[] values) {
    int[] left = ints(tree.path("left_children"));
    int[] right = ints(tree.path("right_children"));
    int[] split = ints(tree.path("split_indices"));
    int[] defaultLeft = ints(tree.path("default_left"));
    float[] cond = floats(tree.path("split_conditions"));
    int n = left.length;
    if (n == 0 || right.length != n || split.length != n || defaultLeft.length != n || cond.length != n) {
      throw new IllegalArgumentException("tree " + t + " has node arrays of different lengths");
    }
    if (tree.path("tree_param").path("size_leaf_vector").asInt(1) > 1) {
      throw new IllegalArgumentException("tree " + t + " has vector leaves (multi-target), which are not supported");
    }
    for (JsonNode type : tree.path("split_type")) {
      if (type.asInt() != 0) {
        throw new IllegalArgumentException("tree " + t + " has categorical splits, which are not supported");
      }
    }
    checkIsTree(t, left, right);
    for (int i = 0; i < n; i++) {
      int o = (base + i) * XGBoostModel.STRIDE;
      values[base + i] = cond[i];
      if (left[i] < 0) {
        nodes[o] = -1;
        continue;
      }
      if (split[i] < 0 || split[i] >= featureCount) {
        throw new IllegalArgumentException("tree " + t + " node " + i + " splits on feature " + split[i] + " of " + featureCount);
      }
      nodes[o] = split[i];
      nodes[o + 1] = base + left[i];
      nodes[o + 2] = base + right[i];
      nodes[o + 3] = base + (defaultLeft[i] != 0 ? left[i] : right[i]);
    }
    return n;
  }

  /** Every node reachable from the root once, children in range: traversal always ends. */
  private static void checkIsTree(int t, int[] left, int[] right) {
    boolean[] seen = new boolean[left.length];
    int[] stack = new int[left.length + 1];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      int i = stack[--top];
      if (i < 0 || i >= left.length || seen[i]) {
        throw new IllegalArgumentException("tree " + t + " is not a tree (node " + i + " out of range or reached twice)");
      }
      seen[i] = true;
      if (left[i] >= 0) {
        if (right[i] < 0 || top + 2 > stack.length) {
          throw new IllegalArgumentException("tree " + t + " node " + i + " has one child");
        }
        stack[top++] = left[i];
        stack[top++] = right[i];
      }
    }
  }

  private static XGBoostModel linear(int featureCount, float baseMargin, JsonNode model) {
    float[] weights = floats(model.path("weights"));
    if (weights.length != featureCount + 1) {
      throw new IllegalArgumentException("gblinear: " + weights.length + " weights for " + featureCount + " features and a bias");
    }
    return XGBoostModel.linear(featureCount, baseMargin, weights);
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = array.get(i);
      out[i] = v.isBoolean() ? (v.booleanValue() ? 1 : 0) : v.intValue();
    }
    return out;
  }

  private static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      // From UBJ a FloatNode (exact); from JSON a decimal, rounded once to the nearest float.
      out[i] = array.get(i).floatValue();
    }
    return out;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
