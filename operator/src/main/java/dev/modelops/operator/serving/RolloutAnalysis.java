package dev.modelops.operator.serving;

import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionStatus;
import dev.modelops.api.v1alpha1.Rollout;
import dev.modelops.bundle.drift.DriftStatistics;
import dev.modelops.operator.Announcement;
import dev.modelops.operator.experiment.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The analysis of a Shadow or Canary rollout, a pure function of the candidate, the Production
 * version it is compared with (the baseline), what the baseline's servers measured and the time.
 *
 * <p>Each step configures the baseline's servers (their Deployment's {@code MODEL_SHADOW_*}
 * environment, {@link #target}): Shadow mirrors a share of their requests to the candidate after
 * answering, Canary lets the candidate answer a share of them (the baseline answers itself when the
 * candidate fails). A step's measurements count once every ready baseline server runs the step's
 * configuration: the candidate's answers compared with the baseline's on the same rows
 * ({@link ShadowReading}, summed over the servers). The step is judged once it has
 * {@code minSamples} rows: a failed check rejects the candidate at once; when every check passes and
 * {@code minDuration} has passed, the next step begins, or the analysis has passed and the
 * candidate is promoted. A step without its samples after {@code maxDuration} rejects it.
 */
public final class RolloutAnalysis {
  public static final String RUNNING = "Running";
  public static final String PASSED = "Passed";
  public static final String FAILED = "Failed";
  static final String PASS = "Pass";
  static final String FAIL = "Fail";
  static final String PENDING = "Pending";
  /** Calls to the candidate after which its error share is judged, even before minSamples rows. */
  static final long MIN_CALLS_FOR_ERRORS = 50;
  static final List<Integer> DEFAULT_STEPS = List.of(10, 50);

  /** What the baseline's ready servers said: how many are ready, and the readings of those that answered. */
  public record Baseline(String name, int readyServers, List<ShadowReading> readings) {}

  /** The configuration a baseline's servers run for a step (their MODEL_SHADOW_* environment). */
  public record Target(String url, double share, String mode, String step) {}

  /** The analysis after this look, and the Event it makes, if any. */
  public record Outcome(ModelVersionStatus.Analysis analysis, Optional<Announcement> announcement) {}

  private RolloutAnalysis() {}

  /** Whether the version rolls out on evidence (Shadow or Canary). */
  public static boolean needed(ModelVersion v) {
    Rollout r = v.getSpec().getRollout();
    return r != null && r.getStrategy() != null && r.getStrategy() != Rollout.Strategy.Direct;
  }

  /** Whether the version's analysis passed at its current generation. */
  public static boolean passed(ModelVersion v) {
    return result(v).map(PASSED::equals).orElse(false);
  }

  /** Whether the version's analysis failed at its current generation: it is never promoted at it. */
  public static boolean rejected(ModelVersion v) {
    return result(v).map(FAILED::equals).orElse(false);
  }

  private static Optional<String> result(ModelVersion v) {
    ModelVersionStatus s = v.getStatus();
    if (s == null || s.getAnalysis() == null || !Objects.equals(s.getAnalysis().getGeneration(), v.getMetadata().getGeneration())) {
      return Optional.empty();
    }
    return Optional.ofNullable(s.getAnalysis().getResult());
  }

  /**
   * The configuration the servers of {@code baseline} run for a candidate among {@code versions}
   * whose analysis is running against it; when {@code superseded}, also for one whose analysis
   * passed (so the template of servers about to stop does not change).
   */
  public static Optional<Target> target(ModelVersion baseline, List<ModelVersion> versions, boolean superseded) {
    for (ModelVersion v : versions) {
      ModelVersionStatus.Analysis a = v.getStatus() == null ? null : v.getStatus().getAnalysis();
      if (a == null || !needed(v) || !baseline.getMetadata().getName().equals(a.getBaseline())
          || !Objects.equals(a.getGeneration(), v.getMetadata().getGeneration())) {
        continue;
      }
      if (RUNNING.equals(a.getResult()) || (superseded && PASSED.equals(a.getResult()))) {
        Rollout r = v.getSpec().getRollout();
        return Optional.of(new Target("http://" + v.getMetadata().getName() + "." + v.getMetadata().getNamespace() + ".svc:" + ServingObjects.PORT,
            share(r, a.getStep()), r.getStrategy() == Rollout.Strategy.Canary ? "canary" : "shadow", stepId(v, a.getStep())));
      }
    }
    return Optional.empty();
  }

  /** The step a baseline server runs, as its MODEL_SHADOW_STEP says: candidate/generation/step. */
  static String stepId(ModelVersion candidate, int step) {
    return candidate.getMetadata().getName() + "/" + candidate.getMetadata().getGeneration() + "/" + step;
  }

  static int steps(Rollout r) {
    return r.getStrategy() == Rollout.Strategy.Canary ? canarySteps(r).size() : 1;
  }

  static double share(Rollout r, int step) {
    if (r.getStrategy() == Rollout.Strategy.Canary) {
      return canarySteps(r).get(Math.min(step, canarySteps(r).size()) - 1) / 100.0;
    }
    return r.getShare() == null ? 1.0 : r.getShare();
  }

  private static List<Integer> canarySteps(Rollout r) {
    return r.getSteps() == null || r.getSteps().isEmpty() ? DEFAULT_STEPS : r.getSteps();
  }

  /** The analysis of {@code candidate} against {@code baseline} after this look. */
  public static Outcome next(ModelVersion candidate, String baseline, Optional<Baseline> reading, Instant now) {
    Rollout rollout = candidate.getSpec().getRollout();
    Rollout.Analysis limits = withDefaults(rollout.getAnalysis());
    ModelVersionStatus.Analysis previous = candidate.getStatus() == null ? null : candidate.getStatus().getAnalysis();
    boolean current = previous != null && Objects.equals(previous.getGeneration(), candidate.getMetadata().getGeneration())
        && baseline.equals(previous.getBaseline());
    if (current && !RUNNING.equals(previous.getResult())) {
      return new Outcome(previous, Optional.empty());
    }
    if (!current) {
      ModelVersionStatus.Analysis a = step(candidate, baseline, 1, now);
      a.setStartedAt(now.toString());
      a.setMessage("waiting for the servers of " + baseline + " to run step 1");
      return new Outcome(a, Optional.of(Announcement.normal("AnalysisStarted", describe(candidate, a) + "; compared with " + baseline)));
    }
    ModelVersionStatus.Analysis a = copy(previous);
    String id = stepId(candidate, a.getStep());
    List<ShadowReading> onStep = reading.map(b -> b.readings().stream().filter(r -> id.equals(r.step())).toList()).orElse(List.of());
    int ready = reading.map(Baseline::readyServers).orElse(0);
    Instant entered = Instant.parse(a.getStepEnteredAt());
    Duration maxDuration = Durations.duration(limits.getMaxDuration());
    if (a.getStepStartedAt() == null) {
      if (ready > 0 && onStep.size() == ready) {
        a.setStepStartedAt(now.toString());
      } else {
        if (!now.isBefore(entered.plus(maxDuration))) {
          return failed(candidate, a, "the servers of " + baseline + " did not run step " + a.getStep() + " within maxDuration "
              + limits.getMaxDuration() + " (" + onStep.size() + " of " + ready + " ready servers do)");
        }
        a.setMessage("waiting for the servers of " + baseline + " to run step " + a.getStep() + " (" + onStep.size() + " of " + ready
            + " ready servers do)");
        return new Outcome(a, Optional.empty());
      }
    }
    ShadowReading sum = ShadowReading.sum(id, onStep);
    a.setSamples(sum.rows());
    a.setLabels(sum.labelled());
    a.setChecks(checks(sum, limits));
    Optional<ModelVersionStatus.Check> failedCheck = a.getChecks().stream().filter(c -> FAIL.equals(c.getVerdict())).findFirst();
    if (failedCheck.isPresent()) {
      return failed(candidate, a, "step " + a.getStep() + " of " + a.getSteps() + ": " + explain(failedCheck.get()) + " (" + sum.rows()
          + " rows compared" + (sum.labelled() > 0 ? ", " + sum.labelled() + " labelled" : "") + ")");
    }
    Duration minDuration = Durations.duration(limits.getMinDuration());
    Instant started = Instant.parse(a.getStepStartedAt());
    boolean allPass = a.getChecks().stream().allMatch(c -> PASS.equals(c.getVerdict()));
    if (allPass && !now.isBefore(started.plus(minDuration))) {
      String passedStep = "step " + a.getStep() + " of " + a.getSteps() + " passed: " + summary(a);
      if (a.getStep() < a.getSteps()) {
        ModelVersionStatus.Analysis nextStep = step(candidate, baseline, a.getStep() + 1, now);
        nextStep.setStartedAt(a.getStartedAt());
        nextStep.setMessage(passedStep + "; waiting for the servers of " + baseline + " to run step " + nextStep.getStep());
        return new Outcome(nextStep, Optional.of(Announcement.normal("AnalysisStepPassed", passedStep + "; next: "
            + describe(candidate, nextStep))));
      }
      a.setResult(PASSED);
      a.setMessage("analysis passed (" + passedStep + "); promoted over " + baseline);
      return new Outcome(a, Optional.of(Announcement.normal("AnalysisPassed", candidate.getMetadata().getName() + " " + a.getMessage())));
    }
    if (!now.isBefore(entered.plus(maxDuration))) {
      return failed(candidate, a, "step " + a.getStep() + " not proven within maxDuration " + limits.getMaxDuration() + ": "
          + pending(a) + " (" + sum.rows() + " of " + limits.getMinSamples() + " rows, " + sum.labelled() + " labels)");
    }
    a.setMessage("step " + a.getStep() + " of " + a.getSteps() + ": " + sum.rows() + " of " + limits.getMinSamples() + " rows"
        + (limits.getAccuracyMargin() != null ? ", " + sum.labelled() + " of " + limits.getMinLabels() + " labels" : "")
        + ", running since " + a.getStepStartedAt() + " (at least " + limits.getMinDuration() + ")" + (allPass ? "" : "; waiting for: " + pending(a)));
    return new Outcome(a, Optional.empty());
  }

  /** The checks of a step's summed reading against the limits. */
  static List<ModelVersionStatus.Check> checks(ShadowReading r, Rollout.Analysis given) {
    Rollout.Analysis limits = withDefaults(given);
    long minSamples = limits.getMinSamples();
    boolean enough = r.rows() >= minSamples;
    List<ModelVersionStatus.Check> out = new ArrayList<>();
    double[] p = Arrays.stream(r.production()).asDoubleStream().toArray();
    double[] q = Arrays.stream(r.candidate()).asDoubleStream().toArray();
    double divergence = r.rows() == 0 || p.length != q.length ? Double.NaN : DriftStatistics.jensenShannon(p, q);
    out.add(check("predictionDivergence", divergence, limits.getMaxPredictionDivergence(), enough, true));
    out.add(check("classDisagreement", r.rows() == 0 ? Double.NaN : (double) r.disagreements() / r.rows(),
        limits.getMaxClassDisagreement(), enough, true));
    long calls = r.answered() + r.failed();
    out.add(check("errorShare", calls == 0 ? Double.NaN : (double) r.failed() / calls, limits.getMaxErrorShare(),
        enough || calls >= Math.min(minSamples, MIN_CALLS_FOR_ERRORS), true));
    out.add(check("latencyP99", r.latencyP99(), Durations.duration(limits.getMaxLatencyP99()).toMillis() / 1000.0, enough, true));
    if (limits.getAccuracyMargin() != null) {
      double difference = r.labelled() == 0 ? Double.NaN : (double) (r.candidateCorrect() - r.productionCorrect()) / r.labelled();
      // judged with the others, once the step has its rows, and only then on enough labels
      out.add(check("accuracy", difference, -limits.getAccuracyMargin(), enough && r.labelled() >= limits.getMinLabels(), false));
    }
    return out;
  }

  private static ModelVersionStatus.Check check(String name, double value, double threshold, boolean judged, boolean upperBound) {
    ModelVersionStatus.Check c = new ModelVersionStatus.Check();
    c.setName(name);
    c.setValue(Double.isNaN(value) ? null : Double.isInfinite(value) ? Double.MAX_VALUE : round(value));
    c.setThreshold(threshold);
    boolean pass = upperBound ? value <= threshold : value >= threshold;
    c.setVerdict(!judged || Double.isNaN(value) ? PENDING : pass ? PASS : FAIL);
    return c;
  }

  private static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  private static String explain(ModelVersionStatus.Check c) {
    String value = c.getValue() == null ? "-" : format(c.getValue());
    return switch (c.getName()) {
      case "accuracy" -> "live accuracy " + value + " against Production's, below the allowed -" + format(-c.getThreshold());
      case "latencyP99" -> "latencyP99 " + (c.getValue() != null && c.getValue() == Double.MAX_VALUE ? "above every bucket" : value + "s")
          + " over " + format(c.getThreshold()) + "s";
      default -> c.getName() + " " + value + " over " + format(c.getThreshold());
    };
  }

  private static String summary(ModelVersionStatus.Analysis a) {
    return a.getSamples() + " rows, " + String.join(", ", a.getChecks().stream()
        .map(c -> c.getName() + " " + (c.getValue() == null ? "-" : format(c.getValue()))).toList());
  }

  private static String pending(ModelVersionStatus.Analysis a) {
    return String.join(", ", a.getChecks().stream().filter(c -> PENDING.equals(c.getVerdict())).map(ModelVersionStatus.Check::getName).toList());
  }

  private static String format(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static Outcome failed(ModelVersion candidate, ModelVersionStatus.Analysis a, String why) {
    a.setResult(FAILED);
    a.setMessage("rejected: " + why + "; production stays with " + a.getBaseline() + "; change the spec to try again");
    return new Outcome(a, Optional.of(Announcement.warning("Rejected", candidate.getMetadata().getName() + " " + a.getMessage())));
  }

  private static ModelVersionStatus.Analysis step(ModelVersion candidate, String baseline, int step, Instant now) {
    Rollout r = candidate.getSpec().getRollout();
    ModelVersionStatus.Analysis a = new ModelVersionStatus.Analysis();
    a.setStrategy(r.getStrategy().name());
    a.setBaseline(baseline);
    a.setGeneration(candidate.getMetadata().getGeneration());
    a.setStep(step);
    a.setSteps(steps(r));
    a.setShare(share(r, step));
    a.setResult(RUNNING);
    a.setStepEnteredAt(now.toString());
    return a;
  }

  private static String describe(ModelVersion candidate, ModelVersionStatus.Analysis a) {
    String share = Math.round(a.getShare() * 100) + "%";
    return a.getStrategy().equals("Canary")
        ? "Canary step " + a.getStep() + " of " + a.getSteps() + ": " + candidate.getMetadata().getName() + " answers " + share + " of live requests"
        : "Shadow: " + share + " of live requests mirrored to " + candidate.getMetadata().getName();
  }

  private static ModelVersionStatus.Analysis copy(ModelVersionStatus.Analysis p) {
    ModelVersionStatus.Analysis a = new ModelVersionStatus.Analysis();
    a.setStrategy(p.getStrategy());
    a.setBaseline(p.getBaseline());
    a.setGeneration(p.getGeneration());
    a.setStep(p.getStep());
    a.setSteps(p.getSteps());
    a.setShare(p.getShare());
    a.setResult(p.getResult());
    a.setStartedAt(p.getStartedAt());
    a.setStepEnteredAt(p.getStepEnteredAt());
    a.setStepStartedAt(p.getStepStartedAt());
    a.setSamples(p.getSamples());
    a.setLabels(p.getLabels());
    a.setChecks(p.getChecks());
    a.setMessage(p.getMessage());
    return a;
  }

  /** The limits with the schema's defaults where unset (as when the object did not pass the API server's defaulting). */
  static Rollout.Analysis withDefaults(Rollout.Analysis given) {
    Rollout.Analysis g = given == null ? new Rollout.Analysis() : given;
    Rollout.Analysis a = new Rollout.Analysis();
    a.setMinSamples(or(g.getMinSamples(), 200));
    a.setMinDuration(or(g.getMinDuration(), "2m"));
    a.setMaxDuration(or(g.getMaxDuration(), "1h"));
    a.setMaxPredictionDivergence(or(g.getMaxPredictionDivergence(), 0.1));
    a.setMaxClassDisagreement(or(g.getMaxClassDisagreement(), 0.1));
    a.setMaxErrorShare(or(g.getMaxErrorShare(), 0.01));
    a.setMaxLatencyP99(or(g.getMaxLatencyP99(), "500ms"));
    a.setAccuracyMargin(g.getAccuracyMargin());
    a.setMinLabels(or(g.getMinLabels(), 100));
    return a;
  }

  private static <T> T or(T value, T otherwise) {
    return value == null ? otherwise : value;
  }
}
