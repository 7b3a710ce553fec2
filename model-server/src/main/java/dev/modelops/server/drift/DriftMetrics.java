package dev.modelops.server.drift;

import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.server.model.LoadedModel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Exposes drift to Prometheus: per-feature drift scores, PSI, missing share, text OOV rate,
 * prediction drift, the share of drifted features, and the window's counts per reference bin
 * (gauges, so that a Prometheus query can sum them over replicas). The report is computed at
 * most once a second, however many gauges a scrape reads.
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
      gauge(registry, "model_feature_drift_score", "Drift score of a feature (PSI numeric, Jensen-Shannon otherwise)", name, feature, r -> r.features().get(f).score());
      double threshold = switch (first.features().get(i).type()) {
        case "numeric" -> DriftReport.Thresholds.defaults().numericPsi();
        case "categorical" -> DriftReport.Thresholds.defaults().categoricalJensenShannon();
        default -> DriftReport.Thresholds.defaults().textJensenShannon();
      };
      Gauge.builder("model_feature_drift_threshold", () -> threshold).description("The drift score above which a feature counts as drifted")
          .tag("model", name).tag("feature", feature).register(registry);
      gauge(registry, "model_feature_missing_share", "Share of recent values that were missing", name, feature, r -> r.features().get(f).missingShare());
      if (first.features().get(i).psi() != null) {
        gauge(registry, "model_feature_psi", "Population stability index of a feature", name, feature, r -> r.features().get(f).psi());
      }
      if (first.features().get(i).outOfVocabularyRate() != null) {
        gauge(registry, "model_text_oov_rate", "Share of recent text terms not in the training vocabulary", name, feature, r -> r.features().get(f).outOfVocabularyRate());
      }
    }
    Gauge.builder("model_prediction_psi", this, m -> m.report().predictionPsi()).description("PSI of the predicted-probability distribution").tag("model", name).register(registry);
    Gauge.builder("model_drifted_feature_share", this, m -> m.report().driftedFeatureShare()).description("Share of features over their drift threshold").tag("model", name).register(registry);
    Gauge.builder("model_drift_window_samples", this, m -> m.report().samples()).description("Predictions in the drift window").tag("model", name).register(registry);
    DriftCounts c = drift.counts();
    binCounts(registry, name, c.numeric(), DriftCounts::numeric);
    binCounts(registry, name, c.categorical(), DriftCounts::categorical);
  }

  /** One {@code model_feature_bin_count} gauge per feature and bin of {@code bins}, read from the latest counts. */
  private void binCounts(MeterRegistry registry, String model, Map<String, long[]> bins, Function<DriftCounts, Map<String, long[]>> of) {
    bins.forEach((feature, counts) -> {
      for (int b = 0; b < counts.length; b++) {
        final int bin = b;
        Gauge.builder("model_feature_bin_count", this, m -> of.apply(m.counts()).get(feature)[bin]).description("Recent values per reference bin (last bin: missing)")
            .tag("model", model).tag("feature", feature).tag("bin", Integer.toString(b)).register(registry);
      }
    });
  }

  private void gauge(MeterRegistry registry, String metric, String description, String model, String feature, ToDoubleFunction<DriftReport> value) {
    Gauge.builder(metric, this, m -> value.applyAsDouble(m.report())).description(description).tag("model", model).tag("feature", feature).register(registry);
  }

  private synchronized void refresh() {
    long now = System.currentTimeMillis();
    if (report == null || now - computedAt > 1000) {
      counts = drift.counts();
      report = drift.report();
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
