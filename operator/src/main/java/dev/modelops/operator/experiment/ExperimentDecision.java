package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Condition;
import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ExperimentStatus.TrialPhase;
import dev.modelops.api.v1alpha1.Metric;
import dev.modelops.operator.Announcement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decide step for an Experiment, a pure function of its spec, its previous status, what the
 * cluster holds and the time: plan the trials (a pure function of the spec, the same after a
 * restart), read each trial's state, start the next ones within parallelTrials and
 * maxFailedTrials unless early stopping says enough, and at the end register the best trial.
 */
public final class ExperimentDecision {
  /** While trials run, look again at least this often (Job events usually come first). */
  static final Duration RUNNING_RECHECK = Duration.ofSeconds(15);
  /** The first and the longest wait before looking again at an Experiment blocked by a missing volume. */
  static final Duration BLOCKED_FIRST = Duration.ofSeconds(10);
  static final Duration BLOCKED_MAX = Duration.ofMinutes(10);

  /** The new status, what to do, and when to look again (null: finished, nothing more to do). */
  public record Outcome(ExperimentStatus status, List<ExperimentAction> actions, Duration recheck) {
    public boolean finished() {
      return recheck == null;
    }
  }

  private final Experiment exp;
  private final ExperimentSpec spec;
  private final ExperimentStatus previous;
  private final ExperimentStatus status = new ExperimentStatus();
  private final List<ExperimentAction> actions = new ArrayList<>();
  private final Instant now;

  private ExperimentDecision(Experiment exp, Instant now) {
    this.exp = exp;
    this.spec = exp.getSpec();
    this.previous = exp.getStatus() == null ? new ExperimentStatus() : exp.getStatus();
    this.now = now;
    status.setConditions(previous.getConditions());
    status.setObservedGeneration(exp.getMetadata().getGeneration());
    status.setStartTime(previous.getStartTime());
  }

  public static Outcome decide(Experiment exp, ExperimentObservation observed, Instant now) {
    return new ExperimentDecision(exp, now).decide(observed);
  }

  private Outcome decide(ExperimentObservation observed) {
    List<Map<String, String>> plan;
    try {
      plan = TrialPlanner.plan(SearchSpace.dimensions(spec), SearchSpace.strategy(spec), spec.getSearch().getMaxTrials(),
          spec.getDataset().getSeed(), spec.getSearch().getWarmStart());
    } catch (TrialPlanner.InvalidSearchException e) {
      return invalid(e.getMessage());
    }
    if (observed.missingVolume() != null) {
      return blocked(observed.missingVolume());
    }
    Metric metric = spec.getObjective().getMetric();
    List<ExperimentStatus.Trial> trials = observeTrials(plan, observed, metric);
    if (SearchSpace.strategy(spec) == TrialPlanner.Strategy.TPE) {
      proposeFromResults(trials, observed, metric);
    }
    boolean stopStarting = count(trials, TrialPhase.Failed) >= spec.getSearch().getMaxFailedTrials()
        || EarlyStopping.stop(spec.getSearch().getEarlyStopping(), trials, metric.lowerIsBetter());
    if (!stopStarting) {
      startTrials(trials);
    }
    int running = count(trials, TrialPhase.Running);
    int failed = count(trials, TrialPhase.Failed);
    int done = failed + count(trials, TrialPhase.Succeeded);
    status.setTrials(trials);
    status.setTrialsCompleted(done);
    status.setTrialsFailed(failed);
    status.setTrialsRunning(running);
    Optional<TrialOutcome> best = BestTrialSelector.best(trials.stream()
        .map(t -> new TrialOutcome(t.getName(), t.getIndex(), t.getPhase() == TrialPhase.Succeeded, t.getObjective())).toList(),
        metric.lowerIsBetter());
    best.ifPresent(b -> {
      status.setBestTrial(b.name());
      status.setBestObjective(b.objective());
    });
    boolean finished = running == 0 && (stopStarting || count(trials, TrialPhase.Pending) == 0);
    if (!finished) {
      set(ExperimentStatus.Phase.Running, false, "TrialsRunning", done + " of " + plan.size() + " trials finished, " + running + " running");
      return outcome(RUNNING_RECHECK);
    }
    status.setCompletionTime(previous.getCompletionTime() != null ? previous.getCompletionTime() : now.toString());
    if (best.isEmpty()) {
      set(ExperimentStatus.Phase.Failed, true, "NoSuccessfulTrial", "no trial succeeded (" + failed + " failed); see status.trials[].message");
      return outcome(null);
    }
    return finish(trials.get(best.get().index()), metric, observed);
  }

  /**
   * TPE: a started trial keeps the parameters its Job was given; after the random start-up trials,
   * each trial not started yet gets the estimator's proposal from the trials finished so far (so a
   * pending trial's parameters in status can change until it starts).
   */
  private void proposeFromResults(List<ExperimentStatus.Trial> trials, ExperimentObservation observed, Metric metric) {
    List<TrialPlanner.Dimension> space = SearchSpace.dimensions(spec);
    List<TreeParzen.Observation> finished = new ArrayList<>();
    for (ExperimentStatus.Trial t : trials) {
      var job = observed.jobs().get(t.getName());
      if (job != null) {
        t.setParams(TrialJobs.params(job));
      }
      if (t.getPhase() == TrialPhase.Succeeded && t.getObjective() != null) {
        finished.add(new TreeParzen.Observation(t.getParams(), t.getObjective()));
      }
    }
    int startup = TreeParzen.startupTrials(space.size());
    for (ExperimentStatus.Trial t : trials) {
      if (t.getJob() == null && t.getIndex() >= startup && !finished.isEmpty()) {
        t.setParams(TreeParzen.propose(space, spec.getDataset().getSeed(), t.getIndex(), finished, metric.lowerIsBetter()));
      }
    }
  }

  /** Each planned trial as its Job and Pods show it; a stuck Job is stopped, a new failure announced. */
  private List<ExperimentStatus.Trial> observeTrials(List<Map<String, String>> plan, ExperimentObservation observed, Metric metric) {
    List<ExperimentStatus.Trial> trials = new ArrayList<>();
    for (int i = 0; i < plan.size(); i++) {
      String name = TrialJobs.trialName(exp.getMetadata().getName(), i);
      var job = observed.jobs().get(name);
      ExperimentStatus.Trial t = TrialObserver.observe(name, i, plan.get(i), job, observed.podsOf(name), metric.key());
      if (t.getPhase() == TrialPhase.Failed && job != null && !TrialObserver.succeeded(job) && TrialObserver.condition(job, "Failed") == null) {
        actions.add(new ExperimentAction.StopTrial(name));
      }
      if (t.getPhase() == TrialPhase.Failed && !failedBefore(name)) {
        announce(Announcement.warning("TrialFailed",
            "trial " + name + " failed: " + t.getReason() + (t.getMessage() == null ? "" : ": " + t.getMessage())));
      }
      trials.add(t);
    }
    return trials;
  }

  private void startTrials(List<ExperimentStatus.Trial> trials) {
    int running = count(trials, TrialPhase.Running);
    for (ExperimentStatus.Trial t : trials) {
      if (running >= spec.getSearch().getParallelTrials()) {
        return;
      }
      if (t.getPhase() == TrialPhase.Pending && t.getJob() == null) {
        actions.add(new ExperimentAction.StartTrial(t.getName(), t.getIndex(), t.getParams()));
        t.setJob(t.getName());
        t.setPhase(TrialPhase.Running);
        running++;
        if (status.getStartTime() == null) {
          status.setStartTime(now.toString());
        }
      }
    }
  }

  /** All trials are done and one succeeded: announce it, and register it if it passes the gate. */
  private Outcome finish(ExperimentStatus.Trial winner, Metric metric, ExperimentObservation observed) {
    if (previous.getBestTrial() == null || previous.getPhase() != ExperimentStatus.Phase.Succeeded) {
      announce(Announcement.normal("BestTrial", "best trial " + winner.getName() + ": " + metric.key() + " " + winner.getObjective()));
    }
    String gateProblem = QualityGate.check(spec.getRegister(), winner.getMetrics());
    if (gateProblem != null) {
      set(ExperimentStatus.Phase.Succeeded, true, "QualityGateNotPassed",
          "best trial " + winner.getName() + " did not pass the quality gate: " + gateProblem);
      return outcome(null);
    }
    VersionRegistration.Registration r = VersionRegistration.of(exp, winner, metric, observed.versions());
    r.create().ifPresent(mv -> actions.add(new ExperimentAction.Register(mv, Announcement.normal("VersionRegistered", r.announcement()))));
    status.setModelVersion(r.name());
    set(ExperimentStatus.Phase.Succeeded, true, "VersionRegistered",
        "registered " + r.name() + " (stage " + r.stage() + ") from " + winner.getName());
    return outcome(null);
  }

  /**
   * A claim a trial needs does not exist: Pending with the reason, looked at again after as long
   * as it has been blocked (10 s, 20 s, 40 s, ... at most 10 minutes), never in a loop.
   */
  private Outcome blocked(String message) {
    Condition before = Conditions.find(previous.getConditions(), Conditions.READY);
    boolean already = before != null && "VolumeMissing".equals(before.getReason()) && before.getLastTransitionTime() != null;
    Duration elapsed = already ? Duration.between(Instant.parse(before.getLastTransitionTime()), now) : Duration.ZERO;
    Duration wait = elapsed.compareTo(BLOCKED_FIRST) < 0 ? BLOCKED_FIRST : elapsed.compareTo(BLOCKED_MAX) > 0 ? BLOCKED_MAX : elapsed;
    status.setTrials(previous.getTrials());
    set(ExperimentStatus.Phase.Pending, false, "VolumeMissing", message);
    if (!message.equals(previous.getMessage())) {
      announce(Announcement.warning("VolumeMissing", message));
    }
    return outcome(wait);
  }

  /** A search that cannot be planned: Failed until the spec changes (an edit is reconciled at once). */
  private Outcome invalid(String message) {
    set(ExperimentStatus.Phase.Failed, false, "InvalidSpec", message);
    if (!message.equals(previous.getMessage())) {
      announce(Announcement.warning("InvalidSpec", message));
    }
    return outcome(null);
  }

  private void set(ExperimentStatus.Phase phase, boolean ready, String reason, String message) {
    status.setPhase(phase);
    status.setMessage(message);
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, ready, reason, message, exp.getMetadata().getGeneration(), now));
  }

  private Outcome outcome(Duration recheck) {
    return new Outcome(status, List.copyOf(actions), recheck);
  }

  private void announce(Announcement a) {
    actions.add(new ExperimentAction.Announce(a));
  }

  private boolean failedBefore(String trial) {
    return previous.getTrials() != null && previous.getTrials().stream()
        .anyMatch(p -> p.getName().equals(trial) && p.getPhase() == TrialPhase.Failed);
  }

  private static int count(List<ExperimentStatus.Trial> trials, TrialPhase phase) {
    return (int) trials.stream().filter(t -> t.getPhase() == phase).count();
  }
}
