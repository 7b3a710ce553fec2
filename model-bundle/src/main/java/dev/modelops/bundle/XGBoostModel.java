package dev.modelops.bundle;

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
  /** Node layout in {@link #nodes}: feature (-1 for a leaf), left child, right child, missing child. */
  static final int STRIDE = 4;

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

  /** A tree model (gbtree or dart): flattened nodes with {@link #STRIDE} ints each, thresholds or leaf values, tree roots. */
  static XGBoostModel trees(String booster, int featureCount, float baseMargin, int[] nodes, float[] values, int[] roots, float[] treeWeights) {
    return new XGBoostModel(booster, featureCount, baseMargin, nodes, values, roots, treeWeights, null);
  }

  /** A linear model (gblinear): one weight per feature, then the bias. */
  static XGBoostModel linear(int featureCount, float baseMargin, float[] weights) {
    return new XGBoostModel("gblinear", featureCount, baseMargin, null, null, null, null, weights);
  }

  /**
   * Reads an XGBoost model file (JSON or UBJ, as {@code Booster.save_model} writes them) of a
   * binary classifier with a logistic objective.
   *
   * @throws IllegalArgumentException naming what is wrong with the file
   */
  public static XGBoostModel read(byte[] file) {
    return XGBoostModelFile.read(file);
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
}
