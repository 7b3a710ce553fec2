package dev.modelops.operator.serving;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Why a served version's model server cannot become ready, read from its Pods and its
 * Deployment (pure): a container waiting for a reason that does not pass by itself (crash loop,
 * image that cannot be pulled, configuration that cannot be created), or the Deployment's
 * progress deadline exceeded (a model server whose bundle cannot be loaded stays alive but never
 * ready, see model-server's NotReadyTest, so this is how a bad bundle shows).
 */
public final class ServingFailure {
  /** A failure: the reason (the condition's and the Event's) and a message naming the pod and container. */
  public record Failure(String reason, String message) {}

  /** Waiting reasons of a container that mean it will not start without a change. */
  static final Set<String> FATAL_WAITING = Set.of("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
      "CreateContainerConfigError", "CreateContainerError", "RunContainerError");
  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  private ServingFailure() {}

  /** The first failure found in the version's Pods (by name, so the answer is stable), else a progress deadline exceeded. */
  public static Optional<Failure> of(Deployment deployment, List<Pod> pods) {
    List<Pod> sorted = new ArrayList<>(pods);
    sorted.sort((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()));
    for (Pod p : sorted) {
      if (p.getStatus() == null || p.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      List<ContainerStatus> containers = new ArrayList<>();
      if (p.getStatus().getInitContainerStatuses() != null) {
        containers.addAll(p.getStatus().getInitContainerStatuses());
      }
      if (p.getStatus().getContainerStatuses() != null) {
        containers.addAll(p.getStatus().getContainerStatuses());
      }
      for (ContainerStatus c : containers) {
        if (c.getState() == null || c.getState().getWaiting() == null || !FATAL_WAITING.contains(c.getState().getWaiting().getReason())) {
          continue;
        }
        String reason = c.getState().getWaiting().getReason();
        StringBuilder m = new StringBuilder("pod ").append(p.getMetadata().getName()).append(" container ").append(c.getName())
            .append(": ").append(reason);
        String detail = c.getState().getWaiting().getMessage();
        if (detail != null && !detail.isBlank()) {
          m.append(": ").append(detail.strip());
        }
        if (c.getLastState() != null && c.getLastState().getTerminated() != null) {
          var t = c.getLastState().getTerminated();
          m.append(" (last exit ").append(t.getExitCode());
          if (t.getReason() != null) {
            m.append(", ").append(t.getReason());
          }
          if (t.getMessage() != null && !t.getMessage().isBlank()) {
            m.append(": ").append(t.getMessage().strip());
          }
          m.append(")");
        }
        return Optional.of(new Failure(reason, m.toString()));
      }
    }
    return progressDeadlineExceeded(deployment).map(c -> new Failure(PROGRESS_DEADLINE_EXCEEDED,
        "the model server did not become ready within the progress deadline ("
            + (deployment.getSpec() == null ? null : deployment.getSpec().getProgressDeadlineSeconds()) + " s): "
            + (c.getMessage() == null ? "" : c.getMessage().strip() + "; ")
            + "a bundle that cannot be loaded keeps it alive but never ready, see the model server's log"));
  }

  private static Optional<DeploymentCondition> progressDeadlineExceeded(Deployment d) {
    if (d == null || d.getStatus() == null || d.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return d.getStatus().getConditions().stream()
        .filter(c -> "Progressing".equals(c.getType()) && "False".equals(c.getStatus()) && PROGRESS_DEADLINE_EXCEEDED.equals(c.getReason()))
        .findFirst();
  }
}
