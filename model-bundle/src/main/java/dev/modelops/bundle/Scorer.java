package dev.modelops.bundle;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Scores raw records with a bundle's pipeline and model. Not thread-safe: it owns reusable
 * buffers (so scoring one record allocates next to nothing); create one per thread with
 * {@link ModelBundle#newScorer()}. Scorers are cheap: they share the bundle's immutable model.
 */
public final class Scorer implements AutoCloseable {
  private final FeaturePipeline pipeline;
  private final List<Feature> features;
  private final XGBoostModel model;
  private final EncodedRow row = new EncodedRow();
  private final float[] dense;
  private final Object[] scratch;
  /** Prepared rows for the compiled tree walk (see {@link CompiledTrees}), {@link #BLOCK} at a time. */
  private final float[] prepared;
  private final float[] margins;
  private static final int BLOCK = 128;
  /** A regression or multi-class row's raw outputs (one per class, else one) and its prepared row; null for binary models. */
  private final float[] outputs;
  private final float[] preparedRow;

  Scorer(FeaturePipeline pipeline, XGBoostModel model) {
    this.pipeline = pipeline;
    this.features = pipeline.features();
    this.model = model;
    this.scratch = new Object[features.size()];
    boolean compiled = model != null && model.compiled();
    boolean binary = model == null || model.kind() == ModelKind.BINARY;
    // A dense row only for models walked node by node; compiled binary ones read prepared rows.
    // (A regression or multi-class model has one too: its score() then fails in XGBoostModel,
    // naming the method to use, with no check on the compiled path.)
    this.dense = compiled ? null : new float[Math.max(pipeline.width(), model == null ? 0 : model.featureCount())];
    if (dense != null) {
      Arrays.fill(dense, Float.NaN);
    }
    this.prepared = compiled ? new float[BLOCK * model.preparedWidth()] : null;
    this.margins = compiled ? new float[BLOCK] : null;
    this.outputs = binary ? null : new float[model.classCount()];
    this.preparedRow = !binary && model.outputsCompiled() ? new float[model.preparedWidth()] : null;
  }

  /**
   * The predicted number of one JSON-like record, for a regression model ({@link ModelKind#REGRESSION}).
   *
   * @throws IllegalStateException when the model is not a regression
   */
  public double value(Map<String, ?> record) {
    return value(values(record, scratch));
  }

  /** The predicted number of one record given as raw values in feature order (see {@link #value(Map)}). */
  public double value(Object[] values) {
    requireKind(ModelKind.REGRESSION, "value");
    return outputs(values)[0];
  }

  /**
   * The class probabilities of one JSON-like record, for a multi-class model
   * ({@link ModelKind#MULTICLASS}), in the order of {@link ModelBundle#classes()}; a new array.
   *
   * @throws IllegalStateException when the model is not multi-class
   */
  public double[] probabilities(Map<String, ?> record) {
    return probabilities(values(record, scratch));
  }

  /** The class probabilities of one record given as raw values in feature order (see {@link #probabilities(Map)}). */
  public double[] probabilities(Object[] values) {
    requireKind(ModelKind.MULTICLASS, "probabilities");
    double[] p = new double[outputs.length];
    XGBoostModel.softmax(outputs(values), p);
    return p;
  }

  private void requireKind(ModelKind kind, String method) {
    if (model.kind() != kind) {
      throw new IllegalStateException("Scorer." + method + " is for " + kind.label() + " models; this one is " + model.kind().label()
          + " (objective " + model.objective() + "): use Scorer." + model.kind().scorerMethod());
    }
  }

  /** The model's raw outputs for one record of a regression or multi-class model (reused buffer). */
  private float[] outputs(Object[] values) {
    pipeline.encode(values, row);
    if (preparedRow != null) {
      model.outputs(null, row, preparedRow, outputs);
      return outputs;
    }
    for (int i = 0; i < row.size; i++) {
      dense[row.columns[i]] = row.values[i];
    }
    try {
      model.outputs(dense, row, preparedRow, outputs);
      return outputs;
    } finally {
      for (int i = 0; i < row.size; i++) {
        dense[row.columns[i]] = Float.NaN;
      }
    }
  }

  /** The positive-class probability of one JSON-like record (feature name to value), for a binary model. */
  public double score(Map<String, ?> record) {
    return scoreValues(values(record, scratch));
  }

  /** Positive-class probabilities of several records. */
  public double[] score(List<? extends Map<String, ?>> records) {
    double[] out = new double[records.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = score(records.get(i));
    }
    return out;
  }

  /** The positive-class probability of one record given as raw values in feature order. */
  public double scoreValues(Object[] values) {
    pipeline.encode(values, row);
    if (prepared != null) {
      model.prepare(row, prepared, 0);
      return model.predictPrepared(prepared, 0);
    }
    // Columns absent from the sparse row stay NaN: missing to the model, as in training.
    for (int i = 0; i < row.size; i++) {
      dense[row.columns[i]] = row.values[i];
    }
    try {
      return model.predict(dense, row);
    } finally {
      for (int i = 0; i < row.size; i++) {
        dense[row.columns[i]] = Float.NaN;
      }
    }
  }

  /** Positive-class probabilities of records given as raw values in feature order. */
  public double[] scoreAll(Object[][] records) {
    double[] out = new double[records.length];
    if (prepared == null) {
      for (int i = 0; i < out.length; i++) {
        out[i] = scoreValues(records[i]);
      }
      return out;
    }
    int w = model.preparedWidth();
    for (int start = 0; start < records.length; start += BLOCK) {
      int n = Math.min(BLOCK, records.length - start);
      for (int i = 0; i < n; i++) {
        pipeline.encode(records[start + i], row);
        model.prepare(row, prepared, i * w);
      }
      model.predictPrepared(prepared, n, margins, out, start);
    }
    return out;
  }

  /**
   * Checks a JSON-like record and returns its raw values in feature order. An absent feature is
   * an error; an explicit null is a missing value (imputed, and counted by drift tracking).
   */
  public Object[] values(Map<String, ?> record) {
    return values(record, new Object[features.size()]);
  }

  /** {@link #values(Map)} for any feature list (e.g. an ONNX model's, which has no pipeline). */
  public static Object[] values(List<Feature> features, Map<String, ?> record) {
    return values(features, record, new Object[features.size()]);
  }

  private Object[] values(Map<String, ?> record, Object[] out) {
    return values(features, record, out);
  }

  private static Object[] values(List<Feature> features, Map<String, ?> record, Object[] out) {
    for (int i = 0; i < out.length; i++) {
      Feature f = features.get(i);
      Object v = record.get(f.name());
      if (v == null && !record.containsKey(f.name())) {
        throw new RecordException(f.name(), "missing feature (send null for a missing value)");
      }
      out[i] = convert(f, v);
    }
    return out;
  }

  /** Converts one raw JSON value for a feature, or throws naming the field and the problem. */
  public static Object convert(Feature f, Object v) {
    if (v == null) {
      return null;
    }
    switch (f.type()) {
      case NUMERIC -> {
        if (v instanceof Number n) {
          double d = n.doubleValue();
          if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new RecordException(f.name(), "must be a finite number, got " + d);
          }
          return d;
        }
        throw new RecordException(f.name(), "must be a number, got " + typeName(v) + " " + quote(v));
      }
      case CATEGORICAL -> {
        if (v instanceof String s) {
          return s;
        }
        if (v instanceof Number n) {
          double d = n.doubleValue();
          if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new RecordException(f.name(), "must be a category, got " + d);
          }
          return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        }
        if (v instanceof Boolean b) {
          return b.toString();
        }
        throw new RecordException(f.name(), "must be a string category, got " + typeName(v));
      }
      case TEXT -> {
        if (v instanceof String s) {
          return s;
        }
        throw new RecordException(f.name(), "must be text (a string), got " + typeName(v));
      }
      default -> throw new IllegalStateException(f.type().toString());
    }
  }

  /**
   * Converts one CSV cell for a feature: empty and NA are missing; a numeric cell that is not a
   * number is an error naming the field.
   */
  public static Object fromCell(Feature f, String cell) {
    if (cell == null || cell.isEmpty() || "NA".equals(cell)) {
      return null;
    }
    if (f.type() != FeatureType.NUMERIC) {
      return cell;
    }
    try {
      // Jackson's fast parser: the same syntax and the same correctly rounded result as Double.parseDouble.
      double d = com.fasterxml.jackson.core.io.NumberInput.parseDouble(cell.trim(), true);
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new RecordException(f.name(), "must be a finite number, got " + cell);
      }
      return d;
    } catch (NumberFormatException e) {
      throw new RecordException(f.name(), "must be a number, got \"" + cell + "\"");
    }
  }

  private static String typeName(Object v) {
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof List) {
      return "an array";
    }
    return v.getClass().getSimpleName();
  }

  private static String quote(Object v) {
    return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }

  /** Nothing to release (the model is plain Java memory); kept so callers can use try-with-resources. */
  @Override
  public void close() {}
}
