package dev.modelops.server.scoring;

import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import dev.modelops.server.drift.DriftTracker;
import dev.modelops.server.feedback.FeedbackTracker;
import dev.modelops.server.log.InferenceLog;
import dev.modelops.server.model.LoadedModel;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

/**
 * Scores rows and hands the answers to every service that keeps account of predictions: drift
 * counts, the prediction metrics, the memory feedback joins, and the inference log. Every
 * endpoint scores through here, and the bookkeeping is done once per call, however many rows.
 */
@Singleton
public class Predictions {
  private final LoadedModel model;
  private final DriftTracker drift;
  private final PredictionMetrics metrics;
  private final FeedbackTracker feedback;
  private final InferenceLog log;
  private final RequestIds ids = new RequestIds();

  public Predictions(LoadedModel model, DriftTracker drift, PredictionMetrics metrics, FeedbackTracker feedback, InferenceLog log) {
    this.model = model;
    this.drift = drift;
    this.metrics = metrics;
    this.feedback = feedback;
    this.log = log;
  }

  /** Scores the rows in one model call and answers them in order. */
  public Prediction[] predict(Rows rows) {
    return predict(rows, null);
  }

  /**
   * Scores the rows in one model call and answers them in order, under the given ids (a shadow
   * candidate answering under the ids its Production server gave the same rows) or, when null,
   * new ones.
   */
  public Prediction[] predict(Rows rows, RequestIds.Block given) {
    Object[][] values = rows.values();
    if (given != null && given.size() >= 0 && given.size() != values.length) {
      throw new ApiException(HttpStatus.BAD_REQUEST, RequestIds.HEADER,
          RequestIds.HEADER + " names " + given.size() + " ids for " + values.length + " rows; it must name one id per row, or only the first");
    }
    RequestIds.Block block = given != null ? given : ids.next(values.length);
    // One dispatch per call on the model's kind, so the binary rows take the path they always took.
    Prediction[] out = switch (model.kind()) {
      case BINARY -> binary(values, block);
      case REGRESSION -> regression(values, block);
      case MULTICLASS -> multiclass(values, block);
    };
    metrics.record(out);
    feedback.remember(out);
    log.predictions(out, rows);
    return out;
  }

  private Prediction[] binary(Object[][] values, RequestIds.Block block) {
    double[] p = model.scoreAll(values);
    drift.record(values, p);
    Prediction[] out = new Prediction[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = new Prediction(block.id(i), p[i] >= 0.5 ? 1 : 0, p[i]);
    }
    return out;
  }

  private Prediction[] regression(Object[][] values, RequestIds.Block block) {
    double[] v = model.valueAll(values);
    drift.record(values, v);
    Prediction[] out = new Prediction[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Prediction.ofValue(block.id(i), v[i]);
    }
    return out;
  }

  private Prediction[] multiclass(Object[][] values, RequestIds.Block block) {
    double[][] p = model.probabilitiesAll(values);
    // The drift window counts the predicted class's index in the profile's class bins.
    double[] predicted = new double[p.length];
    Prediction[] out = new Prediction[p.length];
    for (int i = 0; i < p.length; i++) {
      int k = ProfileBuilder.predictedClass(p[i]);
      predicted[i] = k;
      out[i] = Prediction.ofClasses(block.id(i), k, p[i]);
    }
    drift.record(values, predicted);
    return out;
  }
}
