package dev.modelops.server.scoring;

import dev.modelops.bundle.ModelKind;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.server.Prediction;
import dev.modelops.server.model.LoadedModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The prediction meters, by the model's kind: {@code model_predictions} by class (binary: 0 and 1;
 * multi-class: the class label; regression: one count) and the predictions' bins (binary:
 * {@code model_prediction_probability_bin} in the reference profile's fixed probability bins;
 * regression: {@code model_prediction_value_bin} in the profile's value bins, when the bundle has a
 * profile); {@code model_served} (labels name the model and version) and {@code model_age_seconds}.
 * Predictions are counted once per call, however many rows.
 */
@Context
public class PredictionMetrics {
  private final ModelKind kind;
  private final Counter[] predictedClass;
  private final double[] cuts;
  private final Counter[] bins;

  public PredictionMetrics(LoadedModel model, MeterRegistry registry) {
    kind = model.ready() ? model.kind() : ModelKind.BINARY;
    List<String> classes = kind == ModelKind.MULTICLASS ? model.classes() : kind == ModelKind.BINARY ? List.of("0", "1") : List.of();
    predictedClass = new Counter[Math.max(1, classes.size())];
    for (int c = 0; c < predictedClass.length; c++) {
      Counter.Builder counter = Counter.builder("model_predictions").description("Predictions by predicted class").tag("model", model.name());
      predictedClass[c] = (classes.isEmpty() ? counter : counter.tag("class", classes.get(c))).register(registry);
    }
    if (kind == ModelKind.BINARY) {
      cuts = ProfileBuilder.PREDICTION_CUTS;
      bins = binCounters(registry, model.name(), "model_prediction_probability_bin", "Predicted probabilities by fixed bin (le = upper bound)", "1.0");
    } else if (kind == ModelKind.REGRESSION && model.bundle().profile() != null && model.bundle().profile().prediction() != null) {
      cuts = model.bundle().profile().prediction().cuts();
      bins = binCounters(registry, model.name(), "model_prediction_value_bin", "Predicted values by the reference profile's bin (le = upper bound)", "+Inf");
    } else {
      cuts = null;
      bins = null;
    }
    Gauge.builder("model_served", () -> 1).description("The served model (always 1); its labels name the model and version")
        .tag("model", model.name()).tag("version", Integer.toString(model.version())).register(registry);
    Gauge.builder("model_age_seconds", model, m -> m.ready() ? Duration.between(Instant.parse(m.bundle().manifest().createdAt()), Instant.now()).toSeconds() : Double.NaN)
        .description("Seconds since the served bundle was trained").tag("model", model.name()).register(registry);
  }

  private Counter[] binCounters(MeterRegistry registry, String model, String metric, String description, String last) {
    Counter[] out = new Counter[cuts.length + 1];
    for (int b = 0; b <= cuts.length; b++) {
      out[b] = Counter.builder(metric).description(description).tag("model", model).tag("le", b < cuts.length ? Double.toString(cuts[b]) : last).register(registry);
    }
    return out;
  }

  /** Counts answers by class and bin . */
  public void record(Prediction[] out) {
    if (kind == ModelKind.MULTICLASS) {
      long[] byClass = new long[predictedClass.length];
      for (Prediction p : out) {
        byClass[p.predictedClass()]++;
      }
      increment(predictedClass, byClass);
      return;
    }
    if (kind == ModelKind.REGRESSION) {
      predictedClass[0].increment(out.length);
      if (bins != null) {
        long[] counts = new long[bins.length];
        for (Prediction p : out) {
          counts[ReferenceProfile.binOf(cuts, p.value())]++;
        }
        increment(bins, counts);
      }
      return;
    }
    long[] counts = new long[bins.length];
    int positive = 0;
    for (Prediction p : out) {
      positive += p.predictedClass();
      counts[ReferenceProfile.binOf(cuts, p.probability())]++;
    }
    predictedClass[1].increment(positive);
    predictedClass[0].increment(out.length - positive);
    increment(bins, counts);
  }

  private static void increment(Counter[] counters, long[] counts) {
    for (int b = 0; b < counts.length; b++) {
      if (counts[b] > 0) {
        counters[b].increment(counts[b]);
      }
    }
  }
}
