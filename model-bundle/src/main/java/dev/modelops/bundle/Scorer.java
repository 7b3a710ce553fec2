package dev.modelops.bundle;

import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Scores raw records with a bundle's pipeline and model. Not thread-safe: it owns its model copy
 * and its buffers; create one per thread with {@link ModelBundle#newScorer()}.
 */
public final class Scorer implements AutoCloseable {
  private final FeaturePipeline pipeline;
  private final List<Feature> features;
  private final Booster booster;

  Scorer(FeaturePipeline pipeline, Booster booster) {
    this.pipeline = pipeline;
    this.features = pipeline.features();
    this.booster = booster;
  }

  /** The positive-class probability of one JSON-like record (feature name to value). */
  public double score(Map<String, ?> record) {
    return scoreValues(values(record));
  }

  /** Positive-class probabilities of several records, in one model call. */
  public double[] score(List<? extends Map<String, ?>> records) {
    Object[][] all = new Object[records.size()][];
    for (int i = 0; i < all.length; i++) {
      all[i] = values(records.get(i));
    }
    return scoreAll(all);
  }

  /** The positive-class probability of one record given as raw values in feature order. */
  public double scoreValues(Object[] values) {
    return scoreAll(new Object[][] {values})[0];
  }

  /** Positive-class probabilities of records given as raw values in feature order. */
  public double[] scoreAll(Object[][] records) {
    CsrBuilder csr = new CsrBuilder(pipeline, records.length);
    for (Object[] r : records) {
      csr.add(r);
    }
    return predict(csr.headers(), csr.columns(), csr.values(), pipeline.width(), booster);
  }

  /** Runs the model on a CSR matrix; shared with the trainer so both predict the same way. */
  public static double[] predict(long[] headers, int[] cols, float[] vals, int width, Booster booster) {
    DMatrix m = null;
    try {
      m = new DMatrix(headers, cols, vals, DMatrix.SparseType.CSR, width);
      float[][] p = booster.predict(m);
      double[] out = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        out[i] = p[i][0];
      }
      return out;
    } catch (XGBoostError e) {
      throw new IllegalStateException("the model failed to predict: " + e.getMessage(), e);
    } finally {
      if (m != null) {
        m.dispose();
      }
    }
  }

  /**
   * Checks a JSON-like record and returns its raw values in feature order. An absent feature is
   * an error; an explicit null is a missing value (imputed, and counted by drift tracking).
   */
  public Object[] values(Map<String, ?> record) {
    Object[] out = new Object[features.size()];
    for (int i = 0; i < out.length; i++) {
      Feature f = features.get(i);
      if (!record.containsKey(f.name())) {
        throw new RecordException(f.name(), "missing feature (send null for a missing value)");
      }
      out[i] = convert(f, record.get(f.name()));
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
      double d = Double.parseDouble(cell.trim());
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

  @Override
  public void close() {
    booster.dispose();
  }
}
