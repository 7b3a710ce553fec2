package dev.modelops.operator.experiment;

import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.bundle.TrialResult;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a trial's state from its Job and Pods: phase, start and end, and, from the trainer's
 * termination message, its metrics and bundle or the reason it failed. No sidecar: Kubernetes
 * keeps the message in the Pod status.
 */
final class TrialObserver {
  /** Waiting reasons that will not resolve by themselves. */
  static final Set<String> STUCK = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError");

  private TrialObserver() {}

  static ExperimentStatus.Trial observe(String name, int index, Map<String, String> params, Job job, List<Pod> pods, String metric) {
    ExperimentStatus.Trial t = new ExperimentStatus.Trial();
    t.setName(name);
    t.setIndex(index);
    t.setParams(new LinkedHashMap<>(params));
    t.setJob(name);
    if (job == null) {
      t.setPhase(ExperimentStatus.TrialPhase.Pending);
      t.setJob(null);
      return t;
    }
    if (job.getStatus() != null) {
      t.setStartTime(job.getStatus().getStartTime());
      t.setCompletionTime(job.getStatus().getCompletionTime());
    }
    ContainerStatus trainer = trainerStatus(pods);
    ContainerStateTerminated terminated = trainer == null || trainer.getState() == null ? null : trainer.getState().getTerminated();
    if (terminated == null && trainer != null && trainer.getLastState() != null) {
      terminated = trainer.getLastState().getTerminated();
    }
    TrialResult result = TrialResult.parse(terminated == null ? null : terminated.getMessage()).orElse(null);
    if (succeeded(job)) {
      if (result != null && result.ok()) {
        t.setPhase(ExperimentStatus.TrialPhase.Succeeded);
        Map<String, Double> metrics = result.metrics() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(result.metrics());
        t.setMetrics(metrics);
        t.setObjective(metrics.get(metric));
        t.setBundleUri(result.bundleUri());
        t.setMessage(result.message()); // e.g. that MLflow could not be reached: the trial stands
      } else {
        fail(t, "NoResult", "the trainer exited 0 but left no result in its termination message");
      }
      return t;
    }
    JobCondition failed = condition(job, "Failed");
    if (failed != null) {
      if ("DeadlineExceeded".equals(failed.getReason())) {
        fail(t, "Timeout", "the trial ran past spec.trainer.timeout and was stopped");
      } else if (terminated != null && "OOMKilled".equals(terminated.getReason())) {
        fail(t, "OOMKilled", "the trainer ran out of memory; raise spec.trainer.resources.limits.memory");
      } else if (result != null && result.reason() != null) {
        fail(t, result.reason(), result.message() == null ? "" : result.message());
      } else if (terminated != null) {
        fail(t, "TrainerError", "exit code " + terminated.getExitCode() + (terminated.getMessage() == null ? "" : ": " + TrialResult.lastLine(terminated.getMessage())));
      } else {
        fail(t, failed.getReason() == null ? "JobFailed" : failed.getReason(), failed.getMessage());
      }
      return t;
    }
    ContainerStateWaiting waiting = trainer == null || trainer.getState() == null ? null : trainer.getState().getWaiting();
    if (waiting != null && STUCK.contains(waiting.getReason())) {
      fail(t, waiting.getReason(), waiting.getMessage());
      return t;
    }
    t.setPhase(ExperimentStatus.TrialPhase.Running);
    return t;
  }

  private static void fail(ExperimentStatus.Trial t, String reason, String message) {
    t.setPhase(ExperimentStatus.TrialPhase.Failed);
    t.setReason(reason);
    t.setMessage(message);
  }

  static boolean succeeded(Job job) {
    return condition(job, "Complete") != null || (job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0);
  }

  static JobCondition condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    return job.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst().orElse(null);
  }

  private static ContainerStatus trainerStatus(List<Pod> pods) {
    ContainerStatus latest = null;
    for (Pod p : pods) {
      if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (ContainerStatus c : p.getStatus().getContainerStatuses()) {
        if ("trainer".equals(c.getName())) {
          latest = c;
        }
      }
    }
    return latest;
  }
}
