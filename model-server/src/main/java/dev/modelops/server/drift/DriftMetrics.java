package dev.modelops.server.drift;

import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.server.model.LoadedModel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Exposes drift to Prometheus: per-feature drift scores, PSI, missing share, text OOV rate,
 * prediction drift, the share of drifted features, and the window's counts in the reference
 * profile's fixed bins (gauges, so that a Prometheus query can sum them over replicas and
 * rebuild the summed {@link DriftCounts}, the way the operator's Prometheus source does):
 *
 * <ul>
 *   <li>{@code model_feature_bin_count{model,feature,bin}}: numeric features, one per reference
 *       bin then missing; categorical features, one per category, then "other", then missing;
 *   <li>{@code model_feature_bin_sum{model,feature,bin}}: numeric features, the sum of the values
 *       counted in each reference bin (for the Wasserstein distance);
 *   <li>{@code model_text_term_count{model,feature,bin}}: text features, occurrences of each
 *       vocabulary term ({@code bin} is the term's index in the profile's vocabulary);
 *   <li>{@code model_text_oov_count{model,feature}} and {@code model_text_missing_count{model,feature}}:
 *       term occurrences outside the vocabulary, and records without the text;
 *   <li>{@code model_prediction_bin_count{model,bin}}: predictions per bin of the reference profile:
 *       the fixed probability bins (binary), the value deciles (regression), one bin per class (multi-class);
 *   <li>{@code model_drift_window_samples{model}}: the records counted.
 * </ul>
 *
 * <p>Series per replica: the reference bins, so bounded by the bundle (up to 101 counts and 100 sums
 * per numeric feature, one count per category, ten for the prediction) except text, which has one per vocabulary term
 * (the trainer's {@code maxVocabulary}). Counts and report are taken from one snapshot at most
 * once a second, however many gauges a scrape reads.
 */
@Context
public class DriftMetrics {
  private final DriftTracker drift;
  private volatile long computedAt;
  private volatile DriftReport report;
  private volatile DriftCounts counts;

  public DriftMetrics(LoadedModel model, DriftTracker drift, MeterRegistry registry) {
    this.drift = drift;
    if (!model.ready() || !drift.enabled()) {
      return;
    }
    String name = model.name();
    DriftReport first = drift.report();
    for (int i = 0; i < first.features().size(); i++) {
      final int f = i;
      String feature = first.features().get(i).name();
      gauge(registry, "model_feature_drift_score",
          "Drift score of a feature: normed Wasserstein distance (numeric), Jensen-Shannon distance, natural log (categorical, numeric of at most 5 values, text)",
          name, feature, r -> r.features().get(f).score());
      double threshold = first.features().get(i).threshold();
      Gauge.builder("model_feature_drift_threshold", () -> threshold).description("The drift score at or above which a feature counts as drifted")
          .tag("model", name).tag("feature", feature).register(registry);
      gauge(registry, "model_feature_missing_share", "Share of recent values that were missing", name, feature, r -> r.features().get(f).missingShare());
      if (first.features().get(i).psi() != null) {
        gauge(registry, "model_feature_psi", "Population stability index of a feature", name, feature, r -> r.features().get(f).psi());
      }
      if (first.features().get(i).outOfVocabularyRate() != null) {
        gauge(registry, "model_text_oov_rate", "Share of recent text terms not in the training vocabulary", name, feature, r -> r.features().get(f).outOfVocabularyRate());
      }
    }
    Gauge.builder("model_prediction_psi", this, m -> m.report().predictionPsi()).description("PSI of the predictions' distribution in the reference profile's bins").tag("model", name).register(registry);
    Gauge.builder("model_drifted_feature_share", this, m -> m.report().driftedFeatureShare()).description("Share of features over their drift threshold").tag("model", name).register(registry);
    Gauge.builder("model_drift_window_samples", this, m -> m.report().samples()).description("Predictions in the drift window").tag("model", name).register(registry);
    DriftCounts c = drift.counts();
    String bins = "Recent values per reference bin (last bin: missing)";
    c.numeric().forEach((feature, counts) -> binCounts(registry, "model_feature_bin_count", bins, name, feature, counts.length, m -> m.numeric().get(feature)));
    c.numericSums().forEach((feature, sums) -> {
      for (int b = 0; b < sums.length; b++) {
        final int bin = b;
        Gauge.builder("model_feature_bin_sum", this, m -> m.counts().numericSums().get(feature)[bin])
            .description("Sum of the recent values of a numeric feature in each reference bin (their mean places them in the bin)")
            .tag("model", name).tag("feature", feature).tag("bin", Integer.toString(b)).register(registry);
      }
    });
    c.categorical().forEach((feature, counts) -> binCounts(registry, "model_feature_bin_count", bins, name, feature, counts.length,
        m -> m.categorical().get(feature)));
    c.text().forEach((feature, counts) -> {
      binCounts(registry, "model_text_term_count", "Recent occurrences of each vocabulary term (bin: the term's index)", name, feature, counts.terms().length,
          m -> m.text().get(feature).terms());
      Gauge.builder("model_text_oov_count", this, m -> m.counts().text().get(feature).outOfVocabulary())
          .description("Recent term occurrences not in the training vocabulary").tag("model", name).tag("feature", feature).register(registry);
      Gauge.builder("model_text_missing_count", this, m -> m.counts().text().get(feature).missing())
          .description("Recent records without this text").tag("model", name).tag("feature", feature).register(registry);
    });
    binCounts(registry, "model_prediction_bin_count", "Recent predictions per bin of the reference profile (binary: probability; regression: value; multi-class: the predicted class)", name, null, c.prediction().length, DriftCounts::prediction);
  }

  /** One gauge per bin of a feature's counts ({@code feature} null: the prediction's), read from the latest counts. */
  private void binCounts(MeterRegistry registry, String metric, String description, String model, String feature, int bins, Function<DriftCounts, long[]> of) {
    for (int b = 0; b < bins; b++) {
      final int bin = b;
      Gauge.Builder<DriftMetrics> gauge = Gauge.builder(metric, this, m -> of.apply(m.counts())[bin]).description(description)
          .tag("model", model).tag("bin", Integer.toString(b));
      (feature == null ? gauge : gauge.tag("feature", feature)).register(registry);
    }
  }

  private void gauge(MeterRegistry registry, String metric, String description, String model, String feature, ToDoubleFunction<DriftReport> value) {
    Gauge.builder(metric, this, m -> value.applyAsDouble(m.report())).description(description).tag("model", model).tag("feature", feature).register(registry);
  }

  private synchronized void refresh() {
    long now = System.currentTimeMillis();
    if (report == null || now - computedAt > 1000) {
      counts = drift.counts();
      report = drift.report(counts);
      computedAt = now;
    }
  }

  DriftReport report() {
    refresh();
    return report;
  }

  DriftCounts counts() {
    refresh();
    return counts;
  }
}
