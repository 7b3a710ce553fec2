package dev.modelops.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Reads XGBoost's own model file (JSON or UBJ, as {@code Booster.save_model} writes them) into an
 * {@link XGBoostModel}, checking everything the evaluation relies on: an objective modelops serves
 * (binary, regression or multi-class), numeric splits, trees assigned to outputs, and trees that
 * are trees. Every refusal names what is wrong.
 */
final class XGBoostModelFile {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private XGBoostModelFile() {}

  /**
   * Reads an XGBoost model file (JSON or UBJ, as {@code Booster.save_model} writes them) of a
   * binary classifier, a regression or a multi-class model.
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
    ModelKind kind = ModelKind.of(objective);
    if (kind == null) {
      throw new IllegalArgumentException("objective '" + objective + "' is not supported; a modelops model has one of " + ModelKind.SUPPORTED);
    }
    JsonNode param = learner.path("learner_model_param");
    int featureCount = param.path("num_feature").asInt(-1);
    if (featureCount < 0) {
      throw new IllegalArgumentException("learner_model_param.num_feature is missing");
    }
    int classes = Math.max(1, param.path("num_class").asInt(0));
    if ((kind == ModelKind.MULTICLASS) != (classes > 1) || param.path("num_target").asInt(1) > 1) {
      throw new IllegalArgumentException("objective " + objective + " with num_class " + param.path("num_class").asText()
          + " and num_target " + param.path("num_target").asText() + " is not supported: multi:softprob needs num_class of at least 2,"
          + " other objectives one output");
    }
    float baseScore = Float.parseFloat(param.path("base_score").asText("0.5"));
    // ObjFunction::ProbToMargin, in float as XGBoost computes it: the logit for the logistic
    // objectives, the identity for the others (softmax included).
    float baseMargin = kind == ModelKind.BINARY ? (float) -Math.log(1.0f / baseScore - 1.0f) : baseScore;
    Output output = new Output(objective, kind, classes, baseMargin);

    JsonNode gb = learner.path("gradient_booster");
    String name = gb.path("name").asText("");
    return switch (name) {
      case "gbtree" -> trees(name, featureCount, output, gb.path("model"), null);
      case "dart" -> trees(name, featureCount, output, gb.path("gbtree").path("model"), floats(gb.path("weight_drop")));
      case "gblinear" -> linear(featureCount, output, gb.path("model"));
      default -> throw new IllegalArgumentException("booster '" + name + "' is not supported (gbtree, dart or gblinear)");
    };
  }

  /** What the model outputs: its objective, kind, number of outputs (classes, else 1) and base margin. */
  record Output(String objective, ModelKind kind, int classes, float baseMargin) {}

  private static boolean isUbj(byte[] file) {
    // Both start with '{'; XGBoost's UBJ then has the first key's length marker, JSON a quote or space.
    return file.length > 1 && file[0] == '{' && (file[1] == 'L' || file[1] == 'l' || file[1] == 'i' || file[1] == 'U' || file[1] == 'I' || file[1] == '}' || file[1] == '#' || file[1] == '$');
  }

  private static XGBoostModel trees(String booster, int featureCount, Output output, JsonNode model, float[] weights) {
    JsonNode trees = model.path("trees");
    if (!trees.isArray()) {
      throw new IllegalArgumentException("the model has no trees array");
    }
    JsonNode info = model.path("tree_info");
    if (info.size() != trees.size()) {
      throw new IllegalArgumentException("tree_info has " + info.size() + " entries for " + trees.size() + " trees");
    }
    int[] treeClass = new int[trees.size()];
    for (int t = 0; t < treeClass.length; t++) {
      treeClass[t] = info.get(t).asInt();
      if (treeClass[t] < 0 || treeClass[t] >= output.classes()) {
        throw new IllegalArgumentException("tree " + t + " belongs to output " + treeClass[t] + " of " + output.classes());
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
    return XGBoostModel.trees(booster, featureCount, output, nodes, values, roots, treeClass, weights);
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

  private static XGBoostModel linear(int featureCount, Output output, JsonNode model) {
    float[] weights = floats(model.path("weights"));
    if (weights.length != (featureCount + 1) * output.classes()) {
      throw new IllegalArgumentException("gblinear: " + weights.length + " weights for " + featureCount + " features and a bias, "
          + output.classes() + " output(s)");
    }
    return XGBoostModel.linear(featureCount, output, weights);
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
