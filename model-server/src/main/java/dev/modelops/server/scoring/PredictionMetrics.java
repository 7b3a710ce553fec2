package dev.modelops.server.scoring;

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

/**
 * The prediction meters: {@code model_predictions} by class, {@code model_prediction_probability_bin}
 * in the reference profile's fixed probability bins, {@code model_served} (labels name the model
 * and version) and {@code model_age_seconds}. Predictions are counted once per call, however many rows.
 */
@Context
public class PredictionMetrics {
  private final Counter[] predictedClass = new Counter[2];
  private final Counter[] probabilityBins;

  public PredictionMetrics(LoadedModel model, MeterRegistry registry) {
    for (int c = 0; c < 2; c++) {
      predictedClass[c] = Counter.builder("model_predictions").description("Predictions by predicted class")
          .tag("model", model.name()).tag("class", Integer.toString(c)).register(registry);
    }
    double[] cuts = ProfileBuilder.PREDICTION_CUTS;
    probabilityBins = new Counter[cuts.length + 1];
    for (int b = 0; b <= cuts.length; b++) {
      probabilityBins[b] = Counter.builder("model_prediction_probability_bin").description("Predicted probabilities by fixed bin (le = upper bound)")
          .tag("model", model.name()).tag("le", b < cuts.length ? Double.toString(cuts[b]) : "1.0").register(registry);
    }
    Gauge.builder("model_served", () -> 1).description("The served model (always 1); its labels name the model and version")
        .tag("model", model.name()).tag("version", Integer.toString(model.version())).register(registry);
    Gauge.builder("model_age_seconds", model, m -> m.ready() ? Duration.between(Instant.parse(m.bundle().manifest().createdAt()), Instant.now()).toSeconds() : Double.NaN)
        .description("Seconds since the served bundle was trained").tag("model", model.name()).register(registry);
  }

  /** Counts answers by class and probability bin. */
  public void record(Prediction[] out) {
    long[] bins = new long[probabilityBins.length];
    int positive = 0;
    for (Prediction p : out) {
      positive += p.predictedClass();
      bins[ReferenceProfile.binOf(ProfileBuilder.PREDICTION_CUTS, p.probability())]++;
    }
    predictedClass[1].increment(positive);
    predictedClass[0].increment(out.length - positive);
    for (int b = 0; b < bins.length; b++) {
      if (bins[b] > 0) {
        probabilityBins[b].increment(bins[b]);
      }
    }
  }
}
