package dev.modelops.server.model;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import dev.modelops.bundle.BundleException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A bring-your-own ONNX model, run by DJL's ONNX Runtime engine. The model takes one float
 * input of shape [rows, features] (the manifest's numeric features, in order; a missing value is
 * NaN) and answers, among its outputs, either class probabilities [rows, 2] (the positive class
 * is column 1, as scikit-learn converters write them) or a probability [rows] / [rows, 1].
 */
final class OnnxModel implements AutoCloseable {
  private final ZooModel<NDList, NDList> model;
  private final ThreadLocal<Predictor<NDList, NDList>> predictors;
  private final int width;

  OnnxModel(Path file, int width) {
    this.width = width;
    try {
      Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
          .optModelPath(file).optEngine("OnnxRuntime").build();
      this.model = criteria.loadModel();
    } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
      throw new BundleException("cannot load the ONNX model " + file + ": " + e.getMessage(), e);
    }
    this.predictors = ThreadLocal.withInitial(model::newPredictor);
  }

  /** The positive-class probability of each row. */
  double[] score(Object[][] rows) {
    float[] data = new float[rows.length * width];
    for (int r = 0; r < rows.length; r++) {
      for (int c = 0; c < width; c++) {
        Object v = rows[r][c];
        data[r * width + c] = v == null ? Float.NaN : ((Number) v).floatValue();
      }
    }
    try (NDManager manager = NDManager.newBaseManager("OnnxRuntime")) {
      NDArray input = manager.create(data, new Shape(rows.length, width));
      NDList out = predictors.get().predict(new NDList(input));
      for (NDArray o : out) {
        Shape s = o.getShape();
        if (o.getDataType() != DataType.FLOAT32 && o.getDataType() != DataType.FLOAT64) {
          continue;
        }
        double[] all = toDoubles(o);
        if (s.dimension() == 2 && s.get(1) == 2) {
          double[] positive = new double[rows.length];
          for (int r = 0; r < rows.length; r++) {
            positive[r] = all[2 * r + 1];
          }
          return positive;
        }
        if (s.dimension() == 1 || (s.dimension() == 2 && s.get(1) == 1)) {
          return all;
        }
      }
      throw new IllegalStateException("the ONNX model has no output of probabilities ([rows, 2] or [rows]); its outputs: " + out.getShapes());
    } catch (TranslateException e) {
      throw new IllegalStateException("ONNX Runtime could not run the model: " + e.getMessage(), e);
    }
  }

  /** The ONNX Runtime engine's arrays support reading out, not slicing: copy, then pick. */
  private static double[] toDoubles(NDArray a) {
    if (a.getDataType() == DataType.FLOAT64) {
      return a.toDoubleArray();
    }
    float[] f = a.toFloatArray();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  @Override
  public void close() {
    model.close();
  }
}
