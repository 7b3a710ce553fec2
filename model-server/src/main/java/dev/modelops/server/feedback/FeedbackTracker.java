package dev.modelops.server.feedback;

import dev.modelops.server.ModelSettings;
import dev.modelops.server.Prediction;
import dev.modelops.server.log.InferenceLog;
import dev.modelops.server.model.LoadedModel;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Joins true labels to recent predictions (the last {@code model.feedback-capacity}, by id) into
 * live accuracy, logs each join, and exposes the gauge {@code model_live_accuracy} and the
 * counters {@code model_feedback_total} and {@code model_feedback_correct_total}. The two counts
 * only grow (they cover every label since the server started, not the drift window), so they are
 * Prometheus counters; a gauge would lose its {@code _total} suffix in the exposition.
 */
@Context
public class FeedbackTracker {
  private final InferenceLog log;
  private final Map<String, Integer> recent;
  private final AtomicLong correct = new AtomicLong();
  private final AtomicLong total = new AtomicLong();

  public FeedbackTracker(LoadedModel model, ModelSettings settings, InferenceLog log, MeterRegistry registry) {
    this.log = log;
    int capacity = settings.feedbackCapacity();
    this.recent = Collections.synchronizedMap(new RecentById<>(capacity));
    Gauge.builder("model_live_accuracy", this, f -> f.liveAccuracy() == null ? Double.NaN : f.liveAccuracy())
        .description("Accuracy on labelled feedback").tag("model", model.name()).register(registry);
    // Named without _total: the Prometheus registry appends it to counters.
    FunctionCounter.builder("model_feedback", total, AtomicLong::get).description("Predictions that received a true label")
        .tag("model", model.name()).register(registry);
    FunctionCounter.builder("model_feedback_correct", correct, AtomicLong::get).description("Labelled predictions that were right")
        .tag("model", model.name()).register(registry);
  }

  /** Remembers answered predictions, so that feedback can join them. */
  public void remember(Prediction[] out) {
    synchronized (recent) {
      for (Prediction o : out) {
        recent.put(o.id(), o.predictedClass());
      }
    }
  }

  /** Joins a true label to an earlier prediction; false when the id is unknown or too old. */
  public boolean join(String id, int label) {
    Integer predicted = recent.remove(id);
    if (predicted == null) {
      return false;
    }
    total.incrementAndGet();
    if (predicted == label) {
      correct.incrementAndGet();
    }
    log.feedback(id, label, predicted == label);
    return true;
  }

  public long total() {
    return total.get();
  }

  public long correct() {
    return correct.get();
  }

  /** Correct over total, or null before the first label. */
  public Double liveAccuracy() {
    long n = total.get();
    return n == 0 ? null : (double) correct.get() / n;
  }
}
