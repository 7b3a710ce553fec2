package dev.modelops.operator.drift;

import dev.modelops.api.v1alpha1.DriftPolicySpec.Check;
import dev.modelops.api.v1alpha1.DriftPolicySpec.CheckMetric;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.Band;
import dev.modelops.operator.experiment.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Evaluates a policy's checks against one observation: each check gets a value and a band.
 * Bands: below warn nothing, from warn Warn, from retrain Retrain, from alert Alert (for
 * liveAccuracy lower is worse, so "from" means "at or below"). A check with fewer observations
 * than minSamples is InsufficientData and never triggers; a check naming a feature the model does
 * not have is Invalid. Pure: no Kubernetes, no clock of its own.
 */
public final class PolicyEvaluation {
  /** One check's result. {@code value} is null when there is nothing to measure. */
  public record Outcome(Check check, Double value, Band band, Long samples, String message) {
    /** e.g. "featureDrift[contract] 0.41 (retrain from 0.2)". */
    public String describe() {
      String name = check.getMetric() + (check.getFeature() != null ? "[" + check.getFeature() + "]" : "");
      return name + " " + (value == null ? "-" : format(value)) + (message != null ? " (" + message + ")" : "");
    }
  }

  private PolicyEvaluation() {}

  /**
   * Evaluates every check.
   *
   * @param observation the merged measurement, or null when only time-based checks can be evaluated
   * @param versionCreated when the watched ModelVersion was created (for modelAge)
   */
  public static List<Outcome> evaluate(List<Check> checks, long minSamples, Observation observation, Instant versionCreated, Instant now) {
    List<Outcome> out = new ArrayList<>();
    for (Check c : checks) {
      out.add(evaluate(c, minSamples, observation, versionCreated, now));
    }
    return out;
  }

  static Outcome evaluate(Check c, long minSamples, Observation o, Instant versionCreated, Instant now) {
    if (c.getMetric() == CheckMetric.modelAge) {
      return modelAge(c, versionCreated, now);
    }
    if (o == null) {
      return new Outcome(c, null, Band.InsufficientData, 0L, "no measurement");
    }
    if (c.getMetric() == CheckMetric.liveAccuracy) {
      if (o.feedback() < minSamples) {
        return new Outcome(c, o.feedback() == 0 ? null : (double) o.feedbackCorrect() / o.feedback(), Band.InsufficientData, o.feedback(),
            o.feedback() + " labelled predictions, fewer than minSamples " + minSamples);
      }
      double accuracy = (double) o.feedbackCorrect() / o.feedback();
      return new Outcome(c, accuracy, band(c, accuracy), o.feedback(), o.feedbackCorrect() + " of " + o.feedback() + " right");
    }
    if (c.getMetric() == CheckMetric.liveMae || c.getMetric() == CheckMetric.liveRmse) {
      boolean mae = c.getMetric() == CheckMetric.liveMae;
      Double error = o.feedback() == 0 ? null
          : mae ? o.feedbackAbsError() / o.feedback() : Math.sqrt(o.feedbackSquaredError() / o.feedback());
      if (o.feedback() < minSamples) {
        return new Outcome(c, error, Band.InsufficientData, o.feedback(), o.feedback() + " labelled predictions, fewer than minSamples " + minSamples);
      }
      return new Outcome(c, error, band(c, error), o.feedback(), (mae ? "mean absolute" : "root mean squared") + " error over " + o.feedback()
          + " labelled predictions");
    }
    if (o.samples() < minSamples) {
      return new Outcome(c, null, Band.InsufficientData, o.samples(), o.samples() + " predictions, fewer than minSamples " + minSamples);
    }
    return switch (c.getMetric()) {
      case driftedFeatureShare -> {
        double share = o.driftedFeatureShare();
        List<String> drifted = o.drifted();
        yield new Outcome(c, share, band(c, share), o.samples(), drifted.size() + " of " + o.features().size() + " features drifted"
            + (drifted.isEmpty() ? "" : ": " + String.join(", ", drifted.subList(0, Math.min(8, drifted.size())))
                + (drifted.size() > 8 ? ", ..." : "")));
      }
      case predictionDrift -> new Outcome(c, o.predictionDrift(), band(c, o.predictionDrift()), o.samples(), "PSI of predicted probabilities");
      case featureDrift -> perFeature(c, o, o.features(), Observation.Feature::score, "drift score");
      case missingValueShare -> perFeature(c, o, o.features(), Observation.Feature::missingShare, "missing share");
      case textOutOfVocabulary -> perFeature(c, o, o.features().stream().filter(f -> f.outOfVocabulary() != null).toList(),
          Observation.Feature::outOfVocabulary, "out-of-vocabulary rate");
      default -> throw new IllegalStateException("unhandled metric " + c.getMetric());
    };
  }

  private static Outcome perFeature(Check c, Observation o, List<Observation.Feature> candidates, ToDoubleFunction<Observation.Feature> value, String what) {
    if (c.getFeature() != null) {
      Optional<Observation.Feature> f = candidates.stream().filter(x -> x.name().equals(c.getFeature())).findFirst();
      if (f.isEmpty()) {
        String known = candidates.stream().map(Observation.Feature::name).collect(Collectors.joining(", "));
        return new Outcome(c, null, Band.Invalid, o.samples(), "spec.checks feature '" + c.getFeature() + "' is not a "
            + (c.getMetric() == CheckMetric.textOutOfVocabulary ? "text " : "") + "feature of the served model"
            + (known.isEmpty() ? "" : "; it has: " + known));
      }
      double v = value.applyAsDouble(f.get());
      return new Outcome(c, v, band(c, v), o.samples(), what + " of " + f.get().name());
    }
    if (candidates.isEmpty()) {
      return new Outcome(c, null, Band.Ok, o.samples(), "the served model has no " + (c.getMetric() == CheckMetric.textOutOfVocabulary ? "text " : "") + "features");
    }
    Observation.Feature worst = candidates.stream().max(Comparator.comparingDouble(value)).orElseThrow();
    double v = value.applyAsDouble(worst);
    return new Outcome(c, v, band(c, v), o.samples(), "largest " + what + ": " + worst.name());
  }

  private static Outcome modelAge(Check c, Instant created, Instant now) {
    if (created == null) {
      return new Outcome(c, null, Band.InsufficientData, null, "creation time unknown");
    }
    long age = Duration.between(created, now).toSeconds();
    Band band = Band.Ok;
    if (c.getWarnAfter() != null && age >= Durations.seconds(c.getWarnAfter())) {
      band = Band.Warn;
    }
    if (c.getRetrainAfter() != null && age >= Durations.seconds(c.getRetrainAfter())) {
      band = Band.Retrain;
    }
    if (c.getAlertAfter() != null && age >= Durations.seconds(c.getAlertAfter())) {
      band = Band.Alert;
    }
    return new Outcome(c, age / 86400.0, band, null, "age in days, since " + created);
  }

  /** The band of a value: the worst threshold it reaches. */
  static Band band(Check c, double value) {
    boolean lowerIsWorse = c.getMetric() == CheckMetric.liveAccuracy;
    Band band = Band.Ok;
    if (reaches(c.getWarn(), value, lowerIsWorse)) {
      band = Band.Warn;
    }
    if (reaches(c.getRetrain(), value, lowerIsWorse)) {
      band = Band.Retrain;
    }
    if (reaches(c.getAlert(), value, lowerIsWorse)) {
      band = Band.Alert;
    }
    return band;
  }

  private static boolean reaches(Double threshold, double value, boolean lowerIsWorse) {
    return threshold != null && (lowerIsWorse ? value <= threshold : value >= threshold);
  }

  /** The worst band that can trigger anything (InsufficientData and Invalid never do). */
  public static Band worst(List<Outcome> outcomes) {
    Band worst = Band.Ok;
    for (Outcome o : outcomes) {
      if (rank(o.band()) > rank(worst)) {
        worst = o.band();
      }
    }
    return worst;
  }

  static int rank(Band b) {
    return switch (b) {
      case Warn -> 1;
      case Retrain -> 2;
      case Alert -> 3;
      default -> 0;
    };
  }

  /** The outcomes in a band, described for a message, e.g. a retrain's reason. */
  public static String reasons(List<Outcome> outcomes, Band band) {
    return outcomes.stream().filter(o -> o.band() == band).map(o -> o.describe() + threshold(o.check(), band)).collect(Collectors.joining("; "));
  }

  private static String threshold(Check c, Band band) {
    String t = switch (band) {
      case Warn -> c.getWarn() != null ? format(c.getWarn()) : c.getWarnAfter();
      case Retrain -> c.getRetrain() != null ? format(c.getRetrain()) : c.getRetrainAfter();
      case Alert -> c.getAlert() != null ? format(c.getAlert()) : c.getAlertAfter();
      default -> null;
    };
    return t == null ? "" : " reached " + band.name().toLowerCase(Locale.ROOT) + " band " + t;
  }

  static String format(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
