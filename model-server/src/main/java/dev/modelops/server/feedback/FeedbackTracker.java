package dev.modelops.server.feedback;

import dev.modelops.bundle.ModelKind;
import dev.modelops.server.ModelSettings;
import dev.modelops.server.Prediction;
import dev.modelops.server.log.InferenceLog;
import dev.modelops.server.model.LoadedModel;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Joins true labels to recent predictions (the last {@code model.feedback-capacity}, by id) into
 * live accuracy (binary and multi-class: a class label) or live MAE and RMSE (regression: a true
 * number), logs each join, and exposes the gauge {@code model_live_accuracy} and the counters
 * {@code model_feedback_total}, {@code model_feedback_correct_total} and, for regression, the sums
 * of absolute and squared errors ({@code model_feedback_abs_error_sum_total},
 * {@code model_feedback_squared_error_sum_total}), from which MAE and RMSE over any replicas and
 * time range follow. The counts only grow (they cover every label since the server started, not
 * the drift window), so they are Prometheus counters; a gauge would lose its {@code _total}
 * suffix in the exposition.
 */
@Context
public class FeedbackTracker {
  private final InferenceLog log;
  private final boolean regression;
  private final List<String> classes;
  /** What was predicted, by id: the class (an Integer, boxed from the small cached ones) or the regression's value (a Double). */
  private final Map<String, Number> recent;
  private final AtomicLong correct = new AtomicLong();
  private final AtomicLong total = new AtomicLong();
  private final DoubleAdder absError = new DoubleAdder();
  private final DoubleAdder squaredError = new DoubleAdder();

  public FeedbackTracker(LoadedModel model, ModelSettings settings, InferenceLog log, MeterRegistry registry) {
    this.log = log;
    this.regression = model.ready() && model.kind() == ModelKind.REGRESSION;
    this.classes = model.ready() ? model.classes() : List.of();
    int capacity = settings.feedbackCapacity();
    this.recent = Collections.synchronizedMap(new RecentById<>(capacity));
    Gauge.builder("model_live_accuracy", this, f -> f.liveAccuracy() == null ? Double.NaN : f.liveAccuracy())
        .description("Accuracy on labelled feedback").tag("model", model.name()).register(registry);
    // Named without _total: the Prometheus registry appends it to counters.
    FunctionCounter.builder("model_feedback", total, AtomicLong::get).description("Predictions that received a true label")
        .tag("model", model.name()).register(registry);
    FunctionCounter.builder("model_feedback_correct", correct, AtomicLong::get).description("Labelled predictions that were right")
        .tag("model", model.name()).register(registry);
    if (regression) {
      FunctionCounter.builder("model_feedback_abs_error_sum", absError, DoubleAdder::sum).description("Sum of the absolute errors of labelled predictions")
          .tag("model", model.name()).register(registry);
      FunctionCounter.builder("model_feedback_squared_error_sum", squaredError, DoubleAdder::sum).description("Sum of the squared errors of labelled predictions")
          .tag("model", model.name()).register(registry);
    }
  }

  /** Remembers answered predictions, so that feedback can join them. */
  public void remember(Prediction[] out) {
    synchronized (recent) {
      if (regression) {
        for (Prediction o : out) {
          recent.put(o.id(), o.value());
        }
      } else {
        for (Prediction o : out) {
          recent.put(o.id(), o.predictedClass());
        }
      }
    }
  }

  /** Joins a true class (0/1, or a multi-class model's class index) to an earlier prediction; false when the id is unknown or too old. */
  public boolean join(String id, int label) {
    Number predicted = recent.remove(id);
    if (predicted == null) {
      return false;
    }
    boolean right = predicted.intValue() == label;
    total.incrementAndGet();
    if (right) {
      correct.incrementAndGet();
    }
    log.feedback(id, classes.isEmpty() ? label : classes.get(label), right);
    return true;
  }

  /** Joins a regression's true number to an earlier prediction; false when the id is unknown or too old. */
  public boolean join(String id, double label) {
    Number predicted = recent.remove(id);
    if (predicted == null) {
      return false;
    }
    double error = label - predicted.doubleValue();
    absError.add(Math.abs(error));
    squaredError.add(error * error);
    total.incrementAndGet();
    log.feedbackValue(id, label, error);
    return true;
  }

  public long total() {
    return total.get();
  }

  public long correct() {
    return correct.get();
  }

  /** Correct over total, or null before the first label and for a regression. */
  public Double liveAccuracy() {
    long n = total.get();
    return n == 0 || regression ? null : (double) correct.get() / n;
  }

  /** Whether labels are numbers (a regression), joined into MAE and RMSE rather than accuracy. */
  public boolean regression() {
    return regression;
  }

  /** The sum of the absolute errors of the labelled predictions (regression). */
  public double absErrorSum() {
    return absError.sum();
  }

  /** The sum of the squared errors of the labelled predictions (regression). */
  public double squaredErrorSum() {
    return squaredError.sum();
  }

  /** The mean absolute error of the labelled predictions, or null before the first label or for other kinds. */
  public Double liveMae() {
    long n = total.get();
    return n == 0 || !regression ? null : absError.sum() / n;
  }

  /** The root mean squared error of the labelled predictions, or null before the first label or for other kinds. */
  public Double liveRmse() {
    long n = total.get();
    return n == 0 || !regression ? null : Math.sqrt(squaredError.sum() / n);
  }
}
