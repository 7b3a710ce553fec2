package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.Conditions;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.Metric;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.operator.Events;
import dev.modelops.operator.Labels;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One reconcile of an Experiment: plan the trials (a pure function of the spec), observe the
 * Jobs that exist, start the next ones within parallelTrials and maxFailedTrials, and at the end
 * register the best trial as a ModelVersion. Everything is derived from the spec and the objects
 * in the cluster, so an operator killed at any point and restarted neither duplicates nor loses
 * a trial. Returns the status to write; never touches a spec.
 */
public final class ExperimentLifecycle {
  private final KubernetesClient client;
  private final OperatorSettings settings;

  public ExperimentLifecycle(KubernetesClient client, OperatorSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /** The outcome of one reconcile: the status to write and whether the Experiment is finished. */
  public record Result(ExperimentStatus status, boolean finished, java.time.Duration retryAfter) {
    public Result(ExperimentStatus status, boolean finished) {
      this(status, finished, null);
    }
  }

  /** The first and the longest wait before looking again at an Experiment blocked by a missing volume. */
  static final java.time.Duration BLOCKED_FIRST = java.time.Duration.ofSeconds(10);
  static final java.time.Duration BLOCKED_MAX = java.time.Duration.ofMinutes(10);

  public Result reconcile(Experiment exp) {
    ExperimentSpec spec = exp.getSpec();
    String ns = exp.getMetadata().getNamespace();
    String name = exp.getMetadata().getName();
    ExperimentStatus previous = exp.getStatus() == null ? new ExperimentStatus() : exp.getStatus();
    ExperimentStatus status = new ExperimentStatus();
    status.setConditions(previous.getConditions());
    status.setObservedGeneration(exp.getMetadata().getGeneration());
    status.setStartTime(previous.getStartTime());

    List<Map<String, String>> plan;
    try {
      plan = TrialPlanner.plan(SearchSpace.dimensions(spec), SearchSpace.strategy(spec), maxTrials(spec), seed(spec));
    } catch (TrialPlanner.InvalidSearchException e) {
      return invalid(exp, status, e.getMessage());
    }

    Map<String, Job> jobs = new HashMap<>();
    for (Job j : client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.EXPERIMENT, name).list().getItems()) {
      jobs.put(j.getMetadata().getName(), j);
    }
    if (jobs.isEmpty() && previous.getPhase() != ExperimentStatus.Phase.Succeeded && previous.getPhase() != ExperimentStatus.Phase.Failed) {
      String missing = missingVolume(exp);
      if (missing != null) {
        return blocked(exp, previous, status, missing);
      }
    }
    Metric metric = spec.getObjective().getMetric();
    List<ExperimentStatus.Trial> trials = new ArrayList<>();
    int running = 0;
    int failed = 0;
    int done = 0;
    for (int i = 0; i < plan.size(); i++) {
      String trial = TrialJobs.trialName(name, i);
      Job job = jobs.get(trial);
      List<Pod> pods = job == null ? List.of()
          : client.pods().inNamespace(ns).withLabel("job-name", trial).list().getItems();
      ExperimentStatus.Trial t = TrialObserver.observe(trial, i, plan.get(i), job, pods, metric.key());
      if (t.getPhase() == ExperimentStatus.TrialPhase.Failed && job != null && !TrialObserver.succeeded(job) && TrialObserver.condition(job, "Failed") == null) {
        // Stuck (e.g. an image that cannot be pulled): stop the Job so it stops holding a slot.
        client.batch().v1().jobs().inNamespace(ns).withName(trial).delete();
      }
      trials.add(t);
      switch (t.getPhase()) {
        case Running -> running++;
        case Failed -> {
          failed++;
          done++;
        }
        case Succeeded -> done++;
        default -> { }
      }
      announceTransition(exp, previous, t);
    }

    int maxFailed = spec.getSearch().getMaxFailedTrials() == null ? 3 : spec.getSearch().getMaxFailedTrials();
    int parallel = spec.getSearch().getParallelTrials() == null ? 1 : spec.getSearch().getParallelTrials();
    boolean stopStarting = failed >= maxFailed || earlyStopped(spec, trials, metric);
    for (ExperimentStatus.Trial t : trials) {
      if (stopStarting || running >= parallel) {
        break;
      }
      if (t.getPhase() == ExperimentStatus.TrialPhase.Pending && t.getJob() == null) {
        client.batch().v1().jobs().inNamespace(ns).resource(TrialJobs.build(exp, t.getIndex(), t.getParams(), settings)).create();
        t.setJob(t.getName());
        t.setPhase(ExperimentStatus.TrialPhase.Running);
        running++;
        Events.normal(client, exp, "TrialStarted", "trial " + t.getName() + " started with " + t.getParams());
        if (status.getStartTime() == null) {
          status.setStartTime(Instant.now().toString());
        }
      }
    }

    status.setTrials(trials);
    status.setTrialsCompleted(done);
    status.setTrialsFailed(failed);
    status.setTrialsRunning(running);
    List<TrialOutcome> outcomes = trials.stream()
        .map(t -> new TrialOutcome(t.getName(), t.getIndex(), t.getPhase() == ExperimentStatus.TrialPhase.Succeeded, t.getObjective()))
        .toList();
    Optional<TrialOutcome> best = BestTrialSelector.best(outcomes, metric.lowerIsBetter());
    best.ifPresent(b -> {
      status.setBestTrial(b.name());
      status.setBestObjective(b.objective());
    });

    boolean finished = running == 0 && (stopStarting || trials.stream().noneMatch(t -> t.getPhase() == ExperimentStatus.TrialPhase.Pending));
    Instant now = Instant.now();
    if (!finished) {
      status.setPhase(ExperimentStatus.Phase.Running);
      status.setMessage(done + " of " + plan.size() + " trials finished, " + running + " running");
      status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, false, "TrialsRunning", status.getMessage(), exp.getMetadata().getGeneration(), now));
      return new Result(status, false);
    }
    status.setCompletionTime(previous.getCompletionTime() != null ? previous.getCompletionTime() : now.toString());
    if (best.isEmpty()) {
      status.setPhase(ExperimentStatus.Phase.Failed);
      status.setMessage("no trial succeeded (" + failed + " failed); see status.trials[].message");
      status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, true, "NoSuccessfulTrial", status.getMessage(), exp.getMetadata().getGeneration(), now));
      return new Result(status, true);
    }
    ExperimentStatus.Trial winner = trials.get(best.get().index());
    if (previous.getBestTrial() == null || !previous.getPhase().equals(ExperimentStatus.Phase.Succeeded)) {
      Events.normal(client, exp, "BestTrial", "best trial " + winner.getName() + ": " + metric.key() + " " + winner.getObjective());
    }
    String gateProblem = QualityGate.check(spec.getRegister(), winner.getMetrics());
    status.setPhase(ExperimentStatus.Phase.Succeeded);
    if (gateProblem != null) {
      status.setMessage("best trial " + winner.getName() + " did not pass the quality gate: " + gateProblem);
      status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, true, "QualityGateNotPassed", status.getMessage(), exp.getMetadata().getGeneration(), now));
      return new Result(status, true);
    }
    ModelVersion mv = register(exp, winner, metric);
    status.setModelVersion(mv.getMetadata().getName());
    status.setMessage("registered " + mv.getMetadata().getName() + " (stage " + mv.getSpec().getStage() + ") from " + winner.getName());
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, true, "VersionRegistered", status.getMessage(), exp.getMetadata().getGeneration(), now));
    return new Result(status, true);
  }

  /** Creates the ModelVersion of the best trial once; a repeated reconcile finds it by label. */
  private ModelVersion register(Experiment exp, ExperimentStatus.Trial winner, Metric metric) {
    String ns = exp.getMetadata().getNamespace();
    String model = exp.getSpec().getModel();
    List<ModelVersion> versions = client.resources(ModelVersion.class).inNamespace(ns).withLabel(Labels.MODEL, model).list().getItems();
    for (ModelVersion v : versions) {
      if (exp.getMetadata().getName().equals(v.getMetadata().getLabels().get(Labels.EXPERIMENT))) {
        return v;
      }
    }
    int next = VersionNumbering.next(versions.stream().map(v -> v.getSpec().getVersion()).toList());
    Double current = versions.stream()
        .filter(v -> v.getSpec().getStage() == ModelVersionSpec.Stage.Production && v.getSpec().getMetrics() != null)
        .max(java.util.Comparator.comparingInt(v -> v.getSpec().getVersion()))
        .map(v -> v.getSpec().getMetrics().get(metric.key())).orElse(null);
    boolean auto = exp.getSpec().getRegister() != null && exp.getSpec().getRegister().getPromote() == ExperimentSpec.PromotionMode.AUTO;
    PromotionRule.Stage stage = PromotionRule.stageFor(auto, winner.getObjective(), current, metric.lowerIsBetter());

    ModelVersion mv = new ModelVersion();
    mv.getMetadata().setName(model + "-v" + next);
    mv.getMetadata().setNamespace(ns);
    Map<String, String> labels = Labels.of("model-version", model, model + "-v" + next);
    labels.put(Labels.EXPERIMENT, exp.getMetadata().getName());
    labels.put(Labels.TRIAL, winner.getName());
    labels.put(Labels.VERSION, Integer.toString(next));
    mv.getMetadata().setLabels(labels);
    mv.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(exp.getApiVersion()).withKind(exp.getKind()).withName(exp.getMetadata().getName())
        .withUid(exp.getMetadata().getUid()).withController(true).build()));
    ModelVersionSpec spec = new ModelVersionSpec();
    spec.setModel(model);
    spec.setVersion(next);
    ModelVersionSpec.Artifact artifact = new ModelVersionSpec.Artifact();
    artifact.setUri(winner.getBundleUri());
    artifact.setFormat(ModelVersionSpec.ArtifactFormat.MODELOPS);
    spec.setArtifact(artifact);
    ModelVersionSpec.Source source = new ModelVersionSpec.Source();
    source.setExperiment(exp.getMetadata().getName());
    source.setTrial(winner.getName());
    spec.setSource(source);
    spec.setMetrics(winner.getMetrics());
    spec.setStage(ModelVersionSpec.Stage.valueOf(stage.name()));
    mv.setSpec(spec);
    ModelVersion created = client.resource(mv).create();
    Events.normal(client, exp, "VersionRegistered", "registered " + created.getMetadata().getName() + " with " + metric.key() + " " + winner.getObjective()
        + (stage == PromotionRule.Stage.Production ? ", promoted to Production" + (current == null ? "" : " (beats " + current + ")") : ", stage " + stage));
    return created;
  }

  /** The claims a trial Job mounts that do not exist: a trial would wait forever for its volume. */
  private String missingVolume(Experiment exp) {
    String ns = exp.getMetadata().getNamespace();
    String uri = exp.getSpec().getDataset().getUri();
    if (uri.startsWith("pvc://")) {
      String claim = uri.substring("pvc://".length()).split("/", 2)[0];
      if (client.persistentVolumeClaims().inNamespace(ns).withName(claim).get() == null) {
        return "spec.dataset.uri: " + uri + " names the PersistentVolumeClaim '" + claim + "', which does not exist in namespace " + ns
            + "; create it (holding the data) or point spec.dataset.uri elsewhere";
      }
    }
    String artifacts = settings.artifactsClaim();
    if (client.persistentVolumeClaims().inNamespace(ns).withName(artifacts).get() == null) {
      return "trial bundles are written to the PersistentVolumeClaim '" + artifacts + "' (operator setting MODELOPS_ARTIFACTS_CLAIM),"
          + " which does not exist in namespace " + ns + "; create it";
    }
    return null;
  }

  /**
   * Waiting for something the user must create: Pending with the reason, looked at again after
   * as long as it has been blocked (10 s, 20 s, 40 s, ... at most 10 minutes), never in a loop.
   */
  private Result blocked(Experiment exp, ExperimentStatus previous, ExperimentStatus status, String message) {
    Instant now = Instant.now();
    dev.modelops.api.v1alpha1.Condition before = Conditions.find(previous.getConditions(), Conditions.READY);
    boolean already = before != null && "VolumeMissing".equals(before.getReason()) && before.getLastTransitionTime() != null;
    java.time.Duration elapsed = already ? java.time.Duration.between(Instant.parse(before.getLastTransitionTime()), now) : java.time.Duration.ZERO;
    java.time.Duration wait = elapsed.compareTo(BLOCKED_FIRST) < 0 ? BLOCKED_FIRST : elapsed.compareTo(BLOCKED_MAX) > 0 ? BLOCKED_MAX : elapsed;
    status.setPhase(ExperimentStatus.Phase.Pending);
    status.setMessage(message);
    status.setTrials(previous.getTrials());
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, false, "VolumeMissing", message, exp.getMetadata().getGeneration(), now));
    if (!message.equals(previous.getMessage())) {
      Events.warning(client, exp, "VolumeMissing", message);
    }
    return new Result(status, false, wait);
  }

  private Result invalid(Experiment exp, ExperimentStatus status, String message) {
    status.setPhase(ExperimentStatus.Phase.Failed);
    status.setMessage(message);
    status.setConditions(Conditions.set(status.getConditions(), Conditions.READY, false, "InvalidSpec", message, exp.getMetadata().getGeneration(), Instant.now()));
    String previous = exp.getStatus() == null ? null : exp.getStatus().getMessage();
    if (!message.equals(previous)) {
      Events.warning(client, exp, "InvalidSpec", message);
    }
    return new Result(status, true);
  }

  private void announceTransition(Experiment exp, ExperimentStatus previous, ExperimentStatus.Trial t) {
    if (t.getPhase() != ExperimentStatus.TrialPhase.Failed) {
      return;
    }
    boolean known = previous.getTrials() != null && previous.getTrials().stream()
        .anyMatch(p -> p.getName().equals(t.getName()) && p.getPhase() == ExperimentStatus.TrialPhase.Failed);
    if (!known) {
      Events.warning(client, exp, "TrialFailed", "trial " + t.getName() + " failed: " + t.getReason() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    }
  }

  private static boolean earlyStopped(ExperimentSpec spec, List<ExperimentStatus.Trial> trials, Metric metric) {
    ExperimentSpec.EarlyStopping es = spec.getSearch().getEarlyStopping();
    if (es == null || es.getPatience() == null) {
      return false;
    }
    double minDelta = es.getMinDelta() == null ? 0 : es.getMinDelta();
    Double best = null;
    int sinceImprovement = 0;
    for (ExperimentStatus.Trial t : trials) {
      if (t.getPhase() != ExperimentStatus.TrialPhase.Succeeded || t.getObjective() == null) {
        if (t.getPhase() == ExperimentStatus.TrialPhase.Failed) {
          sinceImprovement++;
        }
        continue;
      }
      double v = metric.lowerIsBetter() ? -t.getObjective() : t.getObjective();
      if (best == null || v > best + minDelta) {
        best = v;
        sinceImprovement = 0;
      } else {
        sinceImprovement++;
      }
    }
    return sinceImprovement >= es.getPatience();
  }

  private static int maxTrials(ExperimentSpec spec) {
    return spec.getSearch().getMaxTrials() == null ? 10 : spec.getSearch().getMaxTrials();
  }

  private static long seed(ExperimentSpec spec) {
    return spec.getDataset().getSeed() == null ? 42 : spec.getDataset().getSeed();
  }
}
