package dev.modelops.server;

import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.Scorer;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.bundle.drift.DriftWindow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scores records and does the bookkeeping every prediction needs: drift counts, the inference
 * log, the memory of recent predictions that feedback can join, and the prediction metrics.
 */
@Singleton
public class Predictions {
  /** One answer. */
  public record Prediction(String id, int predictedClass, double probability) {}

  private final LoadedModel model;
  private final InferenceLog log;
  private final ModelSettings settings;
  private final DriftWindow drift;
  private final Map<String, Integer> recent;
  private final Counter[] predictedClass = new Counter[2];
  private final AtomicLong feedbackCorrect = new AtomicLong();
  private final AtomicLong feedbackTotal = new AtomicLong();
  private final Counter[] predictionBins;
  private final RequestIds ids = new RequestIds();

  public Predictions(LoadedModel model, InferenceLog log, ModelSettings settings, MeterRegistry registry) {
    this.model = model;
    this.log = log;
    this.settings = settings;
    this.drift = model.ready() && settings.driftEnabled() && model.bundle().profile() != null
        ? new DriftWindow(model.bundle().pipeline(), model.bundle().profile(), settings.driftWindow()) : null;
    int capacity = settings.feedbackCapacity();
    this.recent = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
        return size() > capacity;
      }
    });
    for (int c = 0; c < 2; c++) {
      predictedClass[c] = Counter.builder("model_predictions").description("Predictions by predicted class")
          .tag("model", model.name()).tag("class", Integer.toString(c)).register(registry);
    }
    double[] cuts = ProfileBuilder.PREDICTION_CUTS;
    predictionBins = new Counter[cuts.length + 1];
    for (int b = 0; b <= cuts.length; b++) {
      predictionBins[b] = Counter.builder("model_prediction_probability_bin").description("Predicted probabilities by fixed bin (le = upper bound)")
          .tag("model", model.name()).tag("le", b < cuts.length ? Double.toString(cuts[b]) : "1.0").register(registry);
    }
    Gauge.builder("model_live_accuracy", this, p -> p.feedbackTotal.get() == 0 ? Double.NaN : (double) p.feedbackCorrect.get() / p.feedbackTotal.get())
        .description("Accuracy on labelled feedback").tag("model", model.name()).register(registry);
    Gauge.builder("model_feedback_total", feedbackTotal, AtomicLong::get).description("Predictions that received a true label")
        .tag("model", model.name()).register(registry);
    Gauge.builder("model_feedback_correct", feedbackCorrect, AtomicLong::get).description("Labelled predictions that were right")
        .tag("model", model.name()).register(registry);
    Gauge.builder("model_served", () -> 1).description("The served model (always 1); its labels name the model and version")
        .tag("model", model.name()).tag("version", Integer.toString(model.version())).register(registry);
    Gauge.builder("model_age_seconds", model, m -> m.ready() ? java.time.Duration.between(Instant.parse(m.bundle().manifest().createdAt()), Instant.now()).toSeconds() : Double.NaN)
        .description("Seconds since the served bundle was trained").tag("model", model.name()).register(registry);
  }

  /** Scores one record that has already been converted to raw values. */
  public Prediction predict(Object[] values, Map<String, ?> input) {
    return predictAll(new Object[][] {values}, input == null ? null : java.util.List.of(input))[0];
  }

  /**
   * Scores several records in one model call; the bookkeeping (drift counts, metrics, the memory
   * feedback joins) is done once for all of them.
   */
  public Prediction[] predictAll(Object[][] values, java.util.List<? extends Map<String, ?>> inputs) {
    double[] p = model.scoreAll(values);
    if (drift != null) {
      drift.recordAll(values, p);
    }
    Prediction[] out = new Prediction[p.length];
    long[] bins = new long[predictionBins.length];
    int positive = 0;
    for (int i = 0; i < p.length; i++) {
      int cls = p[i] >= 0.5 ? 1 : 0;
      positive += cls;
      bins[dev.modelops.bundle.ReferenceProfile.binOf(ProfileBuilder.PREDICTION_CUTS, p[i])]++;
      out[i] = new Prediction(ids.next(), cls, p[i]);
    }
    predictedClass[1].increment(positive);
    predictedClass[0].increment(p.length - positive);
    for (int b = 0; b < bins.length; b++) {
      if (bins[b] > 0) {
        predictionBins[b].increment(bins[b]);
      }
    }
    synchronized (recent) {
      for (Prediction o : out) {
        recent.put(o.id(), o.predictedClass());
      }
    }
    if (log.enabled()) {
      for (int i = 0; i < out.length; i++) {
        log(out[i], values[i], inputs == null ? null : inputs.get(i));
      }
    }
    return out;
  }

  private void log(Prediction p, Object[] values, Map<String, ?> input) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("type", "prediction");
    entry.put("id", p.id());
    entry.put("time", Instant.now().toString());
    entry.put("model", model.name());
    entry.put("version", model.version());
    entry.put("input", input != null ? input : rawInput(values));
    entry.put("class", p.predictedClass());
    entry.put("probability", p.probability());
    log.append(entry);
  }

  private Map<String, Object> rawInput(Object[] values) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      m.put(model.features().get(i).name(), values[i]);
    }
    return m;
  }

  /** Joins a true label to an earlier prediction; false when the id is unknown or too old. */
  public boolean feedback(String id, int label) {
    Integer predicted = recent.remove(id);
    if (predicted == null) {
      return false;
    }
    feedbackTotal.incrementAndGet();
    if (predicted == label) {
      feedbackCorrect.incrementAndGet();
    }
    if (log.enabled()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", "feedback");
      entry.put("id", id);
      entry.put("time", Instant.now().toString());
      entry.put("label", label);
      entry.put("correct", predicted == label);
      log.append(entry);
    }
    return true;
  }

  public long feedbackTotal() {
    return feedbackTotal.get();
  }

  public long feedbackCorrect() {
    return feedbackCorrect.get();
  }

  public Double liveAccuracy() {
    long n = feedbackTotal.get();
    return n == 0 ? null : (double) feedbackCorrect.get() / n;
  }

  public boolean driftEnabled() {
    return drift != null;
  }

  public DriftCounts driftCounts() {
    return drift.snapshot();
  }

  public DriftReport driftReport() {
    return DriftReport.of(model.bundle().profile(), drift.snapshot(), DriftReport.Thresholds.defaults());
  }

}
