package dev.modelops.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;

/**
 * A trained binary XGBoost model, read from XGBoost's own model file (JSON or UBJ) and evaluated
 * in Java. Immutable and thread-safe: many {@link Scorer}s share one.
 *
 * <p>Why not call XGBoost (or DJL's XGBoost engine) per record: every native prediction builds a
 * DMatrix and sets up a predictor, about 80 µs (xgboost4j) to 160 µs (DJL) per call on the
 * project's 2-core machines, while walking the trees here takes a few µs. The evaluation follows
 * XGBoost's CPU predictor step for step, in float32 as XGBoost does: start from the base margin,
 * add each tree's leaf (times its weight for dart) or the linear terms in column order, then
 * apply the objective's sigmoid. A missing value (NaN, or a column absent from a sparse row)
 * takes the node's default branch; otherwise {@code value < threshold} goes left. The trainer's
 * tests prove the result equals xgboost4j's prediction for every validation row.
 */
public final class XGBoostModel {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final Set<String> SIGMOID_OBJECTIVES = Set.of("binary:logistic", "reg:logistic");
  /** Node layout in {@link #nodes}: feature (-1 for a leaf), left child, right child, missing child. */
  private static final int STRIDE = 4;

  private final String booster;
  private final int featureCount;
  private final float baseMargin;
  // Trees (gbtree, dart): all nodes of all trees, flattened; children are absolute indices.
  private final int[] nodes;
  private final float[] values; // split threshold, or the leaf value
  private final int[] roots;
  private final float[] treeWeights; // dart only; null for gbtree
  // Linear (gblinear): one weight per feature, then the bias.
  private final float[] linear;
  // The trees again, laid out for the branch-free walk; null for gblinear or very deep trees.
  private final CompiledTrees compiled;

  private XGBoostModel(
      String booster, int featureCount, float baseMargin, int[] nodes, float[] values, int[] roots,
      float[] treeWeights, float[] linear) {
    this.booster = booster;
    this.featureCount = featureCount;
    this.baseMargin = baseMargin;
    this.nodes = nodes;
    this.values = values;
    this.roots = roots;
    this.treeWeights = treeWeights;
    this.linear = linear;
    this.compiled = nodes == null ? null : CompiledTrees.of(featureCount, baseMargin, nodes, STRIDE, values, roots, treeWeights);
  }

  /**
   * Reads an XGBoost model file (JSON or UBJ, as {@code Booster.save_model} writes them) of a
   * binary classifier with a logistic objective.
   *
   * @throws IllegalArgumentException naming what is wrong with the file
   */
  public static XGBoostModel read(byte[] file) {
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
    int[] nodes = new int[total * STRIDE];
    float[] values = new float[total];
    int[] roots = new int[trees.size()];
    int base = 0;
    for (int t = 0; t < trees.size(); t++) {
      JsonNode tree = trees.get(t);
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
      roots[t] = base;
      for (int i = 0; i < n; i++) {
        int o = (base + i) * STRIDE;
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
      base += n;
    }
    return new XGBoostModel(booster, featureCount, baseMargin, nodes, values, roots, weights, null);
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
    return new XGBoostModel("gblinear", featureCount, baseMargin, null, null, null, null, weights);
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

  /** gbtree, dart or gblinear. */
  public String booster() {
    return booster;
  }

  /** Columns the model was trained on. */
  public int featureCount() {
    return featureCount;
  }

  /** Number of trees (0 for gblinear). */
  public int treeCount() {
    return roots == null ? 0 : roots.length;
  }

  /**
   * The positive-class probability of one dense row: {@code row[c]} is column c, NaN when missing.
   * Columns at or beyond {@link #featureCount()} are ignored.
   */
  public double predict(float[] row) {
    if (compiled != null) {
      float[] x = new float[compiled.preparedWidth()];
      compiled.prepare(row, x, 0);
      return sigmoid(compiled.margin(x, 0));
    }
    if (linear == null) {
      return sigmoid(treeMargin(row));
    }
    float psum = linear[featureCount] + baseMargin;
    int n = Math.min(row.length, featureCount);
    for (int c = 0; c < n; c++) {
      float x = row[c];
      if (x == x) {
        psum += x * linear[c];
      }
    }
    return sigmoid(psum);
  }

  /**
   * The probability of an encoded row: trees read {@code dense} (NaN = missing); a linear model
   * walks the sparse {@code row}'s entries in column order, as XGBoost does.
   */
  double predict(float[] dense, EncodedRow row) {
    if (compiled != null) {
      throw new IllegalStateException("a compiled model scores prepared rows");
    }
    if (linear == null) {
      return sigmoid(treeMargin(dense));
    }
    float psum = linear[featureCount] + baseMargin;
    for (int i = 0; i < row.size; i++) {
      int c = row.columns[i];
      if (c < featureCount) {
        psum += row.values[i] * linear[c];
      }
    }
    return sigmoid(psum);
  }

  /** Whether rows are scored through {@link #prepare} and {@link #predictPrepared}. */
  boolean compiled() {
    return compiled != null;
  }

  /** Length of a prepared row (see {@link CompiledTrees}). */
  int preparedWidth() {
    return compiled.preparedWidth();
  }

  /** Prepares a dense row (NaN = missing) into {@code out} at {@code offset}. */
  void prepare(float[] dense, float[] out, int offset) {
    compiled.prepare(dense, out, offset);
  }

  /** Prepares a sparse encoded row into {@code out} at {@code offset}. */
  void prepare(EncodedRow row, float[] out, int offset) {
    compiled.prepare(row, out, offset);
  }

  /** The probability of one prepared row. */
  double predictPrepared(float[] x, int offset) {
    return sigmoid(compiled.margin(x, offset));
  }

  /** The probabilities of {@code n} prepared rows stored one after another. */
  void predictPrepared(float[] x, int n, float[] margins, double[] out, int outOffset) {
    compiled.margins(x, n, margins);
    for (int i = 0; i < n; i++) {
      out[outOffset + i] = sigmoid(margins[i]);
    }
  }

  /** The node-by-node walk, kept as the reference the compiled walk is tested against. */
  double predictReference(float[] row) {
    return linear == null ? sigmoid(treeMargin(row)) : predict(row);
  }

  private float treeMargin(float[] row) {
    float sum = baseMargin;
    int[] nodes = this.nodes;
    for (int t = 0; t < roots.length; t++) {
      int n = roots[t];
      int feature;
      while ((feature = nodes[n * STRIDE]) >= 0) {
        float x = feature < row.length ? row[feature] : Float.NaN;
        int o = n * STRIDE;
        n = x != x ? nodes[o + 3] : x < values[n] ? nodes[o + 1] : nodes[o + 2];
      }
      sum += treeWeights == null ? values[n] : values[n] * treeWeights[t];
    }
    return sum;
  }

  /** xgboost::common::Sigmoid(float), for bit-for-bit agreement with XGBoost's own output. */
  private static double sigmoid(float margin) {
    float x = Math.min(-margin, 88.7f);
    float denom = (float) Math.exp(x) + 1.0f + 1e-16f;
    return 1.0f / denom;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
