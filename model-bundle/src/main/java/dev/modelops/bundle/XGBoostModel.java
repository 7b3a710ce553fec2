package dev.modelops.bundle;

import java.util.Arrays;

/**
 * A trained XGBoost model (binary, regression or multi-class, see {@link ModelKind}), read from
 * XGBoost's own model file (JSON or UBJ) and evaluated in Java. Immutable and thread-safe: many {@link Scorer}s share one.
 *
 * <p>Why not call XGBoost (or DJL's XGBoost engine) per record: every native prediction builds a
 * DMatrix and sets up a predictor, about 80 µs (xgboost4j) to 160 µs (DJL) per call on the
 * project's 2-core machines, while walking the trees here takes a few µs. The evaluation follows
 * XGBoost's CPU predictor step for step, in float32 as XGBoost does: start from the base margin,
 * add each tree's leaf (times its weight for dart) to its class's sum, or the linear terms in
 * column order, then apply the objective's transform: the sigmoid (binary), none (regression),
 * the softmax over the classes' sums (multi-class; trees belong to classes by tree_info). A missing value (NaN, or a column absent from a sparse row)
 * takes the node's default branch; otherwise {@code value < threshold} goes left. The trainer's
 * tests prove the result equals xgboost4j's prediction for every validation row.
 */
public final class XGBoostModel {
  /** Node layout in {@link #nodes}: feature (-1 for a leaf), left child, right child, missing child. */
  static final int STRIDE = 4;

  private final String booster;
  private final int featureCount;
  private final XGBoostModelFile.Output output;
  private final float baseMargin;
  // Trees (gbtree, dart): all nodes of all trees, flattened; children are absolute indices.
  private final int[] nodes;
  private final float[] values; // split threshold, or the leaf value
  private final int[] roots;
  private final int[] treeClass; // the output (class) each tree adds to; all 0 unless multi-class
  private final float[] treeWeights; // dart only; null for gbtree
  // Linear (gblinear): per feature one weight per output, then one bias per output.
  private final float[] linear;
  // The trees again, laid out for the branch-free walk; null for gblinear, very deep trees, or
  // multi-class models, whose trees are compiled per class in classTrees.
  private final CompiledTrees compiled;
  private final CompiledTrees[] classTrees;

  private XGBoostModel(
      String booster, int featureCount, XGBoostModelFile.Output output, int[] nodes, float[] values, int[] roots,
      int[] treeClass, float[] treeWeights, float[] linear) {
    this.booster = booster;
    this.featureCount = featureCount;
    this.output = output;
    this.baseMargin = output.baseMargin();
    this.nodes = nodes;
    this.values = values;
    this.roots = roots;
    this.treeClass = treeClass;
    this.treeWeights = treeWeights;
    this.linear = linear;
    boolean multi = output.classes() > 1;
    this.compiled = nodes == null || multi ? null : CompiledTrees.of(featureCount, baseMargin, nodes, STRIDE, values, roots, treeWeights);
    this.classTrees = nodes == null || !multi ? null : compileByClass();
  }

  /** One compiled ensemble per class, of that class's trees in model order; null when one is too deep. */
  private CompiledTrees[] compileByClass() {
    CompiledTrees[] out = new CompiledTrees[output.classes()];
    for (int k = 0; k < out.length; k++) {
      int n = 0;
      for (int c : treeClass) {
        n += c == k ? 1 : 0;
      }
      int[] classRoots = new int[n];
      float[] classWeights = treeWeights == null ? null : new float[n];
      int i = 0;
      for (int t = 0; t < roots.length; t++) {
        if (treeClass[t] == k) {
          if (classWeights != null) {
            classWeights[i] = treeWeights[t];
          }
          classRoots[i++] = roots[t];
        }
      }
      out[k] = CompiledTrees.of(featureCount, baseMargin, nodes, STRIDE, values, classRoots, classWeights);
      if (out[k] == null) {
        return null;
      }
    }
    return out;
  }

  /** A tree model (gbtree or dart): flattened nodes with {@link #STRIDE} ints each, thresholds or leaf values, tree roots and outputs. */
  static XGBoostModel trees(String booster, int featureCount, XGBoostModelFile.Output output, int[] nodes, float[] values, int[] roots,
      int[] treeClass, float[] treeWeights) {
    return new XGBoostModel(booster, featureCount, output, nodes, values, roots, treeClass, treeWeights, null);
  }

  /** A linear model (gblinear): per feature one weight per output, then the biases. */
  static XGBoostModel linear(int featureCount, XGBoostModelFile.Output output, float[] weights) {
    return new XGBoostModel("gblinear", featureCount, output, null, null, null, null, null, weights);
  }

  /**
   * Reads an XGBoost model file (JSON or UBJ, as {@code Booster.save_model} writes them) of a
   * binary classifier, a regression or a multi-class model.
   *
   * @throws IllegalArgumentException naming what is wrong with the file
   */
  public static XGBoostModel read(byte[] file) {
    return XGBoostModelFile.read(file);
  }

  /** What the model outputs: a probability, a number, or class probabilities. */
  public ModelKind kind() {
    return output.kind();
  }

  /** The XGBoost objective it was trained with, e.g. reg:squarederror. */
  public String objective() {
    return output.objective();
  }

  /** The number of classes of a multi-class model; 1 for the other kinds. */
  public int classCount() {
    return output.classes();
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
   * The positive-class probability of one dense row of a binary model: {@code row[c]} is column
   * c, NaN when missing. Columns at or beyond {@link #featureCount()} are ignored.
   */
  public double predict(float[] row) {
    requireKind(ModelKind.BINARY, "positive-class probability");
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
    // Compiled binary models never come here; for the others a check per row is cheap beside the walk.
    requireKind(ModelKind.BINARY, "positive-class probability");
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

  /** Whether a binary model's rows are scored through {@link #prepare} and {@link #predictPrepared}. */
  boolean compiled() {
    return compiled != null && output.kind() == ModelKind.BINARY;
  }

  /** Whether {@link #outputs} reads a prepared row (else a dense one, or the sparse row for gblinear). */
  boolean outputsCompiled() {
    return compiled != null || classTrees != null;
  }

  /** Length of a prepared row (see {@link CompiledTrees}). */
  int preparedWidth() {
    return 2 * featureCount;
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

  /**
   * The predicted number of one dense row (NaN = missing) of a regression model: the base score
   * plus the trees' leaves (or the linear terms), as XGBoost's output for these objectives.
   */
  public double predictValue(float[] row) {
    requireKind(ModelKind.REGRESSION, "single value");
    float[] out = new float[1];
    outputs(row, null, outputsCompiled() ? new float[preparedWidth()] : null, out);
    return out[0];
  }

  /**
   * The class probabilities of one dense row (NaN = missing) of a multi-class model, in class
   * index order: XGBoost's softmax over each class's summed trees.
   */
  public double[] predictProbabilities(float[] row) {
    requireKind(ModelKind.MULTICLASS, "class probabilities");
    float[] margins = new float[classCount()];
    outputs(row, null, outputsCompiled() ? new float[preparedWidth()] : null, margins);
    double[] p = new double[margins.length];
    softmax(margins, p);
    return p;
  }

  /**
   * The raw outputs of a regression or multi-class row into {@code out} (one per class, else one):
   * trees read {@code prepared} (a buffer of {@link #preparedWidth()}, filled here) when
   * {@link #outputsCompiled()}, else {@code dense}; gblinear reads the {@code sparse} row, or
   * {@code dense} when it is null.
   */
  void outputs(float[] dense, EncodedRow sparse, float[] prepared, float[] out) {
    if (linear != null) {
      linearOutputs(dense, sparse, out);
      return;
    }
    CompiledTrees first = classTrees != null ? classTrees[0] : compiled;
    if (first == null) {
      treeOutputs(dense, out);
      return;
    }
    if (sparse != null) {
      first.prepare(sparse, prepared, 0);
    } else {
      first.prepare(dense, prepared, 0);
    }
    if (classTrees == null) {
      out[0] = compiled.margin(prepared, 0);
      return;
    }
    for (int k = 0; k < classTrees.length; k++) {
      out[k] = classTrees[k].margin(prepared, 0);
    }
  }

  /** The node-by-node walk of {@link #outputs}, kept as the reference the compiled walk is tested against. */
  void outputsReference(float[] row, float[] out) {
    if (linear != null) {
      linearOutputs(row, null, out);
    } else {
      treeOutputs(row, out);
    }
  }

  private void treeOutputs(float[] row, float[] out) {
    Arrays.fill(out, baseMargin);
    for (int t = 0; t < roots.length; t++) {
      int leaf = leafOf(roots[t], row);
      out[treeClass[t]] += treeWeights == null ? values[leaf] : values[leaf] * treeWeights[t];
    }
  }

  private void linearOutputs(float[] dense, EncodedRow sparse, float[] out) {
    int classes = out.length;
    for (int k = 0; k < classes; k++) {
      float psum = linear[featureCount * classes + k] + baseMargin;
      if (sparse != null) {
        for (int i = 0; i < sparse.size; i++) {
          int c = sparse.columns[i];
          if (c < featureCount) {
            psum += sparse.values[i] * linear[c * classes + k];
          }
        }
      } else {
        int n = Math.min(dense.length, featureCount);
        for (int c = 0; c < n; c++) {
          float x = dense[c];
          if (x == x) {
            psum += x * linear[c * classes + k];
          }
        }
      }
      out[k] = psum;
    }
  }

  /** xgboost::common::Softmax: in float, shifted by the largest margin, the sum in double. */
  static void softmax(float[] margins, double[] out) {
    float max = margins[0];
    for (float m : margins) {
      max = Math.max(m, max);
    }
    float[] e = new float[margins.length];
    double sum = 0;
    for (int k = 0; k < margins.length; k++) {
      e[k] = (float) Math.exp(margins[k] - max);
      sum += e[k];
    }
    for (int k = 0; k < margins.length; k++) {
      out[k] = e[k] / (float) sum;
    }
  }

  private void requireKind(ModelKind kind, String what) {
    if (output.kind() != kind) {
      throw new IllegalStateException("the model is " + output.kind().label() + " (objective " + output.objective() + "), so it has no "
          + what + "; Scorer." + output.kind().scorerMethod() + " gives its output");
    }
  }

  private int leafOf(int n, float[] row) {
    int feature;
    while ((feature = nodes[n * STRIDE]) >= 0) {
      float x = feature < row.length ? row[feature] : Float.NaN;
      int o = n * STRIDE;
      n = x != x ? nodes[o + 3] : x < values[n] ? nodes[o + 1] : nodes[o + 2];
    }
    return n;
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
